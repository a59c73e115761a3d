package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// ErrNotReady: the server named in a call is not running now (starting,
// failed, disabled, or not configured at all).
var ErrNotReady = errors.New("the MCP server is not ready")

// The turn engine's view of the servers: ReadyTools, Call, AutoApproved and
// ConfigPath.

// ReadyTools is every ready server's tools, by server then by name.
func (m *Manager) ReadyTools() []Tool {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.servers))
	for name, r := range m.servers {
		if r.status.State == StateReady && r.sess != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var out []Tool
	for _, name := range names {
		out = append(out, m.servers[name].status.Tools...)
	}
	return out
}

// Call runs tool on server with args (a JSON object) under the server's
// timeout; cancelling ctx cancels the call on the server. A server that is
// not ready gives an error wrapping ErrNotReady that names it.
func (m *Manager) Call(ctx context.Context, server, tool string, args json.RawMessage) (Result, error) {
	m.mu.Lock()
	r, ok := m.servers[server]
	var sess *Session
	state := ""
	if ok {
		sess, state = r.sess, r.status.State
	}
	m.mu.Unlock()
	switch {
	case !ok:
		return Result{}, fmt.Errorf("%w: no server named %q in %s", ErrNotReady, server, m.opts.ConfigPath)
	case sess == nil || state != StateReady:
		return Result{}, fmt.Errorf("%w: server %q is %s", ErrNotReady, server, state)
	}
	return sess.Call(ctx, tool, args)
}

// AutoApproved reports whether the server's autoApprove lists the tool.
func (m *Manager) AutoApproved(server, tool string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.servers[server]
	return ok && slices.Contains(r.srv.AutoApprove, tool)
}

// ConfigPath is the mcp.json this manager reads.
func (m *Manager) ConfigPath() string { return m.opts.ConfigPath }
