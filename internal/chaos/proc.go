package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// env is a private set of directories for one hearth instance: data, socket,
// XDG dirs (so no user config or running instance is ever seen or touched).
type env struct {
	root    string
	dataDir string
	socket  string
	vars    []string
}

func newEnv(root string) (*env, error) {
	e := &env{root: root, dataDir: filepath.Join(root, "data"), socket: filepath.Join(root, "run", "h.sock")}
	for _, d := range []string{"data", "run", "config", "xdgdata", "state"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			return nil, err
		}
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "HEARTH_") || strings.HasPrefix(k, "OPENAI_") || strings.HasPrefix(k, "XDG_") || k == "OLLAMA_HOST" {
			continue
		}
		e.vars = append(e.vars, kv)
	}
	e.vars = append(e.vars,
		"XDG_RUNTIME_DIR="+filepath.Join(root, "run"),
		"XDG_CONFIG_HOME="+filepath.Join(root, "config"),
		"XDG_DATA_HOME="+filepath.Join(root, "xdgdata"),
		"XDG_STATE_HOME="+filepath.Join(root, "state"))
	return e, nil
}

func (e *env) dbPath() string { return filepath.Join(e.dataDir, "hearth.db") }

// server is one running `hearth serve`.
type server struct {
	cmd  *exec.Cmd
	pid  int
	done chan struct{}
	err  error // set before done is closed
	log  *os.File
}

// startServer runs `hearth serve` and waits for its listening line. The wait
// is bounded by ctx (a safety net: a start that does not finish in time is
// reported as a blocked restart).
func startServer(ctx context.Context, bin string, e *env, providerURL, logPath string) (*server, time.Duration, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.Command(bin, "serve",
		"--data-dir", e.dataDir, "--socket", e.socket, "--listen", "off",
		"--provider-url", providerURL, "--model", "chaos-model", "--log-level", "info")
	cmd.Env = e.vars
	cmd.Stderr = logf
	// Its own process group, so a kill of this program's group (Ctrl-C) and
	// our SIGKILL reach only what we mean.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, 0, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &server{cmd: cmd, pid: cmd.Process.Pid, done: make(chan struct{}), log: logf}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() {
		s.err = cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	select {
	case l, ok := <-lines:
		if !ok {
			<-s.done
			return nil, 0, fmt.Errorf("hearth serve exited before listening (%v); log: %s", s.err, logPath)
		}
		var info struct{ Event, Socket string }
		if err := json.Unmarshal([]byte(l), &info); err != nil || info.Event != "listening" {
			s.kill()
			return nil, 0, fmt.Errorf("hearth serve's first line %q is not the listening line", l)
		}
		return s, time.Since(start), nil
	case <-ctx.Done():
		s.kill()
		return nil, 0, fmt.Errorf("hearth serve did not say it was listening (restart blocked?); log: %s: %w", logPath, ctx.Err())
	}
}

// kill sends SIGKILL and waits until the process is gone.
func (s *server) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop asks for a clean exit (SIGTERM), then kills after grace.
func (s *server) stop(grace time.Duration) error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return s.err
	case <-time.After(grace):
		s.kill()
		return errors.New("did not exit after SIGTERM")
	}
}

// rssKiB reads VmRSS from /proc/PID/status.
func rssKiB(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, errors.New("no VmRSS")
}

// raiseFileLimit lifts the soft limit on open files to the hard one; the
// hearth child inherits it.
func raiseFileLimit(need uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	if lim.Cur < need {
		return lim.Cur, fmt.Errorf("open-file limit %d is below the %d this run needs (raise ulimit -n)", lim.Cur, need)
	}
	return lim.Cur, nil
}
