//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// xdg is a private set of XDG base directories, so the test never sees or
// touches the user's chats, config or running instance.
type xdg struct{ runtime, data, config, state string }

func newXDG(root string) (xdg, error) {
	x := xdg{
		runtime: filepath.Join(root, "runtime"),
		data:    filepath.Join(root, "data"),
		config:  filepath.Join(root, "config"),
		state:   filepath.Join(root, "state"),
	}
	for _, d := range []string{x.runtime, x.data, x.config, x.state} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return x, fmt.Errorf("create %s: %w", d, err)
		}
	}
	return x, nil
}

func (x xdg) socket() string       { return filepath.Join(x.runtime, "hearth", "hearth.sock") }
func (x xdg) endpointFile() string { return filepath.Join(x.runtime, "hearth", "endpoint.json") }
func (x xdg) windowState() string  { return filepath.Join(x.state, "hearth", "window.json") }

// env is the caller's environment minus everything that could point Hearth,
// GTK or WebKit elsewhere (a real display, session bus or instance).
func (x xdg) env(display string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "XDG_"), strings.HasPrefix(k, "HEARTH_"), strings.HasPrefix(k, "OPENAI_"),
			k == "OLLAMA_HOST", k == "DISPLAY", k == "WAYLAND_DISPLAY", k == "DBUS_SESSION_BUS_ADDRESS",
			k == "GDK_BACKEND":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"DISPLAY="+display,
		"GDK_BACKEND=x11",
		"NO_AT_BRIDGE=1", // no accessibility bus on a private display
		"XDG_RUNTIME_DIR="+x.runtime,
		"XDG_DATA_HOME="+x.data,
		"XDG_CONFIG_HOME="+x.config,
		"XDG_STATE_HOME="+x.state,
	)
}

type endpoint struct {
	PID int `json:"pid"`
}

func readEndpoint(path string) (endpoint, error) {
	var ep endpoint
	raw, err := os.ReadFile(path)
	if err != nil {
		return ep, fmt.Errorf("endpoint file: %w", err)
	}
	if err := json.Unmarshal(raw, &ep); err != nil {
		return ep, fmt.Errorf("endpoint file %s: %w", path, err)
	}
	return ep, nil
}
