package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// frame is a server frame, decoded as far as the checks need. The suite keeps
// its own view of the protocol (docs/protocol.md) instead of the product's
// types, so it checks the wire, not the code.
type frame struct {
	Event   string          `json:"event"`
	ChatID  string          `json:"chat_id"`
	Seq     int64           `json:"seq"`
	ReqID   string          `json:"req_id"`
	TurnID  string          `json:"turn_id"`
	Text    *string         `json:"text"`
	Status  string          `json:"status"`
	Queued  *bool           `json:"queued"`
	LastSeq *int64          `json:"last_seq"`
	Reason  string          `json:"reason"`
	Detail  string          `json:"detail"`
	Message *message        `json:"message"`
	Items   json.RawMessage `json:"items"`
	HasMore bool            `json:"has_more"`
}

type message struct {
	ID      int64  `json:"id"`
	ChatID  string `json:"chat_id"`
	Seq     int64  `json:"seq"`
	EndSeq  int64  `json:"end_seq"`
	TurnID  string `json:"turn_id"`
	Role    string `json:"role"`
	Content string `json:"content"`
	Status  string `json:"status"`
	// Queued: a question still waiting behind the running turn; history
	// gives these last, whatever their seq.
	Queued bool `json:"queued"`
}

type chatItem struct {
	ID      string `json:"id"`
	Running bool   `json:"running"`
	LastSeq int64  `json:"last_seq"`
}

// wsConn is a raw protocol connection over the unix socket: no dedup, no
// reconnect, so the checks see exactly what the server sends.
type wsConn struct {
	ws      *websocket.Conn
	onFrame func(c *wsConn, f frame, raw []byte)

	// stallAfterAttached makes the reader stop reading once it has seen
	// `attached`, until resume is closed: a client that stops reading.
	stallAfterAttached bool
	resume             chan struct{}

	mu      sync.Mutex
	waiters map[string]chan frame

	// lastSeq per chat on this connection; touched by the reader only.
	lastSeq map[string]int64
	// violations of per-connection ordering, reported by the reader.
	onDisorder func(c *wsConn, chat string, prev, seq int64, ev string)

	done  chan struct{}
	err   error     // why reading ended; set before done is closed
	ended time.Time // when; set before done is closed
	// lastFrame is when the reader last got a frame (unix ns).
	lastFrame atomic.Int64
}

// idleBeforeEnd says how long the connection had gone without a frame when
// it ended: a server that drops a client that reads shows a short one.
func (c *wsConn) idleBeforeEnd() time.Duration {
	return c.ended.Sub(time.Unix(0, c.lastFrame.Load()))
}

func dialUnix(ctx context.Context, sock string) (*websocket.Conn, error) {
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	ws, _, err := websocket.Dial(ctx, "ws://hearth/ws", &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(256 << 20)
	return ws, nil
}

// connect dials and starts the reader; it returns once `ready` has arrived.
func connect(ctx context.Context, sock string, setup func(*wsConn)) (*wsConn, error) {
	ws, err := dialUnix(ctx, sock)
	if err != nil {
		return nil, err
	}
	c := &wsConn{ws: ws, waiters: map[string]chan frame{}, lastSeq: map[string]int64{}, done: make(chan struct{}), resume: make(chan struct{})}
	if setup != nil {
		setup(c)
	}
	ready := make(chan struct{})
	go c.read(ready)
	select {
	case <-ready:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("connection ended before ready: %w", c.err)
	case <-ctx.Done():
		_ = ws.CloseNow()
		return nil, fmt.Errorf("no ready: %w", ctx.Err())
	}
}

func (c *wsConn) read(ready chan struct{}) {
	defer close(c.done)
	first := true
	c.lastFrame.Store(time.Now().UnixNano())
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.err, c.ended = err, time.Now()
			return
		}
		c.lastFrame.Store(time.Now().UnixNano())
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			c.err = fmt.Errorf("bad frame %q: %w", clip(string(data), 200), err)
			_ = c.ws.CloseNow()
			return
		}
		if first {
			first = false
			if f.Event != "ready" {
				c.err = fmt.Errorf("first frame %s, want ready", f.Event)
				_ = c.ws.CloseNow()
				return
			}
			close(ready)
			continue
		}
		if f.ChatID != "" && f.Seq > 0 {
			if prev := c.lastSeq[f.ChatID]; f.Seq <= prev && c.onDisorder != nil {
				c.onDisorder(c, f.ChatID, prev, f.Seq, f.Event)
			}
			if f.Seq > c.lastSeq[f.ChatID] {
				c.lastSeq[f.ChatID] = f.Seq
			}
		}
		if c.onFrame != nil {
			c.onFrame(c, f, data)
		}
		if f.ReqID != "" {
			c.mu.Lock()
			w := c.waiters[f.ReqID]
			delete(c.waiters, f.ReqID)
			c.mu.Unlock()
			if w != nil {
				w <- f
			}
		}
		if c.stallAfterAttached && f.Event == "attached" {
			<-c.resume
		}
		// One frame per turn: with a thousand connections whose sockets all
		// hold data, a reader that keeps the CPU until preempted would make
		// the others wait for seconds on a busy machine, long enough for the
		// WebSocket library's 5 s pong write to time out. A test client must
		// not be the slow reader it is testing for.
		runtime.Gosched()
	}
}

// reqIDs are unique across connections, so a reply names its request alone.
var reqIDs atomic.Int64

func newReqID() string { return "k" + strconv.FormatInt(reqIDs.Add(1), 10) }

// send writes a frame with a fresh req_id (or the one it carries) and returns
// a channel that gets the reply carrying it.
func (c *wsConn) send(ctx context.Context, fr map[string]any) (string, <-chan frame, error) {
	id, _ := fr["req_id"].(string)
	if id == "" {
		id = newReqID()
	}
	c.mu.Lock()
	ch := make(chan frame, 1)
	c.waiters[id] = ch
	c.mu.Unlock()
	fr["req_id"] = id
	b, err := json.Marshal(fr)
	if err != nil {
		return "", nil, err
	}
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return "", nil, fmt.Errorf("write %v: %w", fr["type"], err)
	}
	return id, ch, nil
}

// request sends a frame and waits for its reply (an error reply is an error).
func (c *wsConn) request(ctx context.Context, fr map[string]any) (frame, error) {
	_, ch, err := c.send(ctx, fr)
	if err != nil {
		return frame{}, err
	}
	select {
	case f := <-ch:
		if f.Event == "error" {
			return f, fmt.Errorf("%v: %s (%s)", fr["type"], f.Detail, f.Reason)
		}
		return f, nil
	case <-c.done:
		return frame{}, fmt.Errorf("%v: connection ended: %w", fr["type"], c.err)
	case <-ctx.Done():
		return frame{}, fmt.Errorf("%v: no reply: %w", fr["type"], ctx.Err())
	}
}

func (c *wsConn) closeNow() { _ = c.ws.CloseNow() }

// closeCode is the close status the connection ended with, -1 if it ended
// without a close frame (1006).
func (c *wsConn) closeCode() websocket.StatusCode {
	return websocket.CloseStatus(c.err)
}

// apiStatus asks GET /api/status on the unix socket how many clients the
// server holds.
func apiStatus(ctx context.Context, sock string) (int, error) {
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}, Timeout: 30 * time.Second}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://hearth/api/status", nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var st struct {
		Clients int `json:"clients"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, errors.New(resp.Status)
	}
	return st.Clients, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// jsonItems decodes the items of a list reply into dst.
func jsonItems(f frame, dst any) error {
	if len(f.Items) == 0 || string(f.Items) == "null" {
		return nil
	}
	if err := json.Unmarshal(f.Items, dst); err != nil {
		return fmt.Errorf("decode %s items: %w", f.Event, err)
	}
	return nil
}
