// Package mcp connects Hearth to the MCP servers named in the user's
// mcp.json (the mcpServers file Claude Desktop, Cursor, LM Studio and Jan
// read): it parses that file, starts and watches the servers, and lists
// their tools. docs/tools.md describes the file.
package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Transports a server can use.
const (
	TransportStdio      = "stdio"
	TransportStreamable = "http"
	TransportSSE        = "sse"
)

// DefaultCallTimeout bounds one tool call unless a server sets "timeout".
const DefaultCallTimeout = 60 * time.Second

// Server is one entry of mcpServers, checked.
type Server struct {
	Name      string
	Transport string // stdio, http or sse
	// stdio
	Command string
	Args    []string
	Env     map[string]string
	Cwd     string
	// http and sse
	URL     string
	Headers map[string]string

	Disabled    bool
	AutoApprove []string
	// Timeout bounds each call to this server's tools.
	Timeout time.Duration
}

// rawServer is an entry as people write it. Fields other clients add
// (alwaysAllow, description, …) are ignored, so a pasted file works.
type rawServer struct {
	Type        string            `json:"type"`
	Command     string            `json:"command"`
	Args        []string          `json:"args"`
	Env         map[string]string `json:"env"`
	Cwd         string            `json:"cwd"`
	URL         string            `json:"url"`
	ServerURL   string            `json:"serverUrl"` // Windsurf's name for url
	Headers     map[string]string `json:"headers"`
	Disabled    bool              `json:"disabled"`
	AutoApprove []string          `json:"autoApprove"`
	// Timeout in seconds; some clients write milliseconds (> 1000 is
	// read as such).
	Timeout float64 `json:"timeout"`
}

// Parse reads an mcp.json. Every server is checked; the servers that are
// fine are returned in name order with, for each that is not, an error
// naming it (one broken entry never hides the others). A file that is not
// JSON, or has no mcpServers object, is one error and no server.
func Parse(data []byte) ([]Server, []error) {
	var file struct {
		MCPServers map[string]json.RawMessage `json:"mcpServers"`
		// VS Code's mcp.json calls it servers.
		Servers map[string]json.RawMessage `json:"servers"`
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	if err := json.Unmarshal(data, &file); err != nil {
		if json.Valid(data) {
			return nil, []error{errors.New(`mcp.json is not an object with "mcpServers"`)}
		}
		return nil, []error{fmt.Errorf("mcp.json is not valid JSON: %w", err)}
	}
	entries := file.MCPServers
	if entries == nil {
		entries = file.Servers
	}
	if entries == nil {
		return nil, []error{errors.New(`mcp.json has no "mcpServers" object`)}
	}
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []Server
	var errs []error
	for _, n := range names {
		s, err := parseServer(n, entries[n])
		if err != nil {
			errs = append(errs, fmt.Errorf("server %q: %w", n, err))
			continue
		}
		out = append(out, s)
	}
	return out, errs
}

func parseServer(name string, raw json.RawMessage) (Server, error) {
	if strings.TrimSpace(name) == "" {
		return Server{}, errors.New("the name is empty")
	}
	var r rawServer
	if err := json.Unmarshal(raw, &r); err != nil {
		return Server{}, fmt.Errorf("not an object of the mcpServers format: %w", err)
	}
	s := Server{Name: name, Command: strings.TrimSpace(r.Command), Args: r.Args, Env: r.Env, Cwd: r.Cwd,
		URL: strings.TrimSpace(r.URL), Headers: r.Headers, Disabled: r.Disabled, AutoApprove: r.AutoApprove,
		Timeout: DefaultCallTimeout}
	if s.URL == "" {
		s.URL = strings.TrimSpace(r.ServerURL)
	}
	switch {
	case r.Timeout < 0:
		return Server{}, errors.New(`"timeout" must be a number of seconds above 0`)
	case r.Timeout > 1000:
		s.Timeout = time.Duration(r.Timeout * float64(time.Millisecond))
	case r.Timeout > 0:
		s.Timeout = time.Duration(r.Timeout * float64(time.Second))
	}
	typ := strings.ToLower(strings.TrimSpace(r.Type))
	switch {
	case s.Command != "" && s.URL != "":
		return Server{}, errors.New(`give "command" (a program) or "url" (a server), not both`)
	case s.Command != "":
		if typ != "" && typ != "stdio" {
			return Server{}, fmt.Errorf(`"type" %q does not go with "command"`, r.Type)
		}
		s.Transport = TransportStdio
	case s.URL != "":
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Server{}, fmt.Errorf(`"url" %q is not an http(s) URL`, s.URL)
		}
		switch typ {
		case "", "http", "streamable-http", "streamablehttp", "streamable_http":
			s.Transport = TransportStreamable
		case "sse":
			s.Transport = TransportSSE
		default:
			return Server{}, fmt.Errorf(`"type" %q is not one of "http" or "sse"`, r.Type)
		}
	default:
		return Server{}, errors.New(`give "command" (a program to run) or "url" (a server to reach)`)
	}
	return s, nil
}

// Trusted reports whether the user listed the tool in autoApprove.
func (s Server) Trusted(tool string) bool { return slices.Contains(s.AutoApprove, tool) }
