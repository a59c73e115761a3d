//go:build !nodesktop

package desktop

// The desktop shell is the only code that imports Wails. It owns the window
// and nothing else: the backend it starts is the same one `hearth serve`
// runs, and the page in the web view talks to it over loopback TCP exactly
// like a browser tab would, with the token handed over through a binding
// instead of a URL.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	goruntime "runtime"
	"strings"
	"sync"
	"syscall"
	"testing/fstest"
	"time"

	"github.com/wailsapp/wails/v2"
	wailslogger "github.com/wailsapp/wails/v2/pkg/logger"
	"github.com/wailsapp/wails/v2/pkg/menu"
	"github.com/wailsapp/wails/v2/pkg/menu/keys"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/options/mac"
	"github.com/wailsapp/wails/v2/pkg/options/windows"
	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/hearth-app/hearth/app/assembly"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/server"
)

const (
	// startWait bounds how long the page's Endpoint call and the
	// shutdown path wait for assembly.Start (store open and migrations).
	startWait = 60 * time.Second
	// shutdownTimeout bounds Backend.Shutdown: long enough for
	// running turns to be recorded as interrupted, short enough that a
	// closed window never lingers as an invisible process.
	shutdownTimeout = 10 * time.Second
	// focusTimeout bounds the hand-over to a running instance, so a
	// wedged first instance cannot make every later launch hang.
	focusTimeout = 5 * time.Second

	eventNewChat = "menu:new-chat"
	eventSearch  = "menu:search"
)

// background is the UI's page colour (--bg in frontend/src/styles.css,
// light or dark), so the window shows no white or transparent flash before
// the first paint. Alpha must stay 255: WebKit otherwise composites the
// window as translucent.
func background() *options.RGBA {
	if goruntime.GOOS == "linux" && prefersDark(os.Getenv, os.ReadFile) {
		return options.NewRGB(0x1a, 0x19, 0x17)
	}
	return options.NewRGB(0xfb, 0xfa, 0xf8)
}

// Endpoint is how the page in the window finds the backend. It is
// the only way the token reaches the page: it never appears in a URL that
// another page, the history or a referrer could read.
type Endpoint struct {
	URL   string `json:"url"`
	WS    string `json:"ws"`
	Token string `json:"token"`
}

// Bridge is bound into the web view as window.go.desktop.Bridge (Wails names
// it after the package and the type). Its exported methods are the page's
// whole Go API, so it holds nothing else.
type Bridge struct {
	shell *shell
}

// Endpoint returns the backend's URLs and token, waiting for the backend to
// finish starting: the page loads in parallel with the store opening.
func (d *Bridge) Endpoint() (Endpoint, error) {
	b, err := d.shell.waitBackend(startWait)
	if err != nil {
		return Endpoint{}, err
	}
	return Endpoint{URL: b.URL, WS: b.WS, Token: b.Token}, nil
}

// shell is the state of one window's life, from launch to the end of
// OnShutdown.
type shell struct {
	parent    context.Context
	cfg       config.Config
	build     Build
	ui        fs.FS
	log       *slog.Logger
	statePath string
	state     windowState

	// started is closed once Wails hands over its context; the runtime
	// functions need it, so signals and focus requests wait for it.
	started  chan struct{}
	wailsCtx context.Context

	// backendDone is closed when assembly.Start has returned, successfully
	// or not; the fields below it are written before the close.
	backendDone chan struct{}
	mu          sync.Mutex
	backend     *assembly.Backend
	backendErr  error
	handedOver  bool

	closeOnce   sync.Once
	quitOnce    sync.Once
	shutdownErr error
}

// Run is `hearth` with no subcommand: one window on one backend.
func Run(ctx context.Context, cfg config.Config, ui fs.FS, log *slog.Logger, build Build) error {
	if !bindingsOnly {
		if err := checkDisplay(goruntime.GOOS, os.Getenv); err != nil {
			return err
		}
		// A second launch (a double-click on an already open Hearth)
		// hands over to the first and leaves before building a window. The
		// backend's lock in assembly.Start stays the source of truth for the
		// race where two launches both get here first.
		if handed, err := handOverToRunningInstance(ctx, cfg, log); err != nil || handed {
			return err
		}
	}

	files, err := assets(ui, log)
	if err != nil {
		return err
	}
	if cfg.Listen == config.ListenOff {
		// The page in the window reaches the backend only over loopback
		// TCP; "listen = off" in a shared config file is meant for serve.
		log.Warn("desktop: the window needs the loopback TCP listener; ignoring --listen off", "listen", config.DefaultListen)
		cfg.Listen = config.DefaultListen
	}

	s := &shell{
		parent:      ctx,
		cfg:         cfg,
		build:       build,
		ui:          ui,
		log:         log,
		statePath:   stateFile(os.Getenv),
		started:     make(chan struct{}),
		backendDone: make(chan struct{}),
	}
	s.state = loadWindowState(s.statePath, log)

	runDone := make(chan struct{})
	defer close(runDone)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go s.quitOnSignal(sigs, runDone)

	if err := s.run(files); err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.handedOver:
		return nil
	case s.backendErr != nil:
		return fmt.Errorf("desktop: %w", s.backendErr)
	case s.shutdownErr != nil:
		return fmt.Errorf("desktop: shut down: %w", s.shutdownErr)
	}
	return nil
}

// handOverToRunningInstance asks a live instance to show its window and
// reports whether one did. A live instance without a window (`hearth
// serve`) is an error: opening a second window on its data would fail at
// the data-dir lock anyway, after a window had flashed up.
func handOverToRunningInstance(ctx context.Context, cfg config.Config, log *slog.Logger) (bool, error) {
	fctx, cancel := context.WithTimeout(ctx, focusTimeout)
	defer cancel()
	err := assembly.AskToFocus(fctx, cfg)
	if err == nil {
		log.Info("desktop: Hearth is already running; brought its window to the front", "socket", cfg.Socket)
		return true, nil
	}
	var d net.Dialer
	if conn, derr := d.DialContext(fctx, "unix", cfg.Socket); derr == nil {
		conn.Close()
		log.Debug("desktop: the running instance did not show a window", "socket", cfg.Socket, "err", err)
		return false, fmt.Errorf("%w at %s but did not show a window (is it `hearth serve`?): use it from a browser or the CLI, or stop it to open the window", assembly.ErrAlreadyRunning, cfg.Socket)
	}
	log.Debug("desktop: no running instance answered; starting one", "socket", cfg.Socket, "err", err)
	return false, nil
}

// run builds the window and blocks until it is gone and OnShutdown has
// returned. Wails panics where GTK cannot open the display (DISPLAY set but
// no server behind it); that is an error for the user, not a crash.
func (s *shell) run(files fs.FS) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("desktop: cannot open a window on display %q (%v); run \"hearth serve\" for the headless server", displayName(), r)
		}
	}()

	startState := options.Normal
	if s.state.Maximised {
		startState = options.Maximised
	}
	icon := iconPNG()

	opts := &options.App{
		Title:              "Hearth",
		Width:              s.state.Width,
		Height:             s.state.Height,
		MinWidth:           minWidth,
		MinHeight:          minHeight,
		WindowStartState:   startState,
		BackgroundColour:   background(),
		AssetServer:        &assetserver.Options{Assets: files},
		Menu:               s.menu(),
		Logger:             wailsLogger{log: s.log},
		LogLevel:           wailsLogLevel(s.cfg.LogLevel),
		LogLevelProduction: wailsLogLevel(s.cfg.LogLevel),
		OnStartup:          s.onStartup,
		OnBeforeClose:      s.onBeforeClose,
		OnShutdown:         s.onShutdown,
		Bind:               []any{&Bridge{shell: s}},
		Linux: &linux.Options{
			Icon: icon,
			// "hearth" is the WM_CLASS the .desktop file's StartupWMClass
			// names, so docks group the window under the installed icon.
			ProgramName: "hearth",
			// Wails' own default when Linux options are nil: GPU
			// compositing in WebKitGTK still blanks windows on some
			// drivers, and a chat view gains nothing from it.
			WebviewGpuPolicy: linux.WebviewGpuPolicyNever,
		},
		Mac: &mac.Options{
			About: &mac.AboutInfo{Title: "Hearth", Message: aboutText(s.build), Icon: icon},
		},
		Windows: &windows.Options{},
	}
	if err := wails.Run(opts); err != nil {
		return fmt.Errorf("desktop: window: %w", err)
	}
	return nil
}

func (s *shell) onStartup(ctx context.Context) {
	s.wailsCtx = ctx
	close(s.started)

	// Wails has already queued its own centring; this call reaches the
	// main loop after it, so the saved position wins without a visible
	// jump from a later callback.
	if !s.state.Maximised && s.state.X != nil && s.state.Y != nil {
		wruntime.WindowSetPosition(ctx, *s.state.X, *s.state.Y)
	}

	// The backend outlives a cancelled launch context until OnShutdown
	// stops it, so turns are always recorded; cancellation quits the
	// window instead (quitOnSignal).
	b, err := assembly.Start(context.WithoutCancel(s.parent), s.cfg, s.ui, s.log, assembly.Options{
		Version:      s.build.Version,
		OnFocus:      s.focus,
		ExtraOrigins: origins(goruntime.GOOS),
	})

	handedOver := false
	if errors.Is(err, assembly.ErrAlreadyRunning) {
		// Another launch won the race for the data dir after our first
		// check. If it shows its window, it is the instance the user gets
		// and this one leaves quietly with exit code 0; if it cannot (it
		// has no window), that is an error worth a dialog.
		fctx, cancel := context.WithTimeout(s.parent, focusTimeout)
		ferr := assembly.AskToFocus(fctx, s.cfg)
		cancel()
		if ferr == nil {
			handedOver = true
			err = nil
		} else {
			err = fmt.Errorf("%w; it did not show a window: %w", err, ferr)
		}
	}
	s.mu.Lock()
	s.backend, s.backendErr, s.handedOver = b, err, handedOver
	s.mu.Unlock()
	close(s.backendDone)

	switch {
	case handedOver:
		s.log.Info("desktop: another instance took the data dir first; handed over to its window", "data_dir", s.cfg.DataDir)
		s.quit()
	case err != nil:
		s.log.Error("desktop: backend failed to start", "err", err)
		// A double-clicked app has no terminal: the dialog is the only
		// place the user sees why the window is about to close.
		_, _ = wruntime.MessageDialog(ctx, wruntime.MessageDialogOptions{
			Type:    wruntime.ErrorDialog,
			Title:   "Hearth cannot start",
			Message: err.Error(),
		})
		s.quit()
	default:
		s.log.Info("desktop: backend ready", "url", b.URL, "socket", b.Socket)
	}
}

// onBeforeClose runs for the close button, Quit in the menu, SIGTERM and
// runtime.Quit alike; it is the last moment the window can still be
// measured (Wails destroys it before OnShutdown).
//
// It lets only the first close through. One SIGTERM alone reaches Wails
// three times (its own signal handler, ours, the cancelled launch context),
// and every close that is let through calls gtk_main_quit from a goroutine;
// a second call lands while the main thread destroys the window and
// crashes the process (seen as SIGSEGV in the smoke test).
func (s *shell) onBeforeClose(ctx context.Context) (prevent bool) {
	prevent = true
	s.closeOnce.Do(func() {
		prevent = false
		s.saveWindow(ctx)
	})
	return prevent
}

func (s *shell) saveWindow(ctx context.Context) {
	st := s.state
	switch {
	case wruntime.WindowIsMinimised(ctx), wruntime.WindowIsFullscreen(ctx):
		// Neither says anything about where the user wants the window
		// next time; keep what was loaded.
	case wruntime.WindowIsMaximised(ctx):
		// Keep the normal size so un-maximising next time restores it.
		st.Maximised = true
	default:
		st.Maximised = false
		st.Width, st.Height = wruntime.WindowGetSize(ctx)
		x, y := wruntime.WindowGetPosition(ctx)
		st.X, st.Y = &x, &y
	}
	if err := saveWindowState(s.statePath, st); err != nil {
		s.log.Warn("desktop: cannot save window state", "path", s.statePath, "err", err)
		return
	}
	s.log.Debug("desktop: window state saved", "path", s.statePath, "width", st.Width, "height", st.Height)
}

// onShutdown runs after the main loop ended. It must not return before the
// backend is down: the process exits right after.
func (s *shell) onShutdown(context.Context) {
	select {
	case <-s.backendDone:
	case <-time.After(startWait):
		s.log.Error("desktop: backend still starting at shutdown; leaving it to the next launch's stale-socket check")
		return
	}
	s.mu.Lock()
	b := s.backend
	s.mu.Unlock()
	if b == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	start := time.Now()
	err := b.Shutdown(ctx)
	s.mu.Lock()
	s.shutdownErr = err
	s.mu.Unlock()
	if err != nil {
		s.log.Error("desktop: backend shutdown", "err", err)
		return
	}
	s.log.Info("desktop: backend stopped", "took", time.Since(start).Round(time.Millisecond))
}

// waitBackend returns the started backend or why there is none.
func (s *shell) waitBackend(wait time.Duration) (*assembly.Backend, error) {
	select {
	case <-s.backendDone:
	case <-time.After(wait):
		return nil, fmt.Errorf("backend did not start within %s", wait)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.backendErr != nil:
		return nil, fmt.Errorf("backend failed to start: %w", s.backendErr)
	case s.backend == nil:
		return nil, errors.New("another Hearth instance is running; this window is closing")
	}
	return s.backend, nil
}

// focus is the backend's OnFocus: a second launch asked for this window.
// On GTK, Unminimise is gtk_window_present on the main thread, which also
// raises and focuses the window; Show covers a window hidden by the toolkit.
func (s *shell) focus() {
	ctx, ok := s.context()
	if !ok {
		return
	}
	s.log.Info("desktop: focus requested by a second launch")
	wruntime.WindowShow(ctx)
	wruntime.WindowUnminimise(ctx)
}

// context returns Wails' context once the window exists.
func (s *shell) context() (context.Context, bool) {
	select {
	case <-s.started:
		return s.wailsCtx, true
	default:
		return nil, false
	}
}

// quit ends the main loop once; OnBeforeClose and OnShutdown follow.
func (s *shell) quit() {
	s.quitOnce.Do(func() {
		go func() {
			<-s.started
			wruntime.Quit(s.wailsCtx)
		}()
	})
}

// quitOnSignal turns SIGTERM/SIGINT/SIGHUP, or the cancellation of the
// launch context, into the same clean quit as the window's close button, so
// the backend is shut down by OnShutdown. Only signals on sigs are counted:
// the launch context may be cancelled by the very same SIGTERM. A second
// signal means the user has given up on the clean path.
func (s *shell) quitOnSignal(sigs <-chan os.Signal, done <-chan struct{}) {
	parentDone := s.parent.Done()
	signals := 0
	for {
		select {
		case sig := <-sigs:
			signals++
			if signals > 1 {
				s.log.Error("desktop: second signal during shutdown; exiting now", "signal", sig.String())
				os.Exit(1)
			}
			s.log.Info("desktop: signal received; quitting", "signal", sig.String())
			s.quit()
		case <-parentDone:
			parentDone = nil
			s.log.Info("desktop: launch context ended; quitting", "cause", context.Cause(s.parent))
			s.quit()
		case <-done:
			return
		}
	}
}

func (s *shell) emit(event string) {
	if ctx, ok := s.context(); ok {
		wruntime.EventsEmit(ctx, event)
	}
}

func (s *shell) menu() *menu.Menu {
	m := menu.NewMenu()
	if goruntime.GOOS == "darwin" {
		// The application menu carries About, Hide and Quit (Cmd+Q) on
		// macOS; the Edit menu is what makes Cmd+C/V work in the web view.
		m.Append(menu.AppMenu())
		m.Append(menu.EditMenu())
	}
	chats := m.AddSubmenu("File")
	chats.AddText("New Chat", keys.CmdOrCtrl("n"), func(*menu.CallbackData) { s.emit(eventNewChat) })
	chats.AddText("Search", keys.CmdOrCtrl("k"), func(*menu.CallbackData) { s.emit(eventSearch) })
	if goruntime.GOOS != "darwin" {
		chats.AddSeparator()
		chats.AddText("Quit", keys.CmdOrCtrl("q"), func(*menu.CallbackData) { s.quit() })
	}
	view := m.AddSubmenu("View")
	view.AddText("Reload", keys.CmdOrCtrl("r"), func(*menu.CallbackData) {
		if ctx, ok := s.context(); ok {
			wruntime.WindowReloadApp(ctx)
		}
	})
	help := m.AddSubmenu("Help")
	help.AddText("About Hearth", nil, func(*menu.CallbackData) {
		ctx, ok := s.context()
		if !ok {
			return
		}
		// The dialog blocks until dismissed; menu callbacks must not.
		go func() {
			_, err := wruntime.MessageDialog(ctx, wruntime.MessageDialogOptions{
				Type:    wruntime.InfoDialog,
				Title:   "About Hearth",
				Message: aboutText(s.build),
			})
			if err != nil {
				s.log.Warn("desktop: about dialog", "err", err)
			}
		}()
	})
	return m
}

func aboutText(b Build) string {
	v := "Hearth " + b.Version
	// An untagged build's version is already the commit (git describe).
	if b.Commit != "" && !strings.Contains(b.Version, b.Commit) {
		v += " (commit " + b.Commit + ")"
	}
	return v + "\nLocal chats with your own models."
}

func displayName() string {
	if d := os.Getenv("WAYLAND_DISPLAY"); d != "" {
		return d
	}
	return os.Getenv("DISPLAY")
}

// assets is the built UI, rooted at its index.html (app.Main hands
// over frontend/dist; the embed root is accepted too). Wails refuses to start
// without an index.html (it exits the process), and a fresh checkout has only
// dist/.gitkeep until `npm run build`; the window then says so instead.
func assets(ui fs.FS, log *slog.Logger) (fs.FS, error) {
	dist := ui
	if fi, err := fs.Stat(ui, "frontend/dist"); err == nil && fi.IsDir() {
		sub, err := fs.Sub(ui, "frontend/dist")
		if err != nil {
			return nil, fmt.Errorf("desktop: embedded UI: %w", err)
		}
		dist = sub
	}
	if _, err := fs.Stat(dist, "index.html"); err == nil {
		return dist, nil
	}
	log.Warn("desktop: this binary was built without the web UI (frontend/dist/index.html missing)")
	return fstest.MapFS{"index.html": &fstest.MapFile{Data: []byte(server.NoUIPage), Mode: 0o444}}, nil
}

// iconPNG decodes the window icon; a broken constant only costs the
// icon, never the window.
func iconPNG() []byte {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(iconBase64))
	if err != nil {
		return nil
	}
	return b
}

// wailsLogLevel keeps Wails' chatter out of the log unless Hearth
// runs at debug level; slog filters again by its own level.
func wailsLogLevel(level string) wailslogger.LogLevel {
	switch strings.ToLower(level) {
	case "debug":
		return wailslogger.DEBUG
	case "error":
		return wailslogger.ERROR
	}
	return wailslogger.WARNING
}

// wailsLogger routes Wails' own messages into the process's slog
// stream instead of Wails' stdout printer, which would corrupt the output
// of tools reading hearth's stdout.
type wailsLogger struct{ log *slog.Logger }

func (l wailsLogger) Print(m string)   { l.log.Info("wails: " + m) }
func (l wailsLogger) Trace(m string)   { l.log.Debug("wails: " + m) }
func (l wailsLogger) Debug(m string)   { l.log.Debug("wails: " + m) }
func (l wailsLogger) Info(m string)    { l.log.Info("wails: " + m) }
func (l wailsLogger) Warning(m string) { l.log.Warn("wails: " + m) }
func (l wailsLogger) Error(m string)   { l.log.Error("wails: " + m) }
func (l wailsLogger) Fatal(m string)   { l.log.Error("wails: fatal: " + m) }
