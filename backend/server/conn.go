package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// defaultQueueBytes bounds what a connection may hold unsent (queued or being
// written) before a reader that stopped reading is dropped.
const defaultQueueBytes = 16 << 20

const (
	// stallGrace: a client over the bound is dropped only once its writer has
	// got nothing out for this long, so one big frame (the stream_end of a long
	// answer) never drops a client that is reading.
	stallGrace = time.Second
	// hardQueueFactor × the bound is dropped however recently a frame got out:
	// a reader that creeps along slower than the chat streams would otherwise
	// hold an unbounded queue. Replays never get near it: they wait for room.
	hardQueueFactor = 4
	// defaultWriteTimeout ends a write the peer does not take at all (its
	// receive window stays full); no close frame can reach such a peer.
	defaultWriteTimeout = 30 * time.Second
)

// conn is the I/O shell of one WebSocket connection. Frames are queued by
// Send (which never blocks: the engine publishes under a chat lock) and
// written by writeLoop, the only goroutine that writes to the socket and so
// the only one that closes it: a close frame then always follows the last
// data frame instead of racing it.
type conn struct {
	id           string
	ws           *websocket.Conn
	log          *slog.Logger
	maxBytes     int
	writeTimeout time.Duration
	// nanobot, when set, rewrites tool events into nanobot's shape as they
	// are written (live and replayed alike: both come through Send).
	nanobot *nanobotShape

	mu    sync.Mutex
	queue [][]byte
	// held counts the bytes of every frame not yet written: queued ones and
	// the ones the writer has taken and is writing.
	held int
	// progress is when the writer last got a frame out, or when the
	// connection last went from holding nothing to holding something.
	progress time.Time
	// closing is set once: no frame is accepted after it. flush says whether
	// what is queued still goes out before the close frame.
	closing bool
	flush   bool
	code    websocket.StatusCode
	reason  string

	wake    chan struct{} // a frame was queued or closing was set
	written chan struct{} // the writer got a frame out (for WaitRoom)
	closed  chan struct{} // closed when closing is set
	done    chan struct{} // closed when writeLoop has returned
	pinged  chan struct{} // closed when pingLoop has returned
}

func newConn(id string, ws *websocket.Conn, log *slog.Logger, maxBytes int) *conn {
	if maxBytes <= 0 {
		maxBytes = defaultQueueBytes
	}
	return &conn{id: id, ws: ws, log: log, maxBytes: maxBytes, writeTimeout: defaultWriteTimeout,
		wake: make(chan struct{}, 1), written: make(chan struct{}, 1),
		closed: make(chan struct{}), done: make(chan struct{}), pinged: make(chan struct{})}
}

// dropDecision says whether a connection holding held bytes (and adding add)
// must be dropped. Pure: the rule is about a reader that does not read, never
// about how much a client asked for.
func dropDecision(held, add, maxBytes int, sinceProgress time.Duration) bool {
	n := held + add
	if n > maxBytes && sinceProgress > stallGrace {
		return true
	}
	return n > hardQueueFactor*maxBytes
}

// Send queues a frame without ever blocking the caller.
func (c *conn) Send(frame []byte) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	now := time.Now()
	if c.held == 0 {
		c.progress = now
	}
	if dropDecision(c.held, len(frame), c.maxBytes, now.Sub(c.progress)) {
		held := c.held
		c.closeLocked(websocket.StatusTryAgainLater, "client too slow: reconnect and attach with since to resume", false)
		c.mu.Unlock()
		c.log.Warn("dropping a client that does not read", "conn", c.id, "held_bytes", held)
		return
	}
	c.queue = append(c.queue, frame)
	c.held += len(frame)
	c.mu.Unlock()
	poke(c.wake)
}

// WaitRoom blocks until the connection holds at most below bytes, so a replay
// can feed a client page by page at the pace it reads, instead of queueing a
// whole chat at once. It fails when the connection closes or ctx ends.
func (c *conn) WaitRoom(ctx context.Context, below int) error {
	for {
		c.mu.Lock()
		held, closing := c.held, c.closing
		c.mu.Unlock()
		if closing {
			return errConnClosed
		}
		if held <= below {
			return nil
		}
		select {
		case <-c.written:
		case <-c.closed:
			return errConnClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

var errConnClosed = errors.New("connection closed")

// close stops accepting frames and has the writer send a close frame: after
// the queued frames when flush is set, else right after the frame it is
// writing. The first call wins.
func (c *conn) close(code websocket.StatusCode, reason string, flush bool) {
	c.mu.Lock()
	c.closeLocked(code, reason, flush)
	c.mu.Unlock()
}

func (c *conn) closeLocked(code websocket.StatusCode, reason string, flush bool) {
	if c.closing {
		return
	}
	c.closing, c.flush, c.code, c.reason = true, flush, code, reason
	if !flush {
		for _, f := range c.queue {
			c.held -= len(f)
		}
		c.queue = nil
	}
	close(c.closed)
	poke(c.wake)
}

// closeReason is why the connection was closed, for the log.
func (c *conn) closeReason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason
}

// take hands the queued frames to the writer; they stay counted in held until
// written. last reports that the connection is closing and nothing more will
// be queued.
func (c *conn) take() (frames [][]byte, last bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	frames, c.queue = c.queue, nil
	return frames, c.closing
}

func (c *conn) wrote(n int) {
	c.mu.Lock()
	c.held -= n
	c.progress = time.Now()
	c.mu.Unlock()
	poke(c.written)
}

// writeLoop drains the queue and ends the connection with the close frame
// close asked for.
func (c *conn) writeLoop() {
	defer close(c.done)
	for range c.wake {
		frames, last := c.take()
		for _, f := range frames {
			if c.dropped() {
				break
			}
			if err := c.write(f); err != nil {
				c.log.Debug("write failed", "conn", c.id, "err", err)
				c.close(websocket.StatusGoingAway, "write failed", false)
				_ = c.ws.CloseNow()
				return
			}
		}
		if last {
			c.mu.Lock()
			code, reason := c.code, c.reason
			c.mu.Unlock()
			_ = c.ws.Close(code, reason)
			return
		}
	}
}

// pingLoop keeps the connection alive and finds peers that are gone. It runs
// apart from the writer, so waiting for a pong never stops frames going out.
// A pong is read only when this connection's reader is free, and the reader
// may be busy for a while feeding a long replay at the client's pace: a ping
// left unanswered while the client kept taking frames is not a dead peer.
func (c *conn) pingLoop(every time.Duration) {
	defer close(c.pinged)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-c.closed:
			return
		case <-tick.C:
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), every)
		go func() {
			// A closing connection does not wait out the ping.
			select {
			case <-c.closed:
				cancel()
			case <-ctx.Done():
			}
		}()
		err := c.ws.Ping(ctx)
		cancel()
		if err == nil || c.tookFramesSince(start) {
			continue
		}
		c.log.Debug("ping failed", "conn", c.id, "err", err)
		c.close(websocket.StatusGoingAway, "ping timeout", false)
		return
	}
}

// tookFramesSince reports whether the writer got a frame out after t.
func (c *conn) tookFramesSince(t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.progress.After(t)
}

func (c *conn) write(f []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.writeTimeout)
	defer cancel()
	out := f
	if c.nanobot != nil {
		out = c.nanobot.translate(f)
	}
	err := c.ws.Write(ctx, websocket.MessageText, out)
	// held counted f as queued; what went out in its place is not counted.
	c.wrote(len(f))
	return err
}

// dropped reports a close that discards what is queued.
func (c *conn) dropped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing && !c.flush
}

// abort closes the socket at once, for a peer that did not take its close
// frame in time.
func (c *conn) abort() {
	c.close(websocket.StatusGoingAway, "server shutting down", false)
	_ = c.ws.CloseNow()
}

func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
