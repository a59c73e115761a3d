//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// processes are the long-running helpers, killed in reverse order however
// the test ends.
type processes struct {
	mu    sync.Mutex
	procs []*proc
}

type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	log  *lineLog
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait returns the exit code; a death by signal is an error.
func (p *proc) wait(timeout time.Duration) (int, error) {
	select {
	case <-p.done:
	case <-time.After(timeout):
		return -1, fmt.Errorf("%s did not exit within %s", p.name, timeout)
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -1, fmt.Errorf("%s was killed by %s", p.name, ws.Signal())
		}
		return ee.ExitCode(), nil
	}
	if p.err != nil {
		return -1, fmt.Errorf("%s: %w", p.name, p.err)
	}
	return 0, nil
}

func (ps *processes) start(name string, cmd *exec.Cmd, log *lineLog) (*proc, error) {
	// Each helper gets its own process group, so a failed run can kill a
	// process together with whatever it spawned (WebKit's helpers).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), log: log}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	ps.mu.Lock()
	ps.procs = append(ps.procs, p)
	ps.mu.Unlock()
	return p, nil
}

func (ps *processes) killAll(log *slog.Logger) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for i := len(ps.procs) - 1; i >= 0; i-- {
		p := ps.procs[i]
		pid := p.cmd.Process.Pid
		kids := descendants(pid)
		if !p.exited() {
			log.Debug("stopping", "process", p.name, "pid", pid)
		}
		// The group outlives its leader when children remain.
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		for _, k := range kids {
			_ = syscall.Kill(k.pid, syscall.SIGKILL)
		}
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			log.Warn("process did not die", "process", p.name, "pid", pid)
		}
	}
}

type cmdOutput struct{ stdout, stderr string }

func runCmd(ctx context.Context, timeout time.Duration, bin string, args, env []string) (cmdOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	err := cmd.Run()
	out := cmdOutput{stdout: stdout.String(), stderr: stderr.String()}
	if ctx.Err() != nil {
		return out, fmt.Errorf("%s %s timed out after %s (stderr: %s)", filepath.Base(bin), strings.Join(args, " "), timeout, out.stderr)
	}
	if err != nil {
		return out, fmt.Errorf("%s %s: %w (stderr: %s)", filepath.Base(bin), strings.Join(args, " "), err, out.stderr)
	}
	return out, nil
}

// lineLog is hearth's stderr, kept in a file and searchable while it runs.
type lineLog struct {
	mu      sync.Mutex
	f       *os.File
	buf     bytes.Buffer
	changed chan struct{}
}

func newLineLog(path string) (*lineLog, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &lineLog{f: f, changed: make(chan struct{})}, nil
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	close(l.changed)
	l.changed = make(chan struct{})
	return l.f.Write(p)
}

func (l *lineLog) waitFor(ctx context.Context, needle string, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		found := bytes.Contains(l.buf.Bytes(), []byte(needle))
		changed := l.changed
		l.mu.Unlock()
		if found {
			return nil
		}
		select {
		case <-changed:
		case <-deadline:
			return fmt.Errorf("no %q in the log within %s", needle, timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (l *lineLog) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := strings.Split(strings.TrimRight(l.buf.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
