// Package client is a Go client of Hearth's protocol: it dials the unix socket
// (or TCP with a token), sends the router's own command types
// (protocol.NewChat, protocol.SendMessage, …) as frames, matches replies to
// requests by req_id, and reconnects and resumes attached chats with since,
// dropping anything it has already seen.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
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

// ErrClosed is why a closed client stops reconnecting.
var ErrClosed = errors.New("client closed")

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
	// closed is set by Close: a connection ended on purpose is not redialled.
	closed bool
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
		ws, _, err = websocket.Dial(dctx, "ws://hearth/ws", &websocket.DialOptions{HTTPClient: UnixHTTP(c.opts.Socket)})
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
	if ev.Event.Event != protocol.EvReady {
		_ = ws.CloseNow()
		return fmt.Errorf("expected ready, got %s", ev.Event.Event)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		_ = ws.CloseNow()
		return ErrClosed
	}
	c.ws, c.ready = ws, ev
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
	c.closed = true
	c.mu.Unlock()
	if ws == nil {
		return nil
	}
	return ws.Close(websocket.StatusNormalClosure, "")
}

// Send writes one command; it fills in a req_id when the command has none and
// returns it.
func (c *Client) Send(ctx context.Context, cmd protocol.Command) (string, error) {
	f, err := frameOf(cmd)
	if err != nil {
		return "", err
	}
	typ := *f.Type
	c.mu.Lock()
	id := cmd.RequestID()
	if id == "" {
		c.nextReq++
		id = "r" + strconv.Itoa(c.nextReq)
	}
	ws := c.ws
	if a, ok := cmd.(protocol.Attach); ok {
		c.followed[a.ChatID] = true
		if a.Since != nil && *a.Since > c.lastSeq[a.ChatID] {
			c.lastSeq[a.ChatID] = *a.Since
		}
	}
	c.mu.Unlock()
	if f.ReqID, err = json.Marshal(id); err != nil {
		return "", fmt.Errorf("encode req_id: %w", err)
	}
	b, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", typ, err)
	}
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		// The connection died under us: with Reconnect, come back (re-attaching
		// every chat) and try once more; the frame never reached the server.
		if !c.mayReconnect(ctx) {
			return "", fmt.Errorf("send %s: %w", typ, err)
		}
		if rerr := c.reconnect(ctx); rerr != nil {
			return "", fmt.Errorf("send %s: %w", typ, errors.Join(err, rerr))
		}
		c.mu.Lock()
		ws = c.ws
		c.mu.Unlock()
		if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
			return "", fmt.Errorf("send %s after reconnecting: %w", typ, err)
		}
	}
	return id, nil
}

// Request sends a command and waits for the reply carrying its req_id; an
// error reply becomes a *protocol.Error with the server's reason and detail. Other events that arrive meanwhile are
// kept for Next.
func (c *Client) Request(ctx context.Context, cmd protocol.Command) (Event, error) {
	id, err := c.Send(ctx, cmd)
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
			if ev.Event.Event == protocol.EvError {
				return ev, protocol.Refuse(ev.Reason, "%s", ev.Detail)
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
			if !c.mayReconnect(ctx) {
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
		if ev.Event.Event == protocol.EvAttached && ev.LastSeq != nil {
			c.mu.Lock()
			c.followed[ev.ChatID] = true
			c.mu.Unlock()
		}
		return ev, nil
	}
}

// mayReconnect says whether a broken connection is worth redialling: not
// when the caller gave up or closed the client.
func (c *Client) mayReconnect(ctx context.Context) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opts.Reconnect && !c.closed && ctx.Err() == nil
}

// reconnect redials with jittered backoff and re-attaches every chat from its
// resume point.
func (c *Client) reconnect(ctx context.Context) error {
	delay := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return ErrClosed
		}
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
		if _, err := c.Send(ctx, protocol.Attach{ChatID: chat, Since: &since}); err != nil {
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
