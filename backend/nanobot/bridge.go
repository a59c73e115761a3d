// Package nanobot is the bridge to a nanobot gateway: Hearth connects as a
// client to the gateway's WebSocket channel and serves as one agent (docs/agents.md)
// whose turns nanobot answers. Each Hearth chat bound to the bridge has its
// own nanobot chat; nanobot keeps that chat's history, so a turn sends it only
// the newest message.
package nanobot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/turns"
)

// Engine is what the bridge needs of the turn engine: to be an agent.
type Engine interface {
	RegisterAgent(sink turns.Sink, name, description string) error
	AgentFrame(ctx context.Context, sink turns.Sink, f protocol.AgentFrame) error
	DetachAll(sink turns.Sink)
	KnowAgent(name, description string)
}

// Settings keeps which nanobot chat answers which Hearth chat, so a restart
// of either side continues the same nanobot conversation.
type Settings interface {
	GetSetting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
}

// Options configure one bridge.
type Options struct {
	// Name is the agent's name in Hearth; Description what clients show.
	Name, Description string
	// URL is the gateway's WebSocket channel, e.g. ws://127.0.0.1:8765/.
	URL string
	// Token is the channel's static token (its `token` setting), sent as
	// the `token` query parameter the channel checks at the handshake.
	Token    string
	Engine   Engine
	Settings Settings
	// HTTPClient fetches attachments from Hearth's signed media URLs; nil
	// is a client with a timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// MinBackoff and MaxBackoff bound the wait between connection attempts
	// (1 s doubling to 60 s when zero).
	MinBackoff, MaxBackoff time.Duration
}

// Bridge is one running bridge. Close stops it.
type Bridge struct {
	opts    Options
	dialURL string
	shown   string // URL without the token, for logs
	log     *slog.Logger
	cancel  context.CancelFunc
	done    chan struct{}

	mu      sync.Mutex
	chatMap map[string]string // Hearth chat → nanobot chat
}

// Start runs a bridge until Close: it connects, registers the agent, and
// reconnects with backoff whenever the gateway is away.
func Start(opts Options) (*Bridge, error) {
	if opts.Engine == nil {
		return nil, errors.New("nanobot bridge: no engine")
	}
	if !protocol.ValidAgentName(opts.Name) {
		return nil, fmt.Errorf("nanobot bridge: %q cannot name an agent (letters, digits, '.', '-', '_')", opts.Name)
	}
	dialURL, shown, err := gatewayURL(opts.URL, opts.Token)
	if err != nil {
		return nil, fmt.Errorf("nanobot bridge %s: %w", opts.Name, err)
	}
	if opts.Token == "" {
		// A token written into the URL is redacted from logs all the same.
		if u, err := url.Parse(opts.URL); err == nil {
			opts.Token = u.Query().Get("token")
		}
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 2 * time.Minute}
	}
	if opts.Description == "" {
		opts.Description = "nanobot at " + shown
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Bridge{opts: opts, dialURL: dialURL, shown: shown, log: log.With("agent", opts.Name), cancel: cancel,
		done: make(chan struct{}), chatMap: map[string]string{}}
	// Listed (offline) before the first connection, so clients can bind
	// chats to it while nanobot starts.
	opts.Engine.KnowAgent(opts.Name, opts.Description)
	go b.run(ctx)
	return b, nil
}

// Close disconnects from the gateway; the agent goes offline.
func (b *Bridge) Close() {
	b.cancel()
	<-b.done
}

// gatewayURL adds the token (nanobot reads it from the query at the
// handshake) and a client_id (its allow_from list names clients by it).
func gatewayURL(raw, token string) (dial, shown string, err error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", "", fmt.Errorf("nanobot_url %q: %w", raw, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", "", fmt.Errorf("nanobot_url %q must be a ws:// or wss:// URL", raw)
	}
	if u.Host == "" {
		return "", "", fmt.Errorf("nanobot_url %q has no host", raw)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	q := u.Query()
	q.Del("token")
	shownURL := *u
	shownURL.RawQuery = q.Encode()
	if q.Get("client_id") == "" {
		q.Set("client_id", "hearth")
	}
	if token != "" {
		q.Set("token", token)
	} else if t := u.Query().Get("token"); t != "" {
		q.Set("token", t)
	}
	u.RawQuery = q.Encode()
	return u.String(), shownURL.String(), nil
}

func (b *Bridge) run(ctx context.Context) {
	defer close(b.done)
	wait := b.opts.MinBackoff
	for {
		connected, err := b.session(ctx)
		if ctx.Err() != nil {
			return
		}
		err = b.plain(err)
		if connected {
			wait = b.opts.MinBackoff
			b.log.Warn(fmt.Sprintf("nanobot at %s closed the connection: %v; reconnecting in %s", b.shown, err, wait))
		} else {
			b.log.Warn(fmt.Sprintf("nanobot at %s is unreachable: %v; retrying in %s", b.shown, err, wait))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if !connected {
			wait = min(2*wait, b.opts.MaxBackoff)
		}
	}
}

// session is one connection: dial, wait for ready, register, relay until
// either side ends it. connected reports whether the agent was online.
func (b *Bridge) session(ctx context.Context) (connected bool, err error) {
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(dctx, b.dialURL, nil)
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
			return false, fmt.Errorf("it refused the connection (%s): check the token and nanobot's allow_from", resp.Status)
		}
		return false, err
	}
	defer ws.CloseNow()
	// A message may carry several pictures as data URLs.
	ws.SetReadLimit(64 << 20)
	var ready gatewayEvent
	if err := readEvent(dctx, ws, &ready); err != nil {
		return false, fmt.Errorf("no ready event: %w", err)
	}
	if ready.Event != "ready" {
		return false, fmt.Errorf("it sent %q before ready: is this nanobot's websocket channel?", ready.Event)
	}
	s := newSink()
	if err := b.opts.Engine.RegisterAgent(s, b.opts.Name, b.opts.Description); err != nil {
		ws.Close(websocket.StatusNormalClosure, "")
		return false, fmt.Errorf("connected, but Hearth did not take the agent: %w", err)
	}
	b.log.Info("connected to nanobot", "url", b.shown)
	// Whatever ends the session, the agent goes offline and its running
	// turns end interrupted.
	defer b.opts.Engine.DetachAll(s)
	defer s.close()

	// Not ctx's child: on Close, the cancels Hearth's shutdown just sent
	// still reach nanobot as /stop.
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	c := &conn{b: b, ws: ws, sink: s, ctx: sctx, turns: map[string]*turn{}, byChat: map[string]*turn{},
		draining: map[string]time.Time{}, prepared: make(chan prepared)}
	events := make(chan gatewayEvent)
	readErr := make(chan error, 1)
	go func() {
		for {
			var ev gatewayEvent
			if err := readEvent(sctx, ws, &ev); err != nil {
				readErr <- err
				return
			}
			select {
			case events <- ev:
			case <-sctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			for _, f := range s.take() {
				if c.fromHearth(f) != nil {
					break
				}
			}
			ws.Close(websocket.StatusGoingAway, "Hearth is stopping")
			return true, ctx.Err()
		case err := <-readErr:
			return true, err
		case <-s.wake:
			for _, f := range s.take() {
				if err := c.fromHearth(f); err != nil {
					return true, err
				}
			}
		case ev := <-events:
			if err := c.fromGateway(ev); err != nil {
				return true, err
			}
		case p := <-c.prepared:
			if err := c.onPrepared(p); err != nil {
				return true, err
			}
		}
	}
}

// plain is a connection error as the log shows it: the network's words
// rather than the dialled URL, which carries the token.
func (b *Bridge) plain(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		err = op
	}
	msg := err.Error()
	if t := b.opts.Token; t != "" {
		msg = strings.ReplaceAll(msg, url.QueryEscape(t), "[token]")
		msg = strings.ReplaceAll(msg, t, "[token]")
	}
	return errors.New(msg)
}

func readEvent(ctx context.Context, ws *websocket.Conn, ev *gatewayEvent) error {
	for {
		typ, data, err := ws.Read(ctx)
		if err != nil {
			return err
		}
		if typ != websocket.MessageText {
			continue
		}
		*ev = gatewayEvent{}
		if json.Unmarshal(data, ev) != nil || ev.Event == "" {
			// Not an event this bridge knows; nanobot may add more.
			continue
		}
		return nil
	}
}

// sink is one connection's agent as the engine sees it. Send only queues:
// the engine calls it under its own locks.
type sink struct {
	mu     sync.Mutex
	queue  [][]byte
	closed bool
	wake   chan struct{}
}

func newSink() *sink { return &sink{wake: make(chan struct{}, 1)} }

func (s *sink) Send(frame []byte) {
	s.mu.Lock()
	if !s.closed {
		s.queue = append(s.queue, append([]byte(nil), frame...))
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *sink) take() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queue
	s.queue = nil
	return q
}

func (s *sink) close() {
	s.mu.Lock()
	s.closed, s.queue = true, nil
	s.mu.Unlock()
}
