# Hearth — the two commands a newcomer runs are `make run` and `make test`.
# Both install what is missing first (Debian/Ubuntu), so a clean clone needs
# nothing else done by hand.

SHELL := /bin/bash
GO ?= go
NPM ?= npm
DESKTOP_TAGS := desktop,production,webkit2_41
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.0.0-dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS := -X github.com/hearth-app/hearth/app.Version=$(VERSION) -X github.com/hearth-app/hearth/app.Commit=$(COMMIT)

# System packages: the desktop build needs GTK/WebKit headers; tests need a
# browser and a virtual display, and python3 with websockets for the Python
# example agent (examples/agents/python).
RUN_PKGS := build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev
TEST_PKGS := $(RUN_PKGS) chromium xvfb xauth xdotool imagemagick fonts-dejavu-core bash-completion python3 python3-websockets

.PHONY: run test deps-run deps-test ui ui-deps headless go-check go-test ui-test e2e bench chaos chaos-short chaos-bins clean help

help:
	@echo "make run    build the UI and the desktop app, then open it"
	@echo "make test   install test dependencies and run every test"
	@echo "make bench  run the benchmarks (see docs/benchmarks.md)"
	@echo "make chaos  the failure suite, long form: SIGKILLs and a 1,000-connection load run (docs/testing.md)"

# --- dependencies -----------------------------------------------------------

deps-run:
	@scripts/ensure-packages.sh $(RUN_PKGS)

deps-test: mcp-servers
	@scripts/ensure-packages.sh $(TEST_PKGS)

# The reference MCP servers the integration tests run (server-everything,
# server-filesystem), pinned by testdata/mcp-servers/package-lock.json: the
# tests find them there and never fetch anything themselves.
testdata/mcp-servers/node_modules/.package-lock.json: testdata/mcp-servers/package-lock.json testdata/mcp-servers/package.json
	cd testdata/mcp-servers && $(NPM) ci --no-audit --no-fund
	@touch $@

.PHONY: mcp-servers
mcp-servers: testdata/mcp-servers/node_modules/.package-lock.json

frontend/node_modules/.package-lock.json: frontend/package-lock.json frontend/package.json
	cd frontend && $(NPM) ci --no-audit --no-fund
	@touch $@

ui-deps: frontend/node_modules/.package-lock.json

ui: ui-deps
	cd frontend && $(NPM) run build

# --- build ------------------------------------------------------------------

# A pure-Go binary with every subcommand but the window (CGO_ENABLED=0 works).
headless: ui
	CGO_ENABLED=0 $(GO) build -tags nodesktop -ldflags "$(LDFLAGS)" -o bin/hearth-headless .

include mk/desktop.mk

run: deps-run ui desktop
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
		echo "No display here, so no window can open."; \
		echo "Run the backend headless and use Hearth from a browser or the CLI:"; \
		echo "  bin/hearth serve        # prints the URL to open"; \
		echo "  bin/hearth chat \"hi\"    # in another terminal"; \
		exit 0; \
	fi; \
	exec bin/hearth

# Code generated from the Go definitions (committed; a Go test fails when it is
# stale): the UI's wire types, event, command and reason names in
# frontend/src/protocol.gen.ts.
.PHONY: generate
generate:
	$(GO) generate ./backend/protocol

# --- tests ------------------------------------------------------------------

go-check:
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './frontend/*')); \
	if [ -n "$$bad" ]; then echo "gofmt would change:"; echo "$$bad"; exit 1; fi
	$(GO) vet -tags nodesktop ./...
	$(GO) vet -tags $(DESKTOP_TAGS) ./...

go-test:
	$(GO) test -race -tags nodesktop -count=1 ./...

ui-test: ui-deps
	cd frontend && $(NPM) run typecheck && $(NPM) test

e2e: ui
	cd frontend && $(NPM) run e2e

test: deps-test go-check go-test ui-test e2e smoke-desktop chaos-short
	@echo "all tests passed"

# The failure suite (internal/chaos, docs/testing.md): a real `hearth serve`
# SIGKILLed at seeded random points while answers stream and messages queue,
# checked after every restart; then many clients, some that stop reading, all
# reconnecting at once. Each run prints its seed; CHAOS_SEED=N replays one.
# Logs and the figures go to .smoke/chaos/ (git-ignored).
CHAOS_SEED ?= 0
CHAOS_FLAGS ?=

chaos-bins:
	CGO_ENABLED=0 $(GO) build -tags nodesktop -ldflags "$(LDFLAGS)" -o bin/hearth-chaos .
	$(GO) build -o bin/chaos ./internal/chaos

# The long form: 24 kills, then 1,000 connections over 50 chats.
chaos: chaos-bins
	bin/chaos -hearth bin/hearth-chaos -seed $(CHAOS_SEED) -kills 24 -load-conns 1000 -load-chats 50 -max-rss 768 $(CHAOS_FLAGS)

# The short form `make test` runs: 5 kills, then 200 connections over 10 chats.
chaos-short: chaos-bins
	bin/chaos -hearth bin/hearth-chaos -seed $(CHAOS_SEED) -kills 5 -load-conns 200 -load-chats 10 -max-rss 384 $(CHAOS_FLAGS)

bench:
	$(GO) test -tags nodesktop -run '^$$' -bench . -benchmem -count 6 ./backend/... | tee bench.out
	@echo "compare runs with: go run golang.org/x/perf/cmd/benchstat@latest bench.out"

clean:
	rm -rf bin dist frontend/dist/assets frontend/dist/index.html .smoke
