package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/chats"
	"github.com/hearth-app/hearth/backend/dispatch"
	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/turns"
)

// reader is a model that reads a file before it answers.
type reader struct{}

func (reader) Stream(_ context.Context, req llm.Request, emit func(llm.Event) error) error {
	if n := len(req.Messages); n > 0 && req.Messages[n-1].Role == "tool" {
		return emit(llm.Event{Kind: llm.EventContent, Text: "It says: " + req.Messages[n-1].Content})
	}
	if err := emit(llm.Event{Kind: llm.EventContent, Text: "Let me look. "}); err != nil {
		return err
	}
	return emit(llm.Event{Kind: llm.EventToolCalls, ToolCalls: []llm.ToolCall{{ID: "call_1", Name: "read_file", Arguments: `{"path":"/a"}`}}})
}
func (reader) Models(context.Context) ([]llm.Model, error) { return nil, nil }
func (reader) Name() string                                { return "openai" }
func (reader) BaseURL() string                             { return "http://test" }
func (p reader) Provider() (llm.Provider, string)          { return p, "m" }

// oneFile is an MCP server with one read-only tool that asks for approval.
type oneFile struct{}

func (oneFile) Tools() []turns.Tool {
	return []turns.Tool{{Server: "fs", Name: "read_file", Schema: json.RawMessage(`{"type":"object"}`), ReadOnly: true}}
}
func (oneFile) Call(context.Context, string, string, json.RawMessage) (turns.ToolOutput, error) {
	return turns.ToolOutput{Text: "hello from a"}, nil
}

func toolServer(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "hnt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	st, err := store.Open(ctx, filepath.Join(dir, "db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	eng := turns.New(turns.Options{Store: st, Providers: reader{}, Tools: oneFile{}, Logger: log})
	cs := chats.New(chats.Options{Store: st, Turns: eng, Providers: reader{}, Logger: log})
	d := dispatch.New(dispatch.Deps{Turns: eng, Chats: cs, Logger: log})
	s := New(Options{Dispatch: d, Turns: eng, Chats: cs, Store: st, Logger: log})
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
	return sock
}

// nbFrame is what a test reads of a frame in either shape.
type nbFrame struct {
	Event      string             `json:"event"`
	Seq        int64              `json:"seq"`
	Kind       string             `json:"kind"`
	Text       string             `json:"text"`
	CallID     string             `json:"call_id"`
	ToolEvents []nanobotToolEvent `json:"tool_events"`
}

func decodeFrame(t *testing.T, s string) nbFrame {
	t.Helper()
	var f nbFrame
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return f
}

// A real turn that calls a tool the user approves, watched by a client in
// Hearth's shape and one in nanobot's, then replayed from the store to a
// nanobot client that attaches with since 0: the tool events reach each in
// its shape, live and replayed, and the rest of the turn is the same bytes.
func TestNanobotShapeOfARealToolTurn(t *testing.T) {
	sock := toolServer(t)
	plain := dialShape(t, sock, "?client_id=plain")
	nb := dialShape(t, sock, "?client_id=nb", "nanobot")

	plain.send(`{"type":"new_chat","req_id":"n"}`)
	var att struct {
		ChatID string `json:"chat_id"`
	}
	if err := json.Unmarshal([]byte(last(plain.until("attached"))), &att); err != nil {
		t.Fatal(err)
	}
	nb.send(fmt.Sprintf(`{"type":"attach","chat_id":%q,"req_id":"a"}`, att.ChatID))
	nb.until("attached")

	plain.send(fmt.Sprintf(`{"type":"message","chat_id":%q,"content":"what is in /a?","req_id":"m"}`, att.ChatID))
	hearth := plain.until("approval_request")
	var ask struct {
		CallID string `json:"call_id"`
	}
	if err := json.Unmarshal([]byte(last(hearth)), &ask); err != nil {
		t.Fatal(err)
	}
	// The nanobot client is told of the call, then that it waits, and by
	// which id.
	live := nb.until("message")
	if f := decodeFrame(t, last(live)); f.Kind != "tool_hint" || !strings.HasPrefix(f.Text, `fs.read_file({"path":"/a"})`) ||
		len(f.ToolEvents) != 1 || f.ToolEvents[0].Phase != "start" || f.ToolEvents[0].Name != "read_file" || f.ToolEvents[0].CallID != ask.CallID {
		t.Fatalf("hint: %+v", f)
	}
	live = append(live, string(nb.next()))
	if f := decodeFrame(t, last(live)); f.Kind != "progress" || f.CallID != ask.CallID || !strings.Contains(f.Text, "waits for approval in Hearth") {
		t.Fatalf("approval line: %+v", f)
	}
	plain.send(fmt.Sprintf(`{"type":"approve","chat_id":%q,"call_id":%q,"decision":"once"}`, att.ChatID, ask.CallID))

	hearth = append(hearth, plain.until("turn_end")...)
	live = append(live, nb.until("turn_end")...)
	// approve_accepted is the approver's own reply, not a chat event.
	var chatEvents []string
	for _, f := range hearth {
		if !strings.HasPrefix(f, `{"event":"approve_accepted"`) {
			chatEvents = append(chatEvents, f)
		}
	}
	if len(chatEvents) != len(hearth)-1 {
		t.Errorf("the approver got %d approve_accepted replies, want 1", len(hearth)-len(chatEvents))
	}
	checkShapes(t, "live", fromTurnStart(chatEvents), fromTurnStart(live))

	// A nanobot client that comes later gets the stored turn, translated.
	late := dialShape(t, sock, "?client_id=late&shape=nanobot")
	late.send(fmt.Sprintf(`{"type":"attach","chat_id":%q,"since":0,"req_id":"r"}`, att.ChatID))
	replay := late.until("attached")
	var msgs []nbFrame
	for _, s := range replay {
		if strings.Contains(s, `"event":"tool_`) || strings.Contains(s, `"event":"approval_`) {
			t.Fatalf("a Hearth tool event in nanobot's replay: %s", s)
		}
		if f := decodeFrame(t, s); f.Event == "message" {
			msgs = append(msgs, f)
		}
	}
	want := []struct{ kind, text, phase string }{
		{"tool_hint", `fs.read_file({"path":"/a"})`, "start"},
		{"progress", "fs.read_file waits for approval in Hearth", ""},
		{"progress", "fs.read_file approved once", ""},
		{"progress", "fs.read_file done in", "end"},
	}
	if len(msgs) != len(want) {
		t.Fatalf("replay has %d nanobot messages, want %d:\n%s", len(msgs), len(want), strings.Join(replay, "\n"))
	}
	for i, w := range want {
		m := msgs[i]
		phase := ""
		if len(m.ToolEvents) == 1 {
			phase = m.ToolEvents[0].Phase
		}
		if m.Kind != w.kind || !strings.HasPrefix(m.Text, w.text) || phase != w.phase {
			t.Errorf("replayed message %d: %+v, want kind %s, text %q…, phase %q", i, m, w.kind, w.text, w.phase)
		}
	}
	if r := msgs[3].ToolEvents[0].Result; r == nil || *r != "hello from a" {
		t.Errorf("replayed result %v", r)
	}
}

// checkShapes compares one turn as two clients got it: the same frames
// byte for byte but the tool events, which nanobot's client got as messages
// with the same seq.
func checkShapes(t *testing.T, what string, hearth, nanobot []string) {
	t.Helper()
	if len(hearth) != len(nanobot) {
		t.Fatalf("%s: %d frames in Hearth's shape, %d in nanobot's:\n%s\n--\n%s", what, len(hearth), len(nanobot), strings.Join(hearth, "\n"), strings.Join(nanobot, "\n"))
	}
	tools := 0
	for i := range hearth {
		if !isToolEvent([]byte(hearth[i])) {
			if hearth[i] != nanobot[i] {
				t.Errorf("%s frame %d differs:\n hearth  %s\n nanobot %s", what, i, hearth[i], nanobot[i])
			}
			continue
		}
		tools++
		h, n := decodeFrame(t, hearth[i]), decodeFrame(t, nanobot[i])
		if n.Event != "message" || n.Seq != h.Seq || (n.Kind != "progress" && n.Kind != "tool_hint") {
			t.Errorf("%s frame %d: %s became %s", what, i, hearth[i], nanobot[i])
		}
	}
	if tools == 0 {
		t.Errorf("%s: no tool event in\n%s", what, strings.Join(hearth, "\n"))
	}
}
