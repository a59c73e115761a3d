package mcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"
)

// A server's state, as `hearth mcp ls` and the settings show it.
const (
	StateStarting = "starting"
	StateReady    = "ready"
	StateFailed   = "failed"
	StateDisabled = "disabled"
)

// Status is one server as the user sees it.
type Status struct {
	Name, Transport, State string
	// Error says why a failed server failed; StderrTail is the end of
	// what it wrote to stderr (stdio servers).
	Error, StderrTail string
	Tools             []Tool
	// Restarts counts the times it was started again after failing.
	Restarts int
}

// ManagerOptions configures a Manager.
type ManagerOptions struct {
	// ConfigPath is the mcp.json that Load and Watch read.
	ConfigPath string
	// ConfigExplicit: the user named ConfigPath (--mcp-config,
	// HEARTH_MCP_CONFIG), so its absence is worth a warning.
	ConfigExplicit bool
	// LogDir holds one log file per stdio server (its stderr).
	LogDir string
	Logger *slog.Logger
	// BackoffBase and BackoffMax bound the waits between restarts
	// (defaults 1 s and 60 s).
	BackoffBase, BackoffMax time.Duration
	// ConnectTimeout bounds starting a server and its first tool list
	// (default 30 s).
	ConnectTimeout time.Duration
	// OnChange is called (without locks held) when a server's status changes.
	OnChange func()
}

// Manager runs the configured servers: each starts in the background (never
// delaying Hearth's start), is started again with backoff when it fails or
// exits, and stops on Close.
type Manager struct {
	opts   ManagerOptions
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// applyMu keeps two Applies (a reload and another) from interleaving.
	applyMu sync.Mutex

	mu      sync.Mutex
	servers map[string]*running
	// configErr is what is wrong with the config file, for the statuses.
	configErr string
}

type running struct {
	srv    Server
	status Status
	sess   *Session
	// stop ends this server alone (Apply removing or changing it); done
	// closes when its goroutine has returned.
	stop context.CancelFunc
	done chan struct{}
}

// NewManager makes a manager; Start gives it servers.
func NewManager(opts ManagerOptions) *Manager {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = time.Second
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = time.Minute
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{opts: opts, log: opts.Logger, ctx: ctx, cancel: cancel, servers: map[string]*running{}}
}

// Start runs each server in the background and returns at once.
func (m *Manager) Start(servers []Server) { m.Apply(servers) }

// launch registers s and starts it in the background; m.mu is held.
func (m *Manager) launch(s Server) {
	ctx, stop := context.WithCancel(m.ctx)
	r := &running{srv: s, status: Status{Name: s.Name, Transport: s.Transport, State: StateStarting},
		stop: stop, done: make(chan struct{})}
	m.servers[s.Name] = r
	if s.Disabled {
		r.status.State = StateDisabled
		close(r.done)
		return
	}
	m.wg.Add(1)
	go m.run(ctx, r)
}

// Statuses lists every server, in name order.
func (m *Manager) Statuses() []Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Status, 0, len(m.servers))
	for _, r := range m.servers {
		st := r.status
		st.Tools = append([]Tool(nil), st.Tools...)
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Session is the live session of a ready server.
func (m *Manager) Session(name string) (*Session, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.servers[name]
	if !ok || r.sess == nil {
		return nil, false
	}
	return r.sess, true
}

// Close stops every server and waits for them (stdio: stdin closed, then
// SIGTERM after a grace period), or for ctx.
func (m *Manager) Close(ctx context.Context) error {
	// Under mu, so that no Apply starts a server after this.
	m.mu.Lock()
	m.cancel()
	m.mu.Unlock()
	done := make(chan struct{})
	go func() { m.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stopping MCP servers: %w", ctx.Err())
	}
}

func (m *Manager) set(r *running, f func(st *Status)) {
	m.mu.Lock()
	f(&r.status)
	m.mu.Unlock()
	if m.opts.OnChange != nil {
		m.opts.OnChange()
	}
}

// run keeps one server up until ctx (the manager's, or this server's
// alone) ends.
func (m *Manager) run(ctx context.Context, r *running) {
	defer m.wg.Done()
	defer close(r.done)
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			m.set(r, func(st *Status) { st.Restarts = attempt })
		}
		upFor, err := m.once(ctx, r)
		if ctx.Err() != nil {
			return
		}
		if upFor > time.Minute {
			attempt = 0 // it ran well: the next failure starts the backoff over
		}
		wait := Backoff(attempt, m.opts.BackoffBase, m.opts.BackoffMax)
		m.log.Warn("MCP server stopped; starting it again", "server", r.srv.Name, "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// once starts the server, serves until its connection ends, and says how
// long it was ready and why it ended.
func (m *Manager) once(ctx context.Context, r *running) (time.Duration, error) {
	m.set(r, func(st *Status) { st.State, st.Error = StateStarting, "" })
	tail := &tailWriter{max: 2048}
	var stderr io.Writer = tail
	if r.srv.Transport == TransportStdio && m.opts.LogDir != "" {
		if f, err := openLog(m.opts.LogDir, r.srv.Name); err == nil {
			defer f.Close()
			stderr = io.MultiWriter(f, tail)
		} else {
			m.log.Warn("no log file for an MCP server", "server", r.srv.Name, "err", err)
		}
	}
	fail := func(err error) (time.Duration, error) {
		m.set(r, func(st *Status) {
			st.State, st.Error, st.StderrTail, st.Tools = StateFailed, err.Error(), tail.String(), nil
		})
		return 0, err
	}
	cctx, cancel := context.WithTimeout(ctx, m.opts.ConnectTimeout)
	// The SDK calls the handler on its reading goroutine: a request from
	// there would wait on itself, so the tools are listed below instead.
	toolsChanged := make(chan struct{}, 1)
	sess, err := connect(cctx, r.srv, stderr, func() {
		select {
		case toolsChanged <- struct{}{}:
		default:
		}
	})
	if err != nil {
		cancel()
		return fail(err)
	}
	tools, err := sess.Tools(cctx)
	cancel()
	if err != nil {
		_ = sess.Close()
		return fail(err)
	}
	up := time.Now()
	m.mu.Lock()
	r.sess = sess
	r.status.State, r.status.Tools, r.status.StderrTail = StateReady, tools, ""
	m.mu.Unlock()
	if m.opts.OnChange != nil {
		m.opts.OnChange()
	}
	ended := make(chan error, 1)
	go func() { ended <- sess.cs.Wait() }()
	for {
		select {
		case <-toolsChanged:
			lctx, cancel := context.WithTimeout(ctx, m.opts.ConnectTimeout)
			tools, err := sess.Tools(lctx)
			cancel()
			if err != nil {
				m.log.Warn("MCP server changed its tools but could not list them", "server", r.srv.Name, "err", err)
				continue
			}
			m.set(r, func(st *Status) { st.Tools = tools })
			continue
		case <-ctx.Done():
			_ = sess.Close()
			<-ended
			m.mu.Lock()
			r.sess = nil
			m.mu.Unlock()
			return time.Since(up), ctx.Err()
		case err := <-ended:
			m.mu.Lock()
			r.sess = nil
			m.mu.Unlock()
			if err == nil {
				err = errors.New("the server closed the connection")
			}
			_, ferr := fail(fmt.Errorf("the server stopped: %w", err))
			return time.Since(up), ferr
		}
	}
}

// Backoff is the wait before restart number attempt (0: none yet): base,
// doubling, at most max. Pure.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	d := base
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// openLog opens the server's own log file, named after it.
func openLog(dir, name string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, unsafeName.ReplaceAllString(name, "_")+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
