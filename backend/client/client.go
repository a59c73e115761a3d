// Package client is a Go client of Hearth's protocol: it dials the unix socket
// (or TCP with a token), matches replies to requests by req_id, and reconnects
// and resumes attached chats with since, dropping anything it has already seen.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/hearth-app/hearth/backend/protocol"
)

// Options says where the server is.
type Options struct {
	// Socket is the unix socket path; used when set.
	Socket string
	// URL is a ws:// URL for TCP; Token goes with it.
	URL   string
	Token string
	// Reconnect makes Next redial and resume after a dropped connection.
	Reconnect bool
	Logger    *slog.Logger
}

// Event is one server frame, decoded, with its raw bytes for fields that need a
// typed second look (Items).
type Event struct {
	protocol.Event
	Raw []byte
}

// ServerError is an error event returned as a Go error.
type ServerError struct {
	Reason, Detail string
}

func (e *ServerError) Error() string { return e.Detail + " (" + e.Reason + ")" }

// Items decodes the items of a list reply into dst.
func (e Event) Items(dst any) error {
	var wrap struct {
		Items json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(e.Raw, &wrap); err != nil {
		return fmt.Errorf("decode %s: %w", e.Event.Event, err)
	}
	if len(wrap.Items) == 0 {
		return nil
	}
	return json.Unmarshal(wrap.Items, dst)
}

// Client is one logical connection; it may span several sockets when it
// reconnects.
type Client struct {
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	ws      *websocket.Conn
	ready   Event
	nextReq int
	pending []Event
	// lastSeq per chat: the resume point, and the dedup bar.
	lastSeq map[string]int64
	// followed holds the chats to re-attach after a reconnect.
	followed map[string]bool
}

// Dial connects and waits for ready.
func Dial(ctx context.Context, opts Options) (*Client, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{opts: opts, log: opts.Logger, lastSeq: map[string]int64{}, followed: map[string]bool{}}
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) connect(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var ws *websocket.Conn
	var err error
	if c.opts.Socket != "" {
		hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", c.opts.Socket)
		}}}
		ws, _, err = websocket.Dial(dctx, "ws://hearth/ws", &websocket.DialOptions{HTTPClient: hc})
	} else {
		h := http.Header{}
		if c.opts.Token != "" {
			h.Set("Authorization", "Bearer "+c.opts.Token)
		}
		ws, _, err = websocket.Dial(dctx, c.opts.URL, &websocket.DialOptions{HTTPHeader: h})
	}
	if err != nil {
		return fmt.Errorf("connect to Hearth: %w", err)
	}
	ws.SetReadLimit(64 << 20)
	ev, err := read(ctx, ws)
	if err != nil {
		_ = ws.CloseNow()
		return fmt.Errorf("read ready: %w", err)
	}
	if ev.Event.Event != "ready" {
		_ = ws.CloseNow()
		return fmt.Errorf("expected ready, got %s", ev.Event.Event)
	}
	c.mu.Lock()
	c.ws, c.ready = ws, ev
	c.mu.Unlock()
	return nil
}

// Ready is the greeting of the current connection.
func (c *Client) Ready() Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ready
}

func read(ctx context.Context, ws *websocket.Conn) (Event, error) {
	_, data, err := ws.Read(ctx)
	if err != nil {
		return Event{}, err
	}
	var ev Event
	if err := json.Unmarshal(data, &ev.Event); err != nil {
		return Event{}, fmt.Errorf("bad frame from server: %w", err)
	}
	ev.Raw = data
	return ev, nil
}

// Close ends the connection.
func (c *Client) Close() error {
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	if ws == nil {
		return nil
	}
	return ws.Close(websocket.StatusNormalClosure, "")
}

// Send writes one frame; it fills in a req_id when the frame has none and
// returns it.
func (c *Client) Send(ctx context.Context, frame map[string]any) (string, error) {
	c.mu.Lock()
	if _, ok := frame["req_id"]; !ok {
		c.nextReq++
		frame["req_id"] = "r" + strconv.Itoa(c.nextReq)
	}
	id, _ := frame["req_id"].(string)
	ws := c.ws
	if t, _ := frame["type"].(string); t == "attach" {
		if chat, _ := frame["chat_id"].(string); chat != "" {
			c.followed[chat] = true
			if s, ok := frame["since"].(int64); ok && s > c.lastSeq[chat] {
				c.lastSeq[chat] = s
			}
		}
	}
	c.mu.Unlock()
	b, err := json.Marshal(frame)
	if err != nil {
		return "", fmt.Errorf("encode frame: %w", err)
	}
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		// The connection died under us: with Reconnect, come back (re-attaching
		// every chat) and try once more; the frame never reached the server.
		if !c.opts.Reconnect || ctx.Err() != nil {
			return "", fmt.Errorf("send %v: %w", frame["type"], err)
		}
		if rerr := c.reconnect(ctx); rerr != nil {
			return "", fmt.Errorf("send %v: %w", frame["type"], errors.Join(err, rerr))
		}
		c.mu.Lock()
		ws = c.ws
		c.mu.Unlock()
		if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
			return "", fmt.Errorf("send %v after reconnecting: %w", frame["type"], err)
		}
	}
	return id, nil
}

// Request sends a frame and waits for the reply carrying its req_id; an error
// reply becomes a *ServerError. Other events that arrive meanwhile are kept for
// Next.
func (c *Client) Request(ctx context.Context, frame map[string]any) (Event, error) {
	id, err := c.Send(ctx, frame)
	if err != nil {
		return Event{}, err
	}
	var held []Event
	defer func() {
		c.mu.Lock()
		c.pending = append(held, c.pending...)
		c.mu.Unlock()
	}()
	for {
		ev, err := c.receive(ctx)
		if err != nil {
			return Event{}, err
		}
		if ev.ReqID == id {
			if ev.Event.Event == "error" {
				return ev, &ServerError{Reason: ev.Reason, Detail: ev.Detail}
			}
			return ev, nil
		}
		held = append(held, ev)
	}
}

// Next returns the next event, from what Request held back first. Chat events
// already seen (seq at or below the chat's resume point) are dropped, so a
// resume never doubles anything.
func (c *Client) Next(ctx context.Context) (Event, error) {
	c.mu.Lock()
	if len(c.pending) > 0 {
		ev := c.pending[0]
		c.pending = c.pending[1:]
		c.mu.Unlock()
		return ev, nil
	}
	c.mu.Unlock()
	return c.receive(ctx)
}

func (c *Client) receive(ctx context.Context) (Event, error) {
	for {
		c.mu.Lock()
		ws := c.ws
		c.mu.Unlock()
		ev, err := read(ctx, ws)
		if err != nil {
			if ctx.Err() != nil || !c.opts.Reconnect {
				return Event{}, err
			}
			if rerr := c.reconnect(ctx); rerr != nil {
				return Event{}, errors.Join(err, rerr)
			}
			continue
		}
		if ev.ChatID != "" && ev.Seq > 0 {
			c.mu.Lock()
			if ev.Seq <= c.lastSeq[ev.ChatID] {
				c.mu.Unlock()
				continue
			}
			c.lastSeq[ev.ChatID] = ev.Seq
			c.mu.Unlock()
		}
		if ev.Event.Event == "attached" && ev.LastSeq != nil {
			c.mu.Lock()
			c.followed[ev.ChatID] = true
			c.mu.Unlock()
		}
		return ev, nil
	}
}

// reconnect redials with jittered backoff and re-attaches every chat from its
// resume point.
func (c *Client) reconnect(ctx context.Context) error {
	delay := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if err := c.connect(ctx); err == nil {
			break
		} else if attempt >= 60 {
			return fmt.Errorf("gave up reconnecting: %w", err)
		}
		c.log.Debug("reconnect failed; retrying", "in", delay)
		jitter := time.Duration(rand.Int64N(int64(delay / 2)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay + jitter):
		}
		delay = min(delay*2, 5*time.Second)
	}
	c.mu.Lock()
	chats := make(map[string]int64, len(c.followed))
	for chat := range c.followed {
		chats[chat] = c.lastSeq[chat]
	}
	c.mu.Unlock()
	for chat, since := range chats {
		if _, err := c.Send(ctx, map[string]any{"type": "attach", "chat_id": chat, "since": since}); err != nil {
			return err
		}
	}
	return nil
}

// LastSeq is the highest seq seen in a chat.
func (c *Client) LastSeq(chatID string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastSeq[chatID]
}
