package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/coder/websocket"

	"github.com/hearth-app/hearth/backend/agent"
	"github.com/hearth-app/hearth/backend/protocol"
)

// serveWS upgrades and runs one connection. Authentication happened before.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request, viaProtocol string) {
	if !s.enter() {
		http.Error(w, "the server is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.handlers.Done()
	protos := []string{"hearth.v1"}
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
		clientID = newID("k")
	}
	defaultChat := r.URL.Query().Get("chat_id")
	if !protocol.ValidChatID(defaultChat) {
		defaultChat = newID("c")
	}
	// The request context ends when the handler returns; the connection lives on
	// the server's own context instead.
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	c := newConn(clientID, ws, s.log, s.opts.QueueBytes)
	if s.opts.WriteTimeout > 0 {
		c.writeTimeout = s.opts.WriteTimeout
	}
	via := listenerName(r)
	c.Send(protocol.Encode(protocol.Ready(clientID, defaultChat, s.opts.Version)))
	s.addConn(c)
	s.log.Info("ws connected", "client", clientID, "via", via)
	go c.writeLoop()
	go c.pingLoop(s.opts.PingEvery)
	s.readLoop(ctx, c, defaultChat)
	s.opts.Engine.DetachAll(c)
	// The writer ends after the close frame, the pinger once the connection
	// is closing; waiting for both keeps every goroutine of this connection
	// inside the handler count.
	c.close(websocket.StatusNormalClosure, "", false)
	<-c.done
	<-c.pinged
	s.removeConn(c)
	s.log.Info("ws disconnected", "client", clientID, "reason", c.closeReason())
}

func (s *Server) readLoop(ctx context.Context, c *conn, defaultChat string) {
	st := protocol.ConnState{Attached: map[string]bool{}}
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
		s.apply(ctx, c, &st, defaultChat, d.Cmd)
	}
}

// apply runs one routed command. Commands that may wait on the model server run
// on their own goroutine, so a stalled provider never delays a cancel.
func (s *Server) apply(ctx context.Context, c *conn, st *protocol.ConnState, defaultChat string, cmd protocol.Command) {
	eng := s.opts.Engine
	reqID := cmd.RequestID()
	var err error
	var chatID string
	switch cmd := cmd.(type) {
	case protocol.Ping:
		c.Send(protocol.Encode(protocol.Pong(reqID)))
	case protocol.NewChat:
		if chatID, err = eng.NewChat(ctx, cmd, c); err == nil {
			st.Attached[chatID] = true
		}
	case protocol.Attach:
		chatID = cmd.ChatID
		if err = eng.Attach(ctx, cmd.ChatID, cmd.Since, c, reqID); err == nil {
			st.Attached[cmd.ChatID] = true
		}
	case protocol.Detach:
		chatID = cmd.ChatID
		eng.Detach(cmd.ChatID, c)
		delete(st.Attached, cmd.ChatID)
		c.Send(protocol.Encode(protocol.Detached(reqID, cmd.ChatID)))
	case protocol.SendMessage:
		if cmd.ToDefault {
			cmd.ChatID = defaultChat
			if err = eng.EnsureChat(ctx, defaultChat); err != nil {
				break
			}
		}
		chatID = cmd.ChatID
		if err = eng.Send(ctx, cmd, c); err == nil {
			st.Attached[cmd.ChatID] = true
		}
	case protocol.Cancel:
		chatID = cmd.ChatID
		err = eng.Cancel(ctx, cmd.ChatID, cmd.TurnID)
	case protocol.ListChats:
		items, more, next, lerr := eng.ListChats(ctx, cmd.Limit, cmd.Before)
		if err = lerr; err == nil {
			c.Send(protocol.Encode(protocol.Chats(reqID, items, more, next)))
		}
	case protocol.GetHistory:
		chatID = cmd.ChatID
		items, more, last, herr := eng.History(ctx, cmd.ChatID, cmd.BeforeSeq, cmd.Limit)
		if err = herr; err == nil {
			c.Send(protocol.Encode(protocol.History(reqID, cmd.ChatID, items, more, last)))
		}
	case protocol.UpdateChat:
		chatID = cmd.ChatID
		_, err = eng.UpdateChat(ctx, cmd)
	case protocol.DeleteChat:
		chatID = cmd.ChatID
		err = eng.DeleteChat(ctx, cmd.ChatID, reqID)
		delete(st.Attached, cmd.ChatID)
	case protocol.Search:
		s.goAsync(func() {
			items, err := eng.Search(ctx, cmd.Query, cmd.Limit)
			if err != nil {
				s.sendErr(c, reqID, "", err)
				return
			}
			c.Send(protocol.Encode(protocol.SearchResults(reqID, cmd.Query, items)))
		})
	case protocol.ListModels:
		s.goAsync(func() {
			items, prov, url, err := eng.Models(ctx)
			if err != nil {
				s.sendErr(c, reqID, "", err)
				return
			}
			c.Send(protocol.Encode(protocol.Models(reqID, items, prov, url)))
		})
	case protocol.GetSettings:
		c.Send(protocol.Encode(protocol.SettingsEvent(reqID, s.opts.Settings.Get())))
	case protocol.SetSettings:
		var set protocol.Settings
		if set, err = s.opts.Settings.Set(ctx, cmd); err == nil {
			c.Send(protocol.Encode(protocol.SettingsEvent(reqID, set)))
		}
	default:
		err = errors.New("command not implemented")
	}
	if err != nil {
		s.sendErr(c, reqID, chatID, err)
	}
}

func (s *Server) sendErr(c *conn, reqID, chatID string, err error) {
	var ae *agent.Error
	if errors.As(err, &ae) {
		c.Send(protocol.Encode(protocol.ErrChat(reqID, chatID, ae.Reason, ae.Detail)))
		return
	}
	if errors.Is(err, context.Canceled) {
		c.Send(protocol.Encode(protocol.ErrChat(reqID, chatID, protocol.ReasonShuttingDown, "the server is shutting down")))
		return
	}
	s.log.Error("request failed", "req_id", reqID, "chat", chatID, "err", err)
	c.Send(protocol.Encode(protocol.ErrChat(reqID, chatID, protocol.ReasonInternal, err.Error())))
}

func listenerName(r *http.Request) string {
	if r.Context().Value(unixKey{}) != nil {
		return "unix"
	}
	return "tcp"
}

type unixKey struct{}
