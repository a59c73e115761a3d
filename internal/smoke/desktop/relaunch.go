//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// relaunch starts the window again, times it to the connected web view and
// quits it, with the same exit checks as the first run.
func relaunch(ctx context.Context, bin string, args, env []string, x xdg, logPath string, ps *processes, q quitter) (time.Duration, error) {
	p, err := startHearth(bin, args, env, logPath, ps)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	withLog := func(err error) error {
		return fmt.Errorf("%w\n--- hearth stderr (%s), last lines ---\n%s", err, logPath, p.log.tail(40))
	}
	if err := waitConnected(ctx, x.socket(), p); err != nil {
		return 0, withLog(err)
	}
	d := time.Since(start)
	tree := descendants(p.cmd.Process.Pid)
	if err := q.quit(ctx, p); err != nil {
		return 0, withLog(fmt.Errorf("quit with %s: %w", q.name, err))
	}
	code, err := p.wait(patience)
	if err != nil {
		return 0, withLog(fmt.Errorf("after %s: %w", q.name, err))
	}
	if code != 0 {
		return 0, withLog(fmt.Errorf("exit code after %s: %d, want 0", q.name, code))
	}
	for _, leftover := range []string{x.socket(), x.endpointFile()} {
		if _, err := os.Lstat(leftover); !errors.Is(err, os.ErrNotExist) {
			return 0, withLog(fmt.Errorf("%s still exists after %s", leftover, q.name))
		}
	}
	if err := waitGone(tree, patience); err != nil {
		return 0, withLog(err)
	}
	return d, nil
}

// quitter ends a running window the way a user or the session would.
type quitter struct {
	name string
	quit func(ctx context.Context, p *proc) error
}

func sigterm() quitter {
	return quitter{name: "SIGTERM", quit: func(_ context.Context, p *proc) error {
		return p.cmd.Process.Signal(syscall.SIGTERM)
	}}
}

// ctrlQ presses the menu's Quit accelerator. Xvfb has no window manager,
// so keyboard focus follows the pointer: the pointer is put on the window
// first.
func ctrlQ(display string) quitter {
	return quitter{name: "Ctrl+Q", quit: func(ctx context.Context, p *proc) error {
		env := append(os.Environ(), "DISPLAY="+display)
		run := func(args ...string) (string, error) {
			ctx, cancel := context.WithTimeout(ctx, patience)
			defer cancel()
			cmd := exec.CommandContext(ctx, "xdotool", args...)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				return "", fmt.Errorf("xdotool %s: %w: %s", strings.Join(args, " "), err, out)
			}
			return string(out), nil
		}
		ids, err := run("search", "--sync", "--onlyvisible", "--pid", strconv.Itoa(p.cmd.Process.Pid), "--name", "^Hearth$")
		if err != nil {
			return err
		}
		id, _, _ := strings.Cut(strings.TrimSpace(ids), "\n")
		if _, err := run("mousemove", "--sync", "--window", id, "300", "300"); err != nil {
			return err
		}
		_, err = run("key", "--clearmodifiers", "ctrl+q")
		return err
	}}
}

func crashAndRecover(ctx context.Context, o options, args, env []string, x xdg, ps *processes) (time.Duration, error) {
	logPath := filepath.Join(o.out, "hearth-crashed.log")
	p, err := startHearth(o.hearth, args, env, logPath, ps)
	if err != nil {
		return 0, err
	}
	if err := waitConnected(ctx, x.socket(), p); err != nil {
		return 0, fmt.Errorf("before the crash: %w\n%s", err, p.log.tail(40))
	}
	tree := descendants(p.cmd.Process.Pid)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return 0, fmt.Errorf("kill: %w", err)
	}
	if _, err := p.wait(patience); err == nil {
		return 0, errors.New("hearth survived SIGKILL")
	}
	if err := waitGone(tree, patience); err != nil {
		return 0, fmt.Errorf("after the window process was killed: %w", err)
	}
	if _, err := os.Lstat(x.socket()); err != nil {
		// Not a failure of Hearth, but then this step tests less than it says.
		return 0, fmt.Errorf("expected the killed instance's socket to remain: %w", err)
	}
	d, err := relaunch(ctx, o.hearth, args, env, x, filepath.Join(o.out, "hearth-after-crash.log"), ps, sigterm())
	if err != nil {
		return 0, fmt.Errorf("launch after a crash: %w", err)
	}
	return d, nil
}
