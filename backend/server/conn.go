package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// sendQueue bounds what a connection may have waiting to be written. A client
// that falls this far behind is dropped (it can resume with since) instead of
// slowing everybody else down or growing memory without bound.
const sendQueue = 4096

// conn is the I/O shell of one WebSocket connection.
type conn struct {
	id     string
	ws     *websocket.Conn
	out    chan []byte
	closed chan struct{}
	once   sync.Once
	log    *slog.Logger
	reason string
}

func newConn(id string, ws *websocket.Conn, log *slog.Logger) *conn {
	return &conn{id: id, ws: ws, out: make(chan []byte, sendQueue), closed: make(chan struct{}), log: log}
}

// Send queues a frame without ever blocking the caller (the engine holds a chat
// lock while publishing).
func (c *conn) Send(frame []byte) {
	select {
	case <-c.closed:
	case c.out <- frame:
	default:
		c.close(websocket.StatusTryAgainLater, "client too slow: reconnect and attach with since to resume")
	}
}

func (c *conn) close(code websocket.StatusCode, reason string) {
	c.once.Do(func() {
		c.reason = reason
		close(c.closed)
		go func() { _ = c.ws.Close(code, reason) }()
	})
}

// writeLoop drains the queue and keeps the connection alive with pings.
func (c *conn) writeLoop(ctx context.Context, pingEvery time.Duration) {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-c.closed:
			return
		case <-ctx.Done():
			c.close(websocket.StatusGoingAway, "server shutting down")
			return
		case f := <-c.out:
			wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			err := c.ws.Write(wctx, websocket.MessageText, f)
			cancel()
			if err != nil {
				c.close(websocket.StatusGoingAway, "write failed")
				return
			}
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, pingEvery)
			err := c.ws.Ping(pctx)
			cancel()
			if err != nil && !errors.Is(err, context.Canceled) {
				c.log.Debug("ping failed", "conn", c.id, "err", err)
				c.close(websocket.StatusGoingAway, "ping timeout")
				return
			}
		}
	}
}
