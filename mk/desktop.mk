# Desktop shell: the window build, install, release and smoke test.
# Included by the top-level Makefile; see docs/desktop.md.
#
# Every variable here is DESKTOP_-prefixed (or a conventional install name,
# PREFIX/DESTDIR) and set with ?= so the top-level Makefile and the command
# line win.

GO ?= go
DESKTOP_TAGS ?= desktop,production,webkit2_41
DESKTOP_VERSION ?= $(or $(VERSION),$(shell git describe --tags --always --dirty 2>/dev/null || echo 0.0.0-dev))
DESKTOP_COMMIT ?= $(or $(COMMIT),$(shell git rev-parse --short HEAD 2>/dev/null))
DESKTOP_LDFLAGS ?= -X github.com/hearth-app/hearth/app.Version=$(DESKTOP_VERSION) -X github.com/hearth-app/hearth/app.Commit=$(DESKTOP_COMMIT)
DESKTOP_GOOS = $(shell $(GO) env GOOS)
DESKTOP_GOARCH = $(shell $(GO) env GOARCH)

# `make install` defaults to the user's own prefix: no root, and the paths
# the freedesktop specs search (~/.local/bin, ~/.local/share/...).
PREFIX ?= $(HOME)/.local
DESTDIR ?=
DESKTOP_BINDIR = $(DESTDIR)$(PREFIX)/bin
DESKTOP_APPDIR = $(DESTDIR)$(PREFIX)/share/applications
DESKTOP_ICONDIR = $(DESTDIR)$(PREFIX)/share/icons/hicolor
DESKTOP_ICON_SIZES := 16 24 32 48 64 128 256 512

DESKTOP_SMOKE_TIMEOUT ?= 5m
DESKTOP_SMOKE_OUT ?= .smoke/desktop
# Where the smoke test writes its measurements: an ignored file, so `make test`
# never rewrites a tracked one. `make bench-desktop-doc` points it at
# docs/benchmarks.md on purpose.
DESKTOP_SMOKE_BENCH ?= $(DESKTOP_SMOKE_OUT)/bench.md

.PHONY: desktop dist install uninstall smoke-desktop bench-desktop-doc desktop-icons

# The window needs cgo (GTK + WebKitGTK 4.1). The UI is embedded, so it is
# built first.
desktop: ui
	CGO_ENABLED=1 $(GO) build -tags $(DESKTOP_TAGS) -ldflags "$(DESKTOP_LDFLAGS)" -o bin/hearth .

# A release: stripped, reproducible paths, version and commit stamped, plus
# a tarball with the files `make install` would place.
dist: ui
	@mkdir -p dist
	CGO_ENABLED=1 $(GO) build -trimpath -tags $(DESKTOP_TAGS) \
		-ldflags "-s -w $(DESKTOP_LDFLAGS)" -o dist/hearth .
	@set -e; name=hearth-$(DESKTOP_VERSION)-$(DESKTOP_GOOS)-$(DESKTOP_GOARCH); \
	stage=dist/$$name; rm -rf "$$stage"; \
	install -Dm755 dist/hearth "$$stage/bin/hearth"; \
	install -Dm644 build/linux/hearth.desktop "$$stage/share/applications/hearth.desktop"; \
	for s in $(DESKTOP_ICON_SIZES); do \
		install -Dm644 build/linux/icons/hearth-$$s.png "$$stage/share/icons/hicolor/$${s}x$${s}/apps/hearth.png"; \
	done; \
	install -Dm644 build/appicon.svg "$$stage/share/icons/hicolor/scalable/apps/hearth.svg"; \
	tar -C dist -czf "dist/$$name.tar.gz" "$$name"; rm -rf "$$stage"; \
	echo "dist/hearth ($(DESKTOP_VERSION) $(DESKTOP_COMMIT)) and dist/$$name.tar.gz"

# Exec= in the .desktop file gets the installed binary's absolute path
# (without DESTDIR): ~/.local/bin is not on every desktop session's PATH.
install: desktop
	install -Dm755 bin/hearth "$(DESKTOP_BINDIR)/hearth"
	@mkdir -p "$(DESKTOP_APPDIR)"
	sed -e 's|^Exec=.*|Exec=$(PREFIX)/bin/hearth|' -e 's|^TryExec=.*|TryExec=$(PREFIX)/bin/hearth|' \
		build/linux/hearth.desktop > "$(DESKTOP_APPDIR)/hearth.desktop"
	chmod 644 "$(DESKTOP_APPDIR)/hearth.desktop"
	@for s in $(DESKTOP_ICON_SIZES); do \
		install -Dm644 build/linux/icons/hearth-$$s.png "$(DESKTOP_ICONDIR)/$${s}x$${s}/apps/hearth.png" || exit 1; \
	done
	install -Dm644 build/appicon.svg "$(DESKTOP_ICONDIR)/scalable/apps/hearth.svg"
	@# Caches are the installed system's business when packaging (DESTDIR).
	@if [ -z "$(DESTDIR)" ]; then \
		command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -qtf "$(DESKTOP_ICONDIR)" 2>/dev/null || true; \
		command -v update-desktop-database >/dev/null && update-desktop-database -q "$(DESKTOP_APPDIR)" 2>/dev/null || true; \
	fi
	@echo "installed $(PREFIX)/bin/hearth; Hearth is in your applications menu"

uninstall:
	rm -f "$(DESKTOP_BINDIR)/hearth" "$(DESKTOP_APPDIR)/hearth.desktop" \
		"$(DESKTOP_ICONDIR)/scalable/apps/hearth.svg" \
		$(foreach s,$(DESKTOP_ICON_SIZES),"$(DESKTOP_ICONDIR)/$(s)x$(s)/apps/hearth.png")

# A real window under a private Xvfb, the fake LLM, a turn from the CLI, a
# second launch, a screenshot and a clean SIGTERM; numbers go to
# $(DESKTOP_SMOKE_BENCH) (ignored by git). The smoke program starts Xvfb itself.
smoke-desktop: desktop
	$(GO) build -o bin/fakellm ./backend/llm/llmtest/fakellm
	$(GO) build -o bin/smoke-desktop ./internal/smoke/desktop
	bin/smoke-desktop -hearth bin/hearth -fakellm bin/fakellm \
		-out $(DESKTOP_SMOKE_OUT) -timeout $(DESKTOP_SMOKE_TIMEOUT) -bench $(DESKTOP_SMOKE_BENCH)

# The same smoke test, deliberately rewriting the "Desktop" section of
# docs/benchmarks.md with its figures (review the diff, then commit it).
bench-desktop-doc:
	$(MAKE) smoke-desktop DESKTOP_SMOKE_BENCH=docs/benchmarks.md

# Re-render the committed icons after editing build/appicon.svg.
desktop-icons:
	build/gen-icons.sh
