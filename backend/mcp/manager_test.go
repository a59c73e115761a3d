package mcp

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		attempt int
		want    time.Duration
	}{{0, time.Second}, {1, 2 * time.Second}, {3, 8 * time.Second}, {6, time.Minute}, {60, time.Minute}} {
		if got := Backoff(c.attempt, time.Second, time.Minute); got != c.want {
			t.Errorf("Backoff(%d) = %v, want %v", c.attempt, got, c.want)
		}
	}
}

func TestTailWriterKeepsTheEnd(t *testing.T) {
	w := &tailWriter{max: 5}
	_, _ = w.Write([]byte("abc"))
	_, _ = w.Write([]byte("defgh"))
	if w.String() != "defgh" {
		t.Fatalf("tail %q", w.String())
	}
}

// waitStatus waits until the named server's status satisfies ok; each
// change is announced on changed, so nothing here waits on the clock.
func waitStatus(t *testing.T, m *Manager, changed <-chan struct{}, name string, ok func(Status) bool) Status {
	t.Helper()
	timeout := time.After(90 * time.Second)
	for {
		for _, st := range m.Statuses() {
			if st.Name == name && ok(st) {
				return st
			}
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("server %s: status never matched; now %+v", name, m.Statuses())
		}
	}
}

// Servers start in the background; a crashed one is started again; one
// that cannot start says why with the end of its stderr; a disabled one
// never starts; Close stops them all; each stdio server logs to its file.
func TestManagerRunsAndRestartsServers(t *testing.T) {
	bin := testServerBinary(t)
	logs := t.TempDir()
	changed := make(chan struct{}, 1024)
	m := NewManager(ManagerOptions{LogDir: logs, BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond,
		OnChange: func() {
			select {
			case changed <- struct{}{}:
			default:
			}
		}})
	broken := filepath.Join(t.TempDir(), "broken.sh")
	if err := os.WriteFile(broken, []byte("#!/bin/sh\necho 'cannot find my config file' >&2\nexit 1\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	m.Start([]Server{
		{Name: "good", Transport: TransportStdio, Command: bin, Timeout: DefaultCallTimeout},
		{Name: "broken", Transport: TransportStdio, Command: broken, Timeout: DefaultCallTimeout},
		{Name: "missing", Transport: TransportStdio, Command: filepath.Join(t.TempDir(), "no-such-program"), Timeout: DefaultCallTimeout},
		{Name: "off", Transport: TransportStdio, Command: bin, Disabled: true, Timeout: DefaultCallTimeout},
	})

	ready := waitStatus(t, m, changed, "good", func(st Status) bool { return st.State == StateReady })
	if len(ready.Tools) != 6 || ready.Transport != TransportStdio {
		t.Fatalf("ready server %+v", ready)
	}
	failed := waitStatus(t, m, changed, "broken", func(st Status) bool { return st.State == StateFailed && st.Restarts > 0 })
	if !strings.Contains(failed.StderrTail, "cannot find my config file") || failed.Error == "" {
		t.Errorf("broken server %+v", failed)
	}
	if st := waitStatus(t, m, changed, "missing", func(st Status) bool { return st.State == StateFailed }); st.Error == "" {
		t.Errorf("missing program %+v", st)
	}
	if st := waitStatus(t, m, changed, "off", func(Status) bool { return true }); st.State != StateDisabled {
		t.Errorf("disabled server %+v", st)
	}

	// Crash it: it comes back, counted.
	s, ok := m.Session("good")
	if !ok {
		t.Fatal("no session for a ready server")
	}
	if _, err := s.Call(context.Background(), "crash", nil); err == nil {
		t.Fatal("the crash call answered")
	}
	again := waitStatus(t, m, changed, "good", func(st Status) bool { return st.State == StateReady && st.Restarts >= 1 })
	if len(again.Tools) != 6 {
		t.Fatalf("restarted server %+v", again)
	}
	if s2, ok := m.Session("good"); !ok || s2 == s {
		t.Fatal("the restarted server has no new session")
	}
	if res, err := func() (Result, error) {
		s2, _ := m.Session("good")
		return s2.Call(context.Background(), "echo", []byte(`{"text":"back"}`))
	}(); err != nil || res.Text != "echo: back" {
		t.Fatalf("call after the restart: %+v %v", res, err)
	}
	log, err := os.ReadFile(filepath.Join(logs, "good.log"))
	if err != nil || !strings.Contains(string(log), "testserver: crashing") || strings.Count(string(log), "testserver ready") < 2 {
		t.Fatalf("good.log: %q %v", log, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Session("good"); ok {
		t.Error("a session outlived Close")
	}
}
