package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/hearth-app/hearth/backend/protocol"
)

// Agents (docs/agents.md): [[agents]] tables in config.toml, each either a
// program Hearth starts itself (command) or a nanobot gateway Hearth
// bridges to (nanobot_url).

func init() {
	for _, k := range []string{"agents", "agents.name", "agents.description", "agents.command", "agents.nanobot_url", "agents.token"} {
		knownKeys[k] = true
	}
}

// AgentConfig is one [[agents]] table: exactly one of Command and
// NanobotURL is set.
type AgentConfig struct {
	Name        string
	Description string
	// Command is the program and its arguments; Hearth starts it with
	// HEARTH_SOCKET set and restarts it when it exits.
	Command []string
	// NanobotURL is a nanobot gateway's WebSocket channel (ws:// or
	// wss://), Token its token (may be empty).
	NanobotURL string
	Token      string
}

// fileAgents is inlined into fileConfig.
type fileAgents struct {
	Agents []fileAgent `toml:"agents"`
}

type fileAgent struct {
	Name        *string  `toml:"name"`
	Description *string  `toml:"description"`
	Command     []string `toml:"command"`
	NanobotURL  *string  `toml:"nanobot_url"`
	Token       *string  `toml:"token"`
}

// agents copies the [[agents]] tables into c; validateAgents judges them.
func (r resolver) agents(fc fileConfig, dirs baseDirs, c *Config) {
	c.Agents = nil
	r.src.set("agents", Source{})
	if fc.Agents == nil {
		return
	}
	r.src.set("agents", r.fromFile())
	for _, fa := range fc.Agents {
		a := AgentConfig{Name: strings.TrimSpace(deref(fa.Name)), Description: strings.TrimSpace(deref(fa.Description)),
			NanobotURL: strings.TrimSpace(deref(fa.NanobotURL)), Token: strings.TrimSpace(deref(fa.Token))}
		if fa.Command != nil {
			a.Command = append([]string{}, fa.Command...)
			if len(a.Command) > 0 {
				// The program may be written as in a shell: ~/bin/agent.
				a.Command[0] = expandHome(strings.TrimSpace(a.Command[0]), dirs.home)
			}
		}
		c.Agents = append(c.Agents, a)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// AgentLogDir holds one log file per agent Hearth starts (its stdout and
// stderr), beside the MCP servers' logs.
func (c Config) AgentLogDir() string {
	if c.StateDir == "" {
		return filepath.Join(c.DataDir, "agents")
	}
	return filepath.Join(c.StateDir, "agents")
}

func validateAgents(c Config, add func(key string, err error)) {
	seen := map[string]bool{}
	for i, a := range c.Agents {
		which := fmt.Sprintf("[[agents]] #%d", i+1)
		if a.Name != "" {
			which += fmt.Sprintf(" (%q)", a.Name)
		}
		bad := func(format string, args ...any) {
			add("agents", fmt.Errorf("%s: %s", which, fmt.Sprintf(format, args...)))
		}
		switch {
		case a.Name == "":
			bad("name is required")
		case !protocol.ValidAgentName(a.Name):
			bad("name must be 1 to %d letters, digits, '.', '-' or '_', starting with a letter or digit", protocol.MaxAgentNameBytes)
		case seen[a.Name]:
			bad("another [[agents]] table has the same name")
		}
		seen[a.Name] = true
		if len(a.Description) > protocol.MaxAgentDescriptionBytes {
			bad("description is at most %d bytes", protocol.MaxAgentDescriptionBytes)
		}
		switch {
		case a.Command != nil && a.NanobotURL != "":
			bad("set either command (a program Hearth starts) or nanobot_url (a nanobot gateway), not both")
		case a.Command == nil && a.NanobotURL == "":
			bad(`set command = ["program", "arg", ...] (a program Hearth starts) or nanobot_url = "ws://host:port/" (a nanobot gateway)`)
		case a.Command != nil:
			if len(a.Command) == 0 || a.Command[0] == "" {
				bad("command needs at least the program to run")
			}
			if a.Token != "" {
				bad("token belongs to a nanobot_url agent; a command agent connects to Hearth's own socket")
			}
		default:
			if err := checkNanobotURL(a.NanobotURL); err != nil {
				bad("%v", err)
			}
			if err := checkToken(a.Token); err != nil {
				bad("%v", err)
			}
		}
	}
}

func checkNanobotURL(s string) error {
	u, err := url.Parse(s)
	shown := RedactURL(s)
	switch {
	case err != nil:
		return fmt.Errorf("nanobot_url %q is not a URL", shown)
	case u.Scheme != "ws" && u.Scheme != "wss":
		return fmt.Errorf("nanobot_url %q must start with ws:// or wss://", shown)
	case u.Host == "":
		return fmt.Errorf("nanobot_url %q has no host", shown)
	}
	return nil
}
