package mcp

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDiff(t *testing.T) {
	a := Server{Name: "a", Transport: TransportStdio, Command: "a", Timeout: DefaultCallTimeout}
	b := Server{Name: "b", Transport: TransportStdio, Command: "b", Args: []string{"-x"}, Timeout: DefaultCallTimeout}
	c := Server{Name: "c", Transport: TransportStreamable, URL: "http://c", Timeout: DefaultCallTimeout}
	with := func(s Server, f func(*Server)) Server { f(&s); return s }
	for _, tc := range []struct {
		name       string
		running    []Server
		configured []Server
		want       Plan
	}{
		{"nothing", nil, nil, Plan{}},
		{"first load", nil, []Server{b, a}, Plan{Start: []string{"a", "b"}}},
		{"same", []Server{a, b}, []Server{b, a}, Plan{}},
		{"added", []Server{a}, []Server{a, c}, Plan{Start: []string{"c"}}},
		{"removed", []Server{a, b, c}, []Server{b}, Plan{Stop: []string{"a", "c"}}},
		{"all removed", []Server{a, b}, nil, Plan{Stop: []string{"a", "b"}}},
		{"args changed", []Server{a, b}, []Server{a, with(b, func(s *Server) { s.Args = []string{"-y"} })}, Plan{Restart: []string{"b"}}},
		{"env added", []Server{a}, []Server{with(a, func(s *Server) { s.Env = map[string]string{"K": "v"} })}, Plan{Restart: []string{"a"}}},
		{"empty env is no env", []Server{a}, []Server{with(a, func(s *Server) { s.Env = map[string]string{} })}, Plan{}},
		{"disabled", []Server{a}, []Server{with(a, func(s *Server) { s.Disabled = true })}, Plan{Restart: []string{"a"}}},
		{"autoApprove", []Server{c}, []Server{with(c, func(s *Server) { s.AutoApprove = []string{"t"} })}, Plan{Restart: []string{"c"}}},
		{"timeout", []Server{c}, []Server{with(c, func(s *Server) { s.Timeout = time.Second })}, Plan{Restart: []string{"c"}}},
		{"headers", []Server{c}, []Server{with(c, func(s *Server) { s.Headers = map[string]string{"A": "b"} })}, Plan{Restart: []string{"c"}}},
		{"all three", []Server{a, b}, []Server{with(a, func(s *Server) { s.Cwd = "/tmp" }), c}, Plan{Start: []string{"c"}, Stop: []string{"b"}, Restart: []string{"a"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			running := map[string]Server{}
			for _, s := range tc.running {
				running[s.Name] = s
			}
			if got := Diff(running, tc.configured); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Diff = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func newTestManager(t *testing.T, opts ManagerOptions) (*Manager, <-chan struct{}) {
	t.Helper()
	changed := make(chan struct{}, 1)
	opts.OnChange = func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	if opts.BackoffBase == 0 {
		opts.BackoffBase, opts.BackoffMax = 10*time.Millisecond, 50*time.Millisecond
	}
	m := NewManager(opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return m, changed
}

func names(sts []Status) string {
	var n []string
	for _, st := range sts {
		n = append(n, st.Name+":"+st.State)
	}
	return strings.Join(n, " ")
}

// Apply keeps an unchanged server's session, restarts a changed one,
// stops a removed one and starts a new one; the toolbox sees only the
// ready servers.
func TestApplyKeepsUnchangedServers(t *testing.T) {
	bin := testServerBinary(t)
	m, changed := newTestManager(t, ManagerOptions{LogDir: t.TempDir(), ConfigPath: "/x/mcp.json"})
	one := Server{Name: "one", Transport: TransportStdio, Command: bin, Timeout: DefaultCallTimeout, AutoApprove: []string{"echo"}}
	two := Server{Name: "two", Transport: TransportStdio, Command: bin, Timeout: DefaultCallTimeout}
	m.Apply([]Server{one, two})
	waitStatus(t, m, changed, "one", func(st Status) bool { return st.State == StateReady })
	waitStatus(t, m, changed, "two", func(st Status) bool { return st.State == StateReady })
	s1, _ := m.Session("one")
	s2, _ := m.Session("two")

	tools := m.ReadyTools()
	if len(tools) != 12 || tools[0].Server != "one" || tools[0].Name != "crash" || tools[11].Server != "two" || tools[11].Name != "slow" {
		t.Fatalf("ready tools %+v", tools)
	}
	if !m.AutoApproved("one", "echo") || m.AutoApproved("one", "fail") || m.AutoApproved("two", "echo") || m.AutoApproved("nobody", "echo") {
		t.Error("AutoApproved does not follow autoApprove")
	}
	if res, err := m.Call(context.Background(), "one", "echo", []byte(`{"text":"hi"}`)); err != nil || res.Text != "echo: hi" {
		t.Fatalf("Call: %+v %v", res, err)
	}
	if m.ConfigPath() != "/x/mcp.json" {
		t.Errorf("ConfigPath %q", m.ConfigPath())
	}

	changedTwo := two
	changedTwo.Env = map[string]string{"CHANGED": "1"}
	three := Server{Name: "three", Transport: TransportStdio, Command: bin, Disabled: true, Timeout: DefaultCallTimeout}
	plan := m.Apply([]Server{changedTwo, three})
	if !reflect.DeepEqual(plan, Plan{Start: []string{"three"}, Stop: []string{"one"}, Restart: []string{"two"}}) {
		t.Fatalf("plan %+v", plan)
	}
	if got := names(m.Statuses()); got != "three:disabled two:starting" && got != "three:disabled two:ready" && got != "three:disabled two:failed" {
		t.Fatalf("statuses after Apply: %s", got)
	}
	if _, err := m.Call(context.Background(), "one", "echo", nil); !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), `"one"`) {
		t.Errorf("call to a removed server: %v", err)
	}
	if _, err := m.Call(context.Background(), "three", "echo", nil); !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("call to a disabled server: %v", err)
	}
	waitStatus(t, m, changed, "two", func(st Status) bool { return st.State == StateReady })
	if s, _ := m.Session("two"); s == s2 {
		t.Error("the changed server kept its session")
	}

	// Unchanged: the same session goes on.
	m.Apply([]Server{changedTwo, three, one})
	waitStatus(t, m, changed, "one", func(st Status) bool { return st.State == StateReady })
	s2b, _ := m.Session("two")
	m.Apply([]Server{changedTwo, three, one})
	if s, _ := m.Session("two"); s != s2b {
		t.Error("an unchanged server was restarted")
	}
	if s, _ := m.Session("one"); s == s1 {
		t.Error("a removed and re-added server has its old session")
	}
}

// A server that adds a tool tells its clients, and the status and the
// toolbox list the new tool without a restart.
func TestToolListChangesArePickedUp(t *testing.T) {
	bin := testServerBinary(t)
	m, changed := newTestManager(t, ManagerOptions{})
	m.Apply([]Server{{Name: "g", Transport: TransportStdio, Command: bin, Timeout: DefaultCallTimeout}})
	waitStatus(t, m, changed, "g", func(st Status) bool { return st.State == StateReady })
	if res, err := m.Call(context.Background(), "g", "grow", nil); err != nil || res.Text != "grown" {
		t.Fatalf("grow: %+v %v", res, err)
	}
	st := waitStatus(t, m, changed, "g", func(st Status) bool { return len(st.Tools) == 7 })
	if st.Restarts != 0 || st.Tools[2].Name != "extra" {
		t.Fatalf("after grow %+v", st)
	}
	if res, err := m.Call(context.Background(), "g", "extra", nil); err != nil || res.Text != "extra" {
		t.Fatalf("extra: %+v %v", res, err)
	}
}

// Watch applies the file as it is written, removed and broken; a missing
// file named explicitly is a config error, a missing default one is not.
func TestWatchReloadsTheFile(t *testing.T) {
	bin := testServerBinary(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "mcp.json")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var logged syncBuffer
	m, changed := newTestManager(t, ManagerOptions{ConfigPath: path, ConfigExplicit: true,
		Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	m.Watch(20 * time.Millisecond)
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		timeout := time.After(60 * time.Second)
		for !ok() {
			select {
			case <-changed:
			case <-timeout:
				t.Fatalf("%s: never; statuses %s, config error %q", what, names(m.Statuses()), m.ConfigError())
			}
		}
	}
	waitFor("missing explicit file reported", func() bool { return strings.Contains(m.ConfigError(), "does not exist") })
	if !strings.Contains(logged.String(), "level=WARN") || !strings.Contains(logged.String(), "does not exist") {
		t.Errorf("no warning in the log: %s", logged.String())
	}

	write(`{"mcpServers": {"a": {"command": "` + bin + `"}, "bad": {"command": "x", "url": "http://y"}}}`)
	waitFor("a ready", func() bool { return names(m.Statuses()) == "a:ready" })
	if !strings.Contains(m.ConfigError(), `server "bad"`) {
		t.Errorf("broken entry not reported: %q", m.ConfigError())
	}
	write(`{"mcpServers": {"a": {"command": "` + bin + `"}, "b": {"command": "` + bin + `", "disabled": true}}}`)
	waitFor("b added", func() bool { return names(m.Statuses()) == "a:ready b:disabled" && m.ConfigError() == "" })

	write(`{"mcpServers": {`) // half typed: nothing stops
	waitFor("syntax error reported", func() bool { return strings.Contains(m.ConfigError(), "not valid JSON") })
	if got := names(m.Statuses()); got != "a:ready b:disabled" {
		t.Fatalf("a broken file stopped servers: %s", got)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	waitFor("all removed", func() bool { return len(m.Statuses()) == 0 })

	quiet, _ := newTestManager(t, ManagerOptions{ConfigPath: filepath.Join(dir, "none.json")})
	quiet.Load()
	if quiet.ConfigError() != "" || len(quiet.Statuses()) != 0 {
		t.Errorf("missing default file: %q %v", quiet.ConfigError(), quiet.Statuses())
	}
}
