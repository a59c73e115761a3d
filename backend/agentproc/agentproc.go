// Package agentproc runs the agents Hearth starts itself (the [[agents]]
// tables of config.toml with a command): each is a program that connects
// back to Hearth's unix socket, found in HEARTH_SOCKET, and registers as an
// agent. Each is started once Hearth listens, its output goes to its own log
// file, it is started again with backoff whenever it exits, and it is
// stopped (SIGTERM, then SIGKILL after a grace period) when Hearth quits.
package agentproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hearth-app/hearth/backend/mcp"
)

// Agent is one program to keep running.
type Agent struct {
	Name    string
	Command []string
}

// Options configures a Runner.
type Options struct {
	// Socket is Hearth's unix socket, handed to each agent as HEARTH_SOCKET.
	Socket string
	// LogDir holds NAME.log per agent: its stdout and stderr, and a line
	// from Hearth each time it starts or ends.
	LogDir string
	Logger *slog.Logger
	// BackoffBase and BackoffMax bound the waits between restarts
	// (defaults 1 s and 60 s), as for MCP servers.
	BackoffBase, BackoffMax time.Duration
	// StopGrace is how long an agent has to exit after SIGTERM before it
	// is killed (default 3 s).
	StopGrace time.Duration
	// Env is the environment agents start with (nil: Hearth's own); the
	// Runner adds HEARTH_SOCKET and HEARTH_AGENT_NAME.
	Env []string
}

// Runner keeps the agents running until Close.
type Runner struct {
	opts   Options
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.Mutex
	pids map[string]int
}

// Start starts every agent in the background and returns at once.
func Start(opts Options, agents []Agent) *Runner {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = time.Second
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = time.Minute
	}
	if opts.StopGrace <= 0 {
		opts.StopGrace = 3 * time.Second
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{opts: opts, log: opts.Logger, ctx: ctx, cancel: cancel, pids: map[string]int{}}
	for _, a := range agents {
		if len(a.Command) == 0 {
			continue
		}
		r.wg.Add(1)
		go r.run(a)
	}
	return r
}

// PID is the process id of the agent's running process, 0 while none runs.
func (r *Runner) PID(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pids[name]
}

// Close stops every agent and waits for them, or for ctx.
func (r *Runner) Close(ctx context.Context) error {
	r.cancel()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stopping agents: %w", ctx.Err())
	}
}

// run keeps one agent up until Close.
func (r *Runner) run(a Agent) {
	defer r.wg.Done()
	log := r.log.With("agent", a.Name)
	for attempt := 0; ; attempt++ {
		upFor, err := r.once(a, log)
		if r.ctx.Err() != nil {
			return
		}
		if upFor > time.Minute {
			attempt = 0 // it ran well: the next exit starts the backoff over
		}
		wait := mcp.Backoff(attempt, r.opts.BackoffBase, r.opts.BackoffMax)
		log.Warn("agent stopped; starting it again", "err", err, "in", wait, "log", r.logPath(a.Name))
		select {
		case <-r.ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// once runs the agent's program until it exits or the Runner closes, and
// says how long it ran and how it ended.
func (r *Runner) once(a Agent, log *slog.Logger) (time.Duration, error) {
	var out io.Writer = io.Discard
	f, err := openLog(r.opts.LogDir, a.Name)
	if err != nil {
		log.Warn("no log file for an agent", "err", err)
	} else {
		defer f.Close()
		out = f
	}
	note := func(format string, args ...any) {
		fmt.Fprintf(out, "--- hearth %s: %s\n", time.Now().Format(time.RFC3339), fmt.Sprintf(format, args...))
	}
	cmd := exec.Command(a.Command[0], a.Command[1:]...)
	cmd.Env = append(withoutKeys(r.opts.Env, "HEARTH_SOCKET", "HEARTH_AGENT_NAME"),
		"HEARTH_SOCKET="+r.opts.Socket, "HEARTH_AGENT_NAME="+a.Name)
	if f != nil {
		// An *os.File is handed to the child as is: no copying goroutine
		// that a grandchild holding the pipe could keep alive.
		cmd.Stdout, cmd.Stderr = f, f
	}
	cmd.SysProcAttr = sysProcAttr()
	// Linux sends the parent-death signal when the thread that started the
	// child ends, not the process; this goroutine keeps its thread (and
	// the runtime will not end a locked thread) while the agent runs.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	note("starting %s", strings.Join(a.Command, " "))
	if err := cmd.Start(); err != nil {
		note("could not start: %v", err)
		return 0, err
	}
	start := time.Now()
	r.setPID(a.Name, cmd.Process.Pid)
	defer r.setPID(a.Name, 0)
	log.Info("agent started", "pid", cmd.Process.Pid)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err == nil {
			err = errors.New("exited with status 0")
		}
		note("%v", err)
		return time.Since(start), err
	case <-r.ctx.Done():
	}
	// Hearth is quitting: the agent and whatever it started (its process
	// group) are asked to stop, then made to.
	signalGroup(cmd.Process, syscall.SIGTERM)
	select {
	case <-exited:
		note("stopped")
	case <-time.After(r.opts.StopGrace):
		signalGroup(cmd.Process, syscall.SIGKILL)
		<-exited
		note("killed: it did not stop within %v of SIGTERM", r.opts.StopGrace)
		log.Warn("agent killed: it did not stop after SIGTERM", "grace", r.opts.StopGrace)
	}
	return time.Since(start), r.ctx.Err()
}

func (r *Runner) setPID(name string, pid int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if pid == 0 {
		delete(r.pids, name)
		return
	}
	r.pids[name] = pid
}

func (r *Runner) logPath(name string) string {
	if r.opts.LogDir == "" {
		return ""
	}
	return LogFile(r.opts.LogDir, name)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// LogFile is the agent's log file in dir.
func LogFile(dir, name string) string {
	return filepath.Join(dir, unsafeName.ReplaceAllString(name, "_")+".log")
}

func openLog(dir, name string) (*os.File, error) {
	if dir == "" {
		return nil, errors.New("no log dir")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(LogFile(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}

// withoutKeys drops the variables the Runner sets, so each appears once.
func withoutKeys(env []string, keys ...string) []string {
	out := make([]string, 0, len(env))
next:
	for _, kv := range env {
		for _, k := range keys {
			if strings.HasPrefix(kv, k+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}
