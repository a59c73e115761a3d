package mcp

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"
)

// fileStamp is what the watcher compares: a save that changes the file
// changes its mtime or its size.
type fileStamp struct {
	exists  bool
	mod     int64 // UnixNano
	size    int64
	errText string
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fileStamp{}
	case err != nil:
		return fileStamp{errText: err.Error()}
	}
	return fileStamp{exists: true, mod: fi.ModTime().UnixNano(), size: fi.Size()}
}

// Load reads ConfigPath and applies it. A missing file is no servers; it is
// a problem (logged, and in ConfigError) only when the path was named
// explicitly. A file that cannot be read or parsed at all leaves the
// running servers as they are: a half-typed edit must not stop them.
func (m *Manager) Load() Plan {
	path := m.opts.ConfigPath
	if path == "" {
		return Plan{}
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !m.opts.ConfigExplicit:
		m.setConfigError("")
		return m.Apply(nil)
	case errors.Is(err, fs.ErrNotExist):
		m.setConfigError(fmt.Sprintf("the MCP config file %s does not exist", path))
		return m.Apply(nil)
	case err != nil:
		m.setConfigError(fmt.Sprintf("the MCP config file %s cannot be read: %v", path, err))
		return Plan{}
	}
	servers, errs := Parse(data)
	if len(errs) > 0 && servers == nil && !isEntryErrors(errs) {
		m.setConfigError(fmt.Sprintf("%s: %v (the servers already running are kept)", path, errors.Join(errs...)))
		return Plan{}
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	if len(msgs) > 0 {
		m.setConfigError(path + ": " + strings.Join(msgs, "; "))
	} else {
		m.setConfigError("")
	}
	return m.Apply(servers)
}

// isEntryErrors tells broken entries (each named by Parse) from a file that
// is broken as a whole.
func isEntryErrors(errs []error) bool {
	for _, e := range errs {
		if !strings.HasPrefix(e.Error(), "server ") {
			return false
		}
	}
	return true
}

// ConfigError is what is wrong with the config file now, or "".
func (m *Manager) ConfigError() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.configErr
}

func (m *Manager) setConfigError(msg string) {
	m.mu.Lock()
	changed := m.configErr != msg
	m.configErr = msg
	m.mu.Unlock()
	if !changed {
		return
	}
	if msg != "" {
		m.log.Warn("MCP config: " + msg)
	}
	if m.opts.OnChange != nil {
		m.opts.OnChange()
	}
}

// Watch loads the config file now and again whenever its modification
// time or size changes, checking every interval (2 s when 0), until Close.
// It returns at once: servers start in the background.
func (m *Manager) Watch(interval time.Duration) {
	if interval <= 0 {
		interval = 2 * time.Second
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ctx.Err() != nil {
		return
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		last := stampOf(m.opts.ConfigPath)
		m.Load()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-m.ctx.Done():
				return
			case <-t.C:
			}
			if now := stampOf(m.opts.ConfigPath); now != last {
				last = now
				m.log.Info("MCP config changed; reloading", "file", m.opts.ConfigPath)
				m.Load()
			}
		}
	}()
}
