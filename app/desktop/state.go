package desktop

// Window geometry and the display check live outside the Wails build tag so
// that their tests run in the cgo-free `nodesktop` build too.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/adrg/xdg"
)

// Window limits. The minimum keeps the chat list and a readable transcript
// side by side; the maximum only guards against a corrupt state file asking
// GTK for a window larger than any screen.
const (
	defaultWidth  = 1100
	defaultHeight = 760
	minWidth      = 640
	minHeight     = 420
	maxDimension  = 16384
	maxCoordinate = 65535
)

// errNoDisplay is what a `hearth` launch without a graphical session
// reports instead of letting GTK panic. One line, with the way out.
var errNoDisplay = errors.New("no display: the window needs a graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set); run \"hearth serve\" for the headless server")

// windowState is what window.json holds between launches.
// Position is optional: a first launch lets the toolkit centre the window.
type windowState struct {
	Width     int  `json:"width"`
	Height    int  `json:"height"`
	X         *int `json:"x,omitempty"`
	Y         *int `json:"y,omitempty"`
	Maximised bool `json:"maximised,omitempty"`
}

func defaultWindowState() windowState {
	return windowState{Width: defaultWidth, Height: defaultHeight}
}

// sanitised repairs values a hand-edited or truncated file may hold, so a
// bad file costs the user their window size, never the launch.
func (s windowState) sanitised() windowState {
	if s.Width < minWidth || s.Width > maxDimension {
		s.Width = defaultWidth
	}
	if s.Height < minHeight || s.Height > maxDimension {
		s.Height = defaultHeight
	}
	if s.X == nil || s.Y == nil || !coordinateOK(*s.X) || !coordinateOK(*s.Y) {
		s.X, s.Y = nil, nil
	}
	return s
}

func coordinateOK(v int) bool {
	return v > -maxCoordinate && v < maxCoordinate
}

// stateFile is $XDG_STATE_HOME/hearth/window.json. getenv is
// injected so tests never touch the real home directory; adrg/xdg supplies
// the per-OS default when the variable is unset or relative (the XDG spec
// says relative values must be ignored).
func stateFile(getenv func(string) string) string {
	base := getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(base) {
		base = xdg.StateHome
	}
	return filepath.Join(base, "hearth", "window.json")
}

// loadWindowState never fails the launch: a missing file is the
// first launch, an unreadable one is logged and replaced on the next save.
func loadWindowState(path string, log *slog.Logger) windowState {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return defaultWindowState()
	}
	if err != nil {
		log.Warn("desktop: cannot read window state; using defaults", "path", path, "err", err)
		return defaultWindowState()
	}
	var s windowState
	if err := json.Unmarshal(raw, &s); err != nil {
		log.Warn("desktop: window state is not valid JSON; using defaults", "path", path, "err", err)
		return defaultWindowState()
	}
	return s.sanitised()
}

// saveWindowState writes through a temporary file and a rename so a
// crash mid-write leaves the previous state, not half a JSON document.
func saveWindowState(path string, s windowState) error {
	raw, err := json.MarshalIndent(s.sanitised(), "", "  ")
	if err != nil {
		return fmt.Errorf("encode window state: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state dir: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".window-*.json")
	if err != nil {
		return fmt.Errorf("create temporary window state: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write window state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write window state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace window state: %w", err)
	}
	return nil
}

// checkDisplay reports errNoDisplay where GTK would otherwise fail
// to initialise (and Wails would panic). macOS and Windows always have a
// window server for a logged-in user, so only the X11/Wayland systems are
// checked.
func checkDisplay(goos string, getenv func(string) string) error {
	switch goos {
	case "darwin", "windows", "ios", "android":
		return nil
	}
	if strings.TrimSpace(getenv("DISPLAY")) == "" && strings.TrimSpace(getenv("WAYLAND_DISPLAY")) == "" {
		return errNoDisplay
	}
	return nil
}

// prefersDark guesses whether the web view will render the UI's dark
// palette (prefers-color-scheme follows the GTK theme in WebKitGTK), so the
// window's background can match the page's first paint. It reads the same
// places GTK does: GTK_THEME, then the user's GTK 3 settings.ini. A wrong
// guess costs one frame of the other colour, nothing more.
func prefersDark(getenv func(string) string, readFile func(string) ([]byte, error)) bool {
	if t := strings.ToLower(getenv("GTK_THEME")); t != "" {
		return strings.HasSuffix(t, ":dark") || strings.Contains(t, "-dark")
	}
	base := getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(base) {
		base = xdg.ConfigHome
	}
	raw, err := readFile(filepath.Join(base, "gtk-3.0", "settings.ini"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.ToLower(strings.TrimSpace(v))
		switch k {
		case "gtk-application-prefer-dark-theme":
			if v == "1" || v == "true" {
				return true
			}
		case "gtk-theme-name":
			if strings.Contains(v, "-dark") {
				return true
			}
		}
	}
	return false
}

// origins is the web view's own origin, which the server must accept
// for the page's WebSocket and API calls.
func origins(goos string) []string {
	if goos == "windows" {
		return []string{"http://wails.localhost"}
	}
	return []string{"wails://wails"}
}
