package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// defaultQueueBytes bounds what a connection may have waiting to be written. It
// is counted in bytes, not frames, so a late joiner's replay of a long turn
// (thousands of small deltas at once) fits, while a client that stops reading
// is dropped — it can resume with since — before it costs much memory or slows
// anyone else down.
const defaultQueueBytes = 16 << 20

// A client over the bound is dropped only once its writes have stalled this
// long, so one big frame (the stream_end of a long answer) never drops a client
// that is keeping up. One that creeps along but never catches up is dropped when
// its queue holds maxQueuedFrames.
const (
	stallGrace      = time.Second
	maxQueuedFrames = 100_000
)

// conn is the I/O shell of one WebSocket connection.
type conn struct {
	id       string
	ws       *websocket.Conn
	log      *slog.Logger
	maxBytes int

	mu     sync.Mutex
	queue  [][]byte
	queued int
	// progress is when the writer last got a frame out, or when the queue last
	// became non-empty.
	progress time.Time
	wake     chan struct{}
	closed   chan struct{}
	once     sync.Once
	reason   string
}

func newConn(id string, ws *websocket.Conn, log *slog.Logger, maxBytes int) *conn {
	if maxBytes <= 0 {
		maxBytes = defaultQueueBytes
	}
	return &conn{id: id, ws: ws, log: log, maxBytes: maxBytes, wake: make(chan struct{}, 1), closed: make(chan struct{})}
}

// Send queues a frame without ever blocking the caller (the engine holds a chat
// lock while publishing).
func (c *conn) Send(frame []byte) {
	c.mu.Lock()
	select {
	case <-c.closed:
		c.mu.Unlock()
		return
	default:
	}
	if c.queued == 0 {
		c.progress = time.Now()
	}
	if n := c.queued + len(frame); (n > c.maxBytes && time.Since(c.progress) > stallGrace) || len(c.queue) >= maxQueuedFrames {
		c.mu.Unlock()
		c.log.Warn("dropping a client that does not keep up", "conn", c.id, "queued_bytes", n)
		c.close(websocket.StatusTryAgainLater, "client too slow: reconnect and attach with since to resume")
		return
	}
	c.queue = append(c.queue, frame)
	c.queued += len(frame)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *conn) close(code websocket.StatusCode, reason string) {
	c.once.Do(func() {
		c.reason = reason
		close(c.closed)
		go func() { _ = c.ws.Close(code, reason) }()
	})
}

// take empties the queue.
func (c *conn) take() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue, c.queued = nil, 0
	return q
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
		case <-c.wake:
			for _, f := range c.take() {
				wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
				err := c.ws.Write(wctx, websocket.MessageText, f)
				cancel()
				if err != nil {
					c.close(websocket.StatusGoingAway, "write failed")
					return
				}
				c.mu.Lock()
				c.progress = time.Now()
				c.mu.Unlock()
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
