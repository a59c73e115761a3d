// Package nanobottest is a fake nanobot gateway for tests: the WebSocket
// channel of nanobot (nanobot/channels/websocket.py) as a client sees it —
// ready, new_chat/attach → attached, message envelopes with media as data
// URLs, and for each message a scripted turn streamed as the gateway does
// (reasoning, deltas, stream_end, tool hints and progress carrying
// tool_events, turn_end); /stop cancels a chat's running turn.
//
// What a message says picks the script: "hang" streams a little and waits
// for /stop; "drop" streams a little and drops the connection; "refuse"
// is answered with an error naming no chat, as nanobot refuses an envelope; anything
// else is answered at once with two tool calls (one ends, one fails).
package nanobottest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Message is a message envelope the gateway took.
type Message struct {
	ChatID, Content string
	Media           []Media
}

// Media is one attachment of a message, decoded.
type Media struct {
	Name, MIME string
	Data       []byte
}

// Gateway is a fake gateway on a fixed loopback address; it listens only
// between Start and Stop, so a test can have it down at first.
type Gateway struct {
	// Token is the static token a client must send as ?token=.
	Token string
	// Messages receives each message envelope but /stop; Stops the chat
	// of each /stop; Connects a value for each accepted connection.
	Messages chan Message
	Stops    chan string
	Connects chan struct{}

	t    testing.TB
	addr string

	mu      sync.Mutex
	srv     *http.Server
	conns   map[*websocket.Conn]bool
	running map[string]*task
	nextID  int
	chats   map[string]bool
}

type task struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// New reserves a loopback address for a gateway that is not listening yet.
func New(t testing.TB, token string) *Gateway {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("reserve a port: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	g := &Gateway{Token: token, t: t, addr: addr, Messages: make(chan Message, 100), Stops: make(chan string, 100),
		Connects: make(chan struct{}, 100), conns: map[*websocket.Conn]bool{}, running: map[string]*task{}, chats: map[string]bool{}}
	t.Cleanup(g.Stop)
	return g
}

// URL is the channel's address, as config.toml's nanobot_url.
func (g *Gateway) URL() string { return "ws://" + g.addr + "/" }

// Start listens (again).
func (g *Gateway) Start() {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", g.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		g.t.Fatalf("fake nanobot: listen on %s: %v", g.addr, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(g.serve)}
	g.mu.Lock()
	g.srv = srv
	g.mu.Unlock()
	go srv.Serve(ln)
}

// Stop closes the listener and every connection: the gateway is down.
func (g *Gateway) Stop() {
	g.mu.Lock()
	srv := g.srv
	g.srv = nil
	conns := g.conns
	g.conns = map[*websocket.Conn]bool{}
	g.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
	for c := range conns {
		c.CloseNow()
	}
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	if g.Token != "" && r.URL.Query().Get("token") != g.Token {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	ws.SetReadLimit(40 << 20)
	g.mu.Lock()
	g.conns[ws] = true
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.conns, ws)
		g.mu.Unlock()
		ws.CloseNow()
	}()
	ctx := r.Context()
	send := func(ev map[string]any) {
		data, _ := json.Marshal(ev)
		_ = ws.Write(ctx, websocket.MessageText, data)
	}
	send(map[string]any{"event": "ready", "chat_id": "default-" + fmt.Sprint(time.Now().UnixNano()), "client_id": r.URL.Query().Get("client_id")})
	g.Connects <- struct{}{}
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var env struct {
			Type    string `json:"type"`
			ChatID  string `json:"chat_id"`
			Content *string
			Media   []struct {
				DataURL string `json:"data_url"`
				Name    string `json:"name"`
			}
		}
		if json.Unmarshal(data, &env) != nil || env.Type == "" {
			continue
		}
		switch env.Type {
		case "new_chat":
			g.mu.Lock()
			g.nextID++
			id := fmt.Sprintf("nb-%d", g.nextID)
			g.chats[id] = true
			g.mu.Unlock()
			send(map[string]any{"event": "attached", "chat_id": id})
			send(map[string]any{"event": "session_updated", "chat_id": id, "scope": "metadata"})
		case "attach":
			if !chatID.MatchString(env.ChatID) {
				send(map[string]any{"event": "error", "detail": "invalid chat_id"})
				continue
			}
			send(map[string]any{"event": "attached", "chat_id": env.ChatID})
		case "message":
			if !chatID.MatchString(env.ChatID) {
				send(map[string]any{"event": "error", "detail": "invalid chat_id"})
				continue
			}
			if env.Content == nil {
				send(map[string]any{"event": "error", "detail": "missing content"})
				continue
			}
			m := Message{ChatID: env.ChatID, Content: *env.Content}
			rejected := ""
			for _, md := range env.Media {
				mime, b64, ok := strings.Cut(strings.TrimPrefix(md.DataURL, "data:"), ";base64,")
				raw, err := base64.StdEncoding.DecodeString(b64)
				switch {
				case !ok || !strings.HasPrefix(md.DataURL, "data:") || err != nil:
					rejected = "decode"
				case !strings.HasPrefix(mime, "image/") && !strings.HasPrefix(mime, "video/"):
					rejected = "mime"
				}
				m.Media = append(m.Media, Media{Name: md.Name, MIME: mime, Data: raw})
			}
			if rejected != "" {
				send(map[string]any{"event": "error", "detail": "image_rejected", "reason": rejected})
				continue
			}
			if strings.TrimSpace(m.Content) == "/stop" {
				g.stop(env.ChatID, send)
				continue
			}
			g.Messages <- m
			g.turn(ctx, ws, m, send)
		default:
			send(map[string]any{"event": "error", "detail": fmt.Sprintf("unknown type: '%s'", env.Type)})
		}
	}
}

var chatID = regexp.MustCompile(`^[A-Za-z0-9_:-]{1,64}$`)

// stop cancels the chat's running turn and answers as nanobot's /stop does.
func (g *Gateway) stop(chat string, send func(map[string]any)) {
	g.mu.Lock()
	tk := g.running[chat]
	delete(g.running, chat)
	g.mu.Unlock()
	words := "No active task to stop."
	if tk != nil {
		tk.cancel()
		<-tk.done
		words = "Stopped 1 task(s)."
	}
	g.Stops <- chat
	send(map[string]any{"event": "message", "chat_id": chat, "text": words})
}

// turn runs a message's script beside the connection's reads, as nanobot
// runs a task per message.
func (g *Gateway) turn(connCtx context.Context, ws *websocket.Conn, m Message, send func(map[string]any)) {
	ctx, cancel := context.WithCancel(connCtx)
	tk := &task{cancel: cancel, done: make(chan struct{})}
	g.mu.Lock()
	g.running[m.ChatID] = tk
	g.mu.Unlock()
	ev := func(name string, kv ...any) {
		e := map[string]any{"event": name, "chat_id": m.ChatID}
		for i := 0; i+1 < len(kv); i += 2 {
			e[kv[i].(string)] = kv[i+1]
		}
		send(e)
	}
	go func() {
		defer close(tk.done)
		defer func() {
			g.mu.Lock()
			if g.running[m.ChatID] == tk {
				delete(g.running, m.ChatID)
			}
			g.mu.Unlock()
		}()
		switch strings.TrimSpace(m.Content) {
		case "hang":
			ev("reasoning_delta", "text", "Thinking for a long time")
			ev("delta", "text", "Working on it")
			<-ctx.Done()
			return
		case "refuse":
			// As nanobot refuses an envelope: an error naming no chat.
			send(map[string]any{"event": "error", "detail": "workspace_scope_rejected", "reason": "outside the workspace"})
			return
		case "drop":
			ev("delta", "text", "Half an ans")
			time.Sleep(50 * time.Millisecond)
			ws.CloseNow()
			return
		}
		ev("reasoning_delta", "text", "Let me look")
		ev("reasoning_delta", "text", " it up.")
		ev("reasoning_end")
		ev("delta", "text", "Checking")
		ev("delta", "text", " the notes.")
		ev("stream_end")
		ev("message", "kind", "tool_hint", "text", `grep("`+m.Content+`")`, "tool_events", []map[string]any{
			{"version": 1, "phase": "start", "call_id": "call_grep", "name": "grep", "arguments": map[string]any{"pattern": m.Content}, "result": nil, "error": nil},
			{"version": 1, "phase": "start", "call_id": "call_read", "name": "read_file", "arguments": `{"path": "/nope"}`, "result": nil, "error": nil},
		})
		ev("message", "kind", "progress", "text", "", "tool_events", []map[string]any{
			{"version": 1, "phase": "end", "call_id": "call_grep", "name": "grep", "arguments": map[string]any{"pattern": m.Content}, "result": "3 matches", "error": nil},
			{"version": 1, "phase": "error", "call_id": "call_read", "name": "read_file", "arguments": `{"path": "/nope"}`, "result": nil, "error": "no such file"},
		})
		answer := "Found 3 matches for " + m.Content + "."
		for _, md := range m.Media {
			answer += fmt.Sprintf(" Saw %s (%s, %d bytes).", md.Name, md.MIME, len(md.Data))
		}
		ev("delta", "text", answer)
		ev("stream_end")
		ev("turn_end", "latency_ms", 12)
	}()
}
