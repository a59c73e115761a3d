package assembly

import (
	"log/slog"

	"github.com/hearth-app/hearth/backend/agentproc"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/turns"
)

// knowAgents lists every configured agent, so that clients offer it (as
// offline) before it connects.
func knowAgents(e *turns.Engine, agents []config.AgentConfig) {
	for _, a := range agents {
		e.KnowAgent(a.Name, a.Description)
	}
}

// startAgents starts the configured agents that are programs; nil when
// there are none.
func startAgents(cfg config.Config, log *slog.Logger) *agentproc.Runner {
	var run []agentproc.Agent
	for _, a := range cfg.Agents {
		if len(a.Command) > 0 {
			run = append(run, agentproc.Agent{Name: a.Name, Command: a.Command})
		}
	}
	if len(run) == 0 {
		return nil
	}
	return agentproc.Start(agentproc.Options{Socket: cfg.Socket, LogDir: cfg.AgentLogDir(), Logger: log.With("component", "agents")}, run)
}

// AgentPID is the process id of a configured agent Hearth runs, 0 while
// none runs (for tests and diagnostics).
func (b *Backend) AgentPID(name string) int {
	if b.agents == nil {
		return 0
	}
	return b.agents.PID(name)
}
