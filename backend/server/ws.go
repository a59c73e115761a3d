package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/coder/websocket"

	"github.com/hearth-app/hearth/backend/dispatch"
	"github.com/hearth-app/hearth/backend/ids"
	"github.com/hearth-app/hearth/backend/protocol"
)

// serveWS upgrades and runs one connection. Authentication happened before.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request, viaProtocol string) {
	if !s.enter() {
		http.Error(w, "the server is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.handlers.Done()
	shape, err := queryShape(r)
	if err != nil {
		s.httpRefusal(w, err)
		return
	}
	// hearth.v1 comes first: a client that offers both speaks Hearth's shape.
	protos := []string{"hearth.v1", subprotocolNanobot}
	if viaProtocol != "" {
		protos = append(protos, viaProtocol)
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: protos,
		// Origin was checked by originAllowed, which knows the desktop origins.
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		s.log.Debug("websocket accept failed", "err", err)
		return
	}
	ws.SetReadLimit(s.opts.ReadLimit)
	clientID := r.URL.Query().Get("client_id")
	if clientID == "" || len(clientID) > 128 {
		clientID = ids.Client()
	}
	defaultChat := r.URL.Query().Get("chat_id")
	if !ids.ValidChat(defaultChat) {
		defaultChat = ids.Chat()
	}
	// The request context ends when the handler returns; the connection lives on
	// the server's own context instead.
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	c := newConn(clientID, ws, s.log, s.opts.QueueBytes)
	if useNanobot(shape, ws.Subprotocol()) {
		c.nanobot = newNanobotShape()
	}
	if s.opts.WriteTimeout > 0 {
		c.writeTimeout = s.opts.WriteTimeout
	}
	via := listenerName(r)
	c.Send(protocol.Encode(protocol.Ready(clientID, defaultChat, s.opts.Version, protocol.Limits(s.limits()))))
	s.addConn(c)
	s.log.Info("ws connected", "client", clientID, "via", via, "nanobot_shape", c.nanobot != nil)
	go c.writeLoop()
	go c.pingLoop(s.opts.PingEvery)
	s.readLoop(ctx, c, defaultChat)
	s.opts.Turns.DetachAll(c)
	// The writer ends after the close frame, the pinger once the connection
	// is closing; waiting for both keeps every goroutine of this connection
	// inside the handler count.
	c.close(websocket.StatusNormalClosure, "", false)
	<-c.done
	<-c.pinged
	s.removeConn(c)
	s.log.Info("ws disconnected", "client", clientID, "reason", c.closeReason())
}

// readLoop reads, routes, runs and sends: what a command does and answers is
// its handler's (package dispatch).
func (s *Server) readLoop(ctx context.Context, c *conn, defaultChat string) {
	st := protocol.ConnState{Attached: func(chatID string) bool { return s.opts.Turns.Subscribed(chatID, c) }}
	sess := dispatch.Session{DefaultChat: defaultChat, Sink: c, ClientID: c.id}
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				c.close(ce.Code, "peer closed", false)
			} else {
				c.close(websocket.StatusGoingAway, err.Error(), false)
			}
			return
		}
		d := protocol.Route(data, typ == websocket.MessageBinary, st)
		if d.Err != nil {
			c.Send(protocol.Encode(*d.Err))
			continue
		}
		run := func() {
			for _, ev := range s.opts.Dispatch.Run(ctx, sess, d.Cmd) {
				c.Send(protocol.Encode(ev))
			}
		}
		if s.opts.Dispatch.Async(d.Cmd) {
			s.goAsync(run)
		} else {
			run()
		}
	}
}

func listenerName(r *http.Request) string {
	if r.Context().Value(unixKey{}) != nil {
		return "unix"
	}
	return "tcp"
}

type unixKey struct{}
