package assembly

import (
	"sync"

	"github.com/hearth-app/hearth/backend/dispatch"
	"github.com/hearth-app/hearth/backend/mcp"
	"github.com/hearth-app/hearth/backend/protocol"
)

// mcpAnnouncer broadcasts mcp_servers when the MCP servers change. A burst
// of changes (every server of a reloaded file starting at once) is one
// wake-up of its goroutine, which sends the statuses as they are then:
// clients get the latest state, not one frame per step.
type mcpAnnouncer struct {
	broadcast func([]byte)
	wake      chan struct{}
	quit      chan struct{}
	done      chan struct{}
	once      sync.Once
	started   bool
}

func newMCPAnnouncer(broadcast func([]byte)) *mcpAnnouncer {
	return &mcpAnnouncer{broadcast: broadcast, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// changed is the manager's OnChange: it never blocks.
func (a *mcpAnnouncer) changed() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// start runs the goroutine; changes before it are announced by its first
// round, so nothing is lost.
func (a *mcpAnnouncer) start(m *mcp.Manager) {
	a.started = true
	go func() {
		defer close(a.done)
		for {
			select {
			case <-a.quit:
				return
			case <-a.wake:
			}
			a.broadcast(protocol.Encode(dispatch.MCPServersEvent("", m)))
		}
	}()
}

func (a *mcpAnnouncer) stop() {
	a.once.Do(func() {
		close(a.quit)
		if a.started {
			<-a.done
		}
	})
}

// MCP is the manager of the MCP servers (nil once the backend is closed):
// what the turn engine calls tools through.
func (b *Backend) MCP() *mcp.Manager { return b.mcp }
