// Package dispatch runs routed commands: one handler per command, in a table
// keyed by the command's name. A handler returns the events that answer the
// caller; what a command causes for others (a chat's stream, broadcasts) goes
// out through the turn engine and the chat service. The server only reads,
// routes, runs and sends; handlers are tested without sockets.
package dispatch

import (
	"context"
	"log/slog"

	"github.com/hearth-app/hearth/backend/chats"
	"github.com/hearth-app/hearth/backend/ids"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/pulls"
	"github.com/hearth-app/hearth/backend/turns"
)

// Settings reads and saves the provider settings the UI's form edits.
type Settings interface {
	Get() protocol.Settings
	Set(ctx context.Context, cmd protocol.SetSettings) (protocol.Settings, error)
}

// Session is one connection as handlers see it.
type Session struct {
	// DefaultChat is where a frame that names no chat goes (nanobot's frames).
	DefaultChat string
	// ClientID names the connection (ready's client_id): who answered an
	// approval request.
	ClientID string
	// Sink is the connection: the engine sends replies that must keep their
	// place in a chat's stream (attached after a replay, message_accepted
	// before the turn's first event) straight to it.
	Sink turns.Sink
}

// Handler runs one command.
type Handler struct {
	// Async handlers may wait on the model server or a long query; they run
	// on their own goroutine, so a stalled provider never delays a cancel
	// sent after them.
	Async bool
	Run   func(ctx context.Context, s Session, cmd protocol.Command) ([]protocol.Event, error)
}

// Table maps each command name to its handler.
type Table map[string]Handler

// Deps is what the handlers use.
type Deps struct {
	Turns    *turns.Engine
	Chats    *chats.Service
	Settings Settings
	// MCP lists the MCP servers; nil lists none.
	MCP MCP
	// Pulls downloads models; nil refuses pull_model.
	Pulls  *pulls.Service
	Logger *slog.Logger
}

// Dispatcher holds the table and turns failures into refusals.
type Dispatcher struct {
	table Table
	log   *slog.Logger
}

// New builds the dispatcher over every command.
func New(d Deps) *Dispatcher {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	t := handlers(d)
	for name, h := range treeHandlers(d) {
		t[name] = h
	}
	for name, h := range presetHandlers(d) {
		t[name] = h
	}
	for name, h := range toolHandlers(d) {
		t[name] = h
	}
	for name, h := range agentHandlers(d) {
		t[name] = h
	}
	for name, h := range mcpHandlers(d) {
		t[name] = h
	}
	return &Dispatcher{table: t, log: d.Logger}
}

// Async reports whether cmd must run on its own goroutine.
func (d *Dispatcher) Async(cmd protocol.Command) bool { return d.table[cmd.Name()].Async }

// Run runs cmd's handler and returns every event for the caller, a refusal
// included.
func (d *Dispatcher) Run(ctx context.Context, s Session, cmd protocol.Command) []protocol.Event {
	h, ok := d.table[cmd.Name()]
	var out []protocol.Event
	var err error
	if !ok {
		err = protocol.Refuse(protocol.ReasonUnknownType, "command %s is not implemented", cmd.Name())
	} else {
		out, err = h.Run(ctx, s, cmd)
	}
	if err == nil {
		return out
	}
	r := Refusal(d.log, err, "command", cmd.Name(), "req_id", cmd.RequestID())
	return append(out, protocol.ErrChat(cmd.RequestID(), chatOf(cmd), r.Reason, r.Detail))
}

// Refusal is the one mapper from an error to what a client is told, over
// WebSocket and HTTP alike: a refusal as it is, an internal error logged
// under a fresh id and sent as "internal" with only that id.
func Refusal(log *slog.Logger, err error, attrs ...any) *protocol.Error {
	id := ids.Error()
	r, internal := protocol.Classify(err, id)
	if internal {
		log.Error("request failed", append([]any{"error_id", id, "err", err}, attrs...)...)
	}
	return r
}

// chatOf is the chat a refusal is about, so clients can show it there.
func chatOf(cmd protocol.Command) string {
	switch c := cmd.(type) {
	case protocol.Attach:
		return c.ChatID
	case protocol.Detach:
		return c.ChatID
	case protocol.SendMessage:
		return c.ChatID
	case protocol.Cancel:
		return c.ChatID
	case protocol.GetHistory:
		return c.ChatID
	case protocol.UpdateChat:
		return c.ChatID
	case protocol.DeleteChat:
		return c.ChatID
	}
	return ""
}
