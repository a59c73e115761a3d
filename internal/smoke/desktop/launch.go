//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

func startFakeLLM(ctx context.Context, bin, logPath string, ps *processes) (string, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", logPath, err)
	}
	cmd := exec.Command(bin)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", fmt.Errorf("fake LLM stdout: %w", err)
	}
	if _, err := ps.start("fakellm", cmd, nil); err != nil {
		return "", err
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(logf, stdout)
	}()
	select {
	case line, ok := <-lines:
		if !ok {
			return "", errors.New("fake LLM exited without printing its URL")
		}
		var v struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil || v.URL == "" {
			return "", fmt.Errorf("fake LLM printed %q, want {\"url\":…}", line)
		}
		return strings.TrimSuffix(v.URL, "/"), nil
	case <-ctx.Done():
		return "", fmt.Errorf("fake LLM did not print its URL: %w", ctx.Err())
	}
}

// startXvfb picks a free display itself (-displayfd), so parallel runs and
// a developer's own X server never collide.
func startXvfb(ctx context.Context, logPath string, ps *processes) (string, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", logPath, err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return "", fmt.Errorf("pipe: %w", err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stdout, cmd.Stderr = logf, logf
	if _, err := ps.start("Xvfb", cmd, nil); err != nil {
		w.Close()
		return "", err
	}
	w.Close()
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
	}()
	select {
	case n := <-num:
		if _, err := strconv.Atoi(n); err != nil {
			return "", fmt.Errorf("Xvfb did not report a display number (got %q); see %s", n, logPath)
		}
		return ":" + n, nil
	case <-ctx.Done():
		return "", fmt.Errorf("Xvfb did not start: %w", ctx.Err())
	}
}

func startHearth(bin string, args, env []string, logPath string, ps *processes) (*proc, error) {
	ll, err := newLineLog(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout = ll
	cmd.Stderr = ll
	return ps.start("hearth", cmd, ll)
}

// waitConnected polls the instance's status over its unix socket until the
// server counts a WebSocket client: the page in the window, since nothing
// else has been started yet.
func waitConnected(ctx context.Context, socket string, p *proc) error {
	hc := &http.Client{
		Timeout: 2 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		}},
	}
	defer hc.CloseIdleConnections()
	last := "socket not there yet"
	for {
		if p.exited() {
			return fmt.Errorf("hearth exited before its window connected (%s)", last)
		}
		if n, err := statusClients(ctx, hc); err != nil {
			last = err.Error()
		} else if n > 0 {
			return nil
		} else {
			last = "backend up, no WebSocket client yet"
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the web view never connected to the backend (%s): %w", last, ctx.Err())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func statusClients(ctx context.Context, hc *http.Client) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://hearth/api/status", nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /api/status: %s", resp.Status)
	}
	var st struct {
		Clients *int `json:"clients"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return 0, fmt.Errorf("GET /api/status: %w", err)
	}
	if st.Clients == nil {
		return 0, errors.New("GET /api/status has no \"clients\" field")
	}
	return *st.Clients, nil
}
