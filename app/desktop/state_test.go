package desktop

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

func intPtr(v int) *int { return &v }

func TestWindowStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "hearth", "window.json")
	want := windowState{Width: 1300, Height: 900, X: intPtr(40), Y: intPtr(-20)}
	if err := saveWindowState(path, want); err != nil {
		t.Fatalf("save: %v", err)
	}
	got := loadWindowState(path, quietLogger())
	if got.Width != want.Width || got.Height != want.Height || got.Maximised {
		t.Fatalf("size: got %+v, want %+v", got, want)
	}
	if got.X == nil || got.Y == nil || *got.X != 40 || *got.Y != -20 {
		t.Fatalf("position: got %v,%v", got.X, got.Y)
	}
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("state dir mode %o, want 700", perm)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".window-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestWindowStateLoadFallsBack(t *testing.T) {
	dir := t.TempDir()
	def := defaultWindowState()
	for _, tc := range []struct {
		name    string
		content string // empty: no file at all
		want    windowState
	}{
		{name: "first launch", want: def},
		{name: "not json", content: "{\"width\": 12", want: def},
		{name: "truncated to nothing", content: " ", want: def},
		{name: "too small", content: `{"width":10,"height":10}`, want: def},
		{name: "too large", content: `{"width":99999,"height":800}`, want: windowState{Width: defaultWidth, Height: 800}},
		{name: "half a position", content: `{"width":800,"height":600,"x":5}`, want: windowState{Width: 800, Height: 600}},
		{name: "position off any screen", content: `{"width":800,"height":600,"x":5,"y":900000}`, want: windowState{Width: 800, Height: 600}},
		{name: "maximised", content: `{"width":800,"height":600,"maximised":true}`, want: windowState{Width: 800, Height: 600, Maximised: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".json")
			if tc.content != "" {
				if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got := loadWindowState(path, quietLogger())
			if got.Width != tc.want.Width || got.Height != tc.want.Height || got.Maximised != tc.want.Maximised {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if (got.X == nil) != (tc.want.X == nil) {
				t.Errorf("position: got %v,%v, want %v,%v", got.X, got.Y, tc.want.X, tc.want.Y)
			}
		})
	}
}

func TestStateFile(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	got := stateFile(env(map[string]string{"XDG_STATE_HOME": "/tmp/st"}))
	if got != filepath.FromSlash("/tmp/st/hearth/window.json") {
		t.Errorf("absolute XDG_STATE_HOME: got %q", got)
	}
	// The XDG spec says relative values must be ignored.
	got = stateFile(env(map[string]string{"XDG_STATE_HOME": "rel/dir"}))
	if !filepath.IsAbs(got) || filepath.Base(got) != "window.json" {
		t.Errorf("relative XDG_STATE_HOME: got %q, want an absolute default", got)
	}
}

func TestCheckDisplay(t *testing.T) {
	for _, tc := range []struct {
		goos string
		env  map[string]string
		ok   bool
	}{
		{"linux", map[string]string{}, false},
		{"linux", map[string]string{"DISPLAY": "  "}, false},
		{"linux", map[string]string{"DISPLAY": ":0"}, true},
		{"linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, true},
		{"freebsd", map[string]string{}, false},
		{"darwin", map[string]string{}, true},
		{"windows", map[string]string{}, true},
	} {
		err := checkDisplay(tc.goos, func(k string) string { return tc.env[k] })
		if tc.ok && err != nil {
			t.Errorf("%s %v: unexpected error %v", tc.goos, tc.env, err)
		}
		if !tc.ok && !errors.Is(err, errNoDisplay) {
			t.Errorf("%s %v: got %v, want errNoDisplay", tc.goos, tc.env, err)
		}
	}
}

func TestOrigins(t *testing.T) {
	if got := origins("linux"); len(got) != 1 || got[0] != "wails://wails" {
		t.Errorf("linux: %v", got)
	}
	if got := origins("windows"); len(got) != 1 || got[0] != "http://wails.localhost" {
		t.Errorf("windows: %v", got)
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestPrefersDark(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		settings string // empty: no settings.ini
		want     bool
	}{
		{name: "nothing set", want: false},
		{name: "GTK_THEME variant", env: map[string]string{"GTK_THEME": "Adwaita:dark"}, want: true},
		{name: "GTK_THEME dark theme", env: map[string]string{"GTK_THEME": "Arc-Dark"}, want: true},
		{name: "GTK_THEME light wins over settings", env: map[string]string{"GTK_THEME": "Adwaita"}, settings: "gtk-application-prefer-dark-theme=1", want: false},
		{name: "settings prefer dark", settings: "[Settings]\ngtk-application-prefer-dark-theme = true\n", want: true},
		{name: "settings dark theme name", settings: "[Settings]\ngtk-theme-name=Adwaita-dark\n", want: true},
		{name: "settings light", settings: "[Settings]\ngtk-theme-name=Adwaita\ngtk-application-prefer-dark-theme=0\n", want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"XDG_CONFIG_HOME": "/cfg"}
			for k, v := range tc.env {
				env[k] = v
			}
			read := func(path string) ([]byte, error) {
				if tc.settings == "" || path != filepath.FromSlash("/cfg/gtk-3.0/settings.ini") {
					return nil, os.ErrNotExist
				}
				return []byte(tc.settings), nil
			}
			if got := prefersDark(func(k string) string { return env[k] }, read); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
