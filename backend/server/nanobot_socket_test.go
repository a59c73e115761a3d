package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hearth-app/hearth/backend/chats"
	"github.com/hearth-app/hearth/backend/dispatch"
	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/turns"
)

// hello is a model that answers every question with two words.
type hello struct{}

func (hello) Stream(_ context.Context, _ llm.Request, emit func(llm.Event) error) error {
	for _, w := range []string{"Hello ", "there"} {
		if err := emit(llm.Event{Kind: llm.EventContent, Text: w}); err != nil {
			return err
		}
	}
	return nil
}
func (hello) Models(context.Context) ([]llm.Model, error) { return nil, nil }
func (hello) Name() string                                { return "openai" }
func (hello) BaseURL() string                             { return "http://test" }
func (p hello) Provider() (llm.Provider, string)          { return p, "m" }

// shapeToken guards shapeServer's TCP listener.
const shapeToken = "tok"

// shapeServer is a real server on a unix socket, with a real store and engine.
func shapeServer(t *testing.T) (*Server, string) {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "hnb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	st, err := store.Open(ctx, filepath.Join(dir, "db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	eng := turns.New(turns.Options{Store: st, Providers: hello{}, Logger: log})
	cs := chats.New(chats.Options{Store: st, Turns: eng, Providers: hello{}, Logger: log})
	d := dispatch.New(dispatch.Deps{Turns: eng, Chats: cs, Logger: log})
	s := New(Options{Dispatch: d, Turns: eng, Chats: cs, Store: st, Logger: log, Token: shapeToken})
	sock := filepath.Join(dir, "h.sock")
	if err := s.ListenUnix(sock); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		eng.Shutdown(ctx)
		st.Close()
	})
	return s, sock
}

func unixHTTP(sock string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
}

type shapeClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialShape(t *testing.T, sock, query string, subprotocols ...string) *shapeClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://hearth/ws"+query, &websocket.DialOptions{HTTPClient: unixHTTP(sock), Subprotocols: subprotocols})
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(1 << 24)
	t.Cleanup(func() { _ = ws.CloseNow() })
	c := &shapeClient{t, ws}
	c.next() // ready
	return c
}

func (c *shapeClient) send(frame string) {
	c.t.Helper()
	if err := c.ws.Write(context.Background(), websocket.MessageText, []byte(frame)); err != nil {
		c.t.Fatal(err)
	}
}

func (c *shapeClient) next() []byte {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	return b
}

// until reads frames up to and including the first whose event is ev.
func (c *shapeClient) until(ev string) []string {
	c.t.Helper()
	var out []string
	for {
		b := c.next()
		out = append(out, string(b))
		if strings.HasPrefix(string(b), `{"event":"`+ev+`"`) {
			return out
		}
	}
}

// Three clients of one chat, one in Hearth's shape and two in nanobot's (by
// query and by subprotocol): the answer's frames reach all three byte for
// byte, the tool events each in its own shape.
func TestNanobotShapeOverTheSocket(t *testing.T) {
	s, sock := shapeServer(t)
	plain := dialShape(t, sock, "?client_id=plain")
	byQuery := dialShape(t, sock, "?client_id=q&shape=nanobot")
	bySub := dialShape(t, sock, "?client_id=p", "nanobot")
	if got := bySub.ws.Subprotocol(); got != "nanobot" {
		t.Fatalf("negotiated subprotocol %q, want nanobot", got)
	}
	if got := plain.ws.Subprotocol(); got != "" {
		t.Fatalf("plain client got subprotocol %q", got)
	}

	plain.send(`{"type":"new_chat","req_id":"n"}`)
	var att struct {
		ChatID string `json:"chat_id"`
	}
	if err := json.Unmarshal([]byte(last(plain.until("attached"))), &att); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*shapeClient{byQuery, bySub} {
		c.send(fmt.Sprintf(`{"type":"attach","chat_id":%q,"req_id":"a"}`, att.ChatID))
		c.until("attached")
	}

	plain.send(fmt.Sprintf(`{"type":"message","chat_id":%q,"content":"hi","req_id":"m"}`, att.ChatID))
	turn := fromTurnStart(plain.until("turn_end"))
	if len(turn) < 4 {
		t.Fatalf("the turn came as %v", turn)
	}
	for _, c := range []*shapeClient{byQuery, bySub} {
		if got := fromTurnStart(c.until("turn_end")); strings.Join(got, "\n") != strings.Join(turn, "\n") {
			t.Fatalf("a nanobot client got the turn as\n%s\nwant it byte for byte\n%s", strings.Join(got, "\n"), strings.Join(turn, "\n"))
		}
	}

	call := protocol.ToolCall{CallID: "c1", Server: "fs", Name: "read_file", Arguments: json.RawMessage(`{"path":"/a"}`)}
	events := [][]byte{
		protocol.Encode(protocol.ToolCallEvent(att.ChatID, 100, "t1", call)),
		protocol.Encode(protocol.ApprovalRequest(att.ChatID, 101, "t1", call, protocol.ToolHints{ReadOnly: true}, time.Now().Add(time.Minute))),
		protocol.Encode(protocol.ApprovalResolved(att.ChatID, 102, "t1", "c1", protocol.DecisionOnce, "plain")),
		protocol.Encode(protocol.ToolResult(att.ChatID, 103, "t1", "c1", protocol.ToolOK, "contents of a", nil, 42)),
	}
	// Every frame of a chat, live or replayed, reaches a connection through
	// its Send; Broadcast is the one way to reach it from here.
	for _, f := range events {
		s.Broadcast(f)
	}
	for i, f := range events {
		if got := plain.next(); string(got) != string(f) {
			t.Fatalf("Hearth's shape changed frame %d:\n got  %s\n want %s", i, got, f)
		}
	}
	want := []string{
		`{"event":"message","chat_id":"` + att.ChatID + `","seq":100,"turn_id":"t1","kind":"tool_hint","text":"fs.read_file({\"path\":\"/a\"})",
		  "tool_events":[{"version":1,"phase":"start","call_id":"c1","name":"read_file","arguments":{"path":"/a"}}]}`,
		`{"event":"message","chat_id":"` + att.ChatID + `","seq":101,"turn_id":"t1","kind":"progress","call_id":"c1",
		  "text":"fs.read_file waits for approval in Hearth (the server says it only reads)"}`,
		`{"event":"message","chat_id":"` + att.ChatID + `","seq":102,"turn_id":"t1","kind":"progress","call_id":"c1","text":"fs.read_file approved once"}`,
		`{"event":"message","chat_id":"` + att.ChatID + `","seq":103,"turn_id":"t1","kind":"progress","text":"fs.read_file done in 42 ms",
		  "tool_events":[{"version":1,"phase":"end","call_id":"c1","name":"read_file","arguments":{"path":"/a"},"result":"contents of a"}]}`,
	}
	for _, c := range []*shapeClient{byQuery, bySub} {
		for i, w := range want {
			if got := c.next(); !jsonEqual(t, got, []byte(w)) {
				t.Fatalf("nanobot frame %d:\n got  %s\n want %s", i, got, compact(t, w))
			}
		}
	}
}

// On TCP the token can come as a subprotocol too: a nanobot client offers
// both, and nanobot is the one selected.
func TestNanobotSubprotocolBesideTheBearerToken(t *testing.T) {
	s, _ := shapeServer(t)
	addr, err := s.ListenTCP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+addr.String()+"/ws", &websocket.DialOptions{Subprotocols: []string{"nanobot", "bearer." + shapeToken}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if got := ws.Subprotocol(); got != "nanobot" {
		t.Fatalf("selected %q, want nanobot", got)
	}
	c := &shapeClient{t, ws}
	c.next() // ready
	s.Broadcast(protocol.Encode(protocol.ToolCallEvent("ch", 1, "t", protocol.ToolCall{CallID: "c1", Server: "fs", Name: "ls"})))
	if got := string(c.next()); !strings.HasPrefix(got, `{"event":"message"`) || !strings.Contains(got, `"kind":"tool_hint"`) {
		t.Fatalf("got %s", got)
	}
}

// A shape the server does not know is refused before the upgrade, in words.
func TestUnknownShapeIsRefused(t *testing.T) {
	_, sock := shapeServer(t)
	resp, err := unixHTTP(sock).Get("http://hearth/ws?shape=nanobt")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), protocol.ReasonInvalidField) || !strings.Contains(string(body), "hearth or nanobot") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// fromTurnStart drops what comes before the turn: the sender's question
// comes back as message_accepted, everyone else's as user_message.
func fromTurnStart(frames []string) []string {
	for i, f := range frames {
		if strings.HasPrefix(f, `{"event":"turn_start"`) {
			return frames[i:]
		}
	}
	return nil
}

func last(s []string) string { return s[len(s)-1] }
