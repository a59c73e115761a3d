package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
	"github.com/hearth-app/hearth/backend/nanobot/nanobottest"
)

// startWithNanobot starts Hearth with a [[agents]] nanobot bridge named
// "nano" to gw.
func startWithNanobot(t *testing.T, gw *nanobottest.Gateway) (*testHearth, config.Config) {
	t.Helper()
	fake := llmtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake)
	cfg.Agents = []config.AgentConfig{{Name: "nano", Description: "my nanobot", NanobotURL: gw.URL(), Token: gw.Token}}
	return startWith(t, cfg, fake), cfg
}

// waitOnline returns once c has seen the agent online (now or later).
func waitOnline(t *testing.T, c *wsc, name string) {
	t.Helper()
	list := c.request(map[string]any{"type": "list_agents"})
	items, _ := list["items"].([]any)
	for _, it := range items {
		if a := it.(map[string]any); a["name"] == name && a["online"] == true {
			return
		}
	}
	for {
		if ev := c.expect("agent_online"); str(ev, "name") == name {
			return
		}
	}
}

func nextMessage(t *testing.T, gw *nanobottest.Gateway) nanobottest.Message {
	t.Helper()
	select {
	case m := <-gw.Messages:
		return m
	case <-time.After(patience):
		t.Fatal("nanobot got no message")
	}
	return nanobottest.Message{}
}

// A chat bound to the bridge is answered by nanobot: reasoning, text in
// two streams, the tool events as tool cards; the picture reaches nanobot
// as a data URL; the next turn goes to the same nanobot chat with only the
// new message, also after Hearth restarts; cancel sends /stop, and the
// stop's reply is no turn's answer.
func TestNanobotBridgeAnswersAChat(t *testing.T) {
	gw := nanobottest.New(t, "s3cret")
	gw.Start()
	h, cfg := startWithNanobot(t, gw)
	a := h.dial(t)
	waitOnline(t, a, "nano")
	list := a.request(map[string]any{"type": "list_agents"})
	if items, _ := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["description"] != "my nanobot" {
		t.Fatalf("agents %v", list)
	}
	chat := str(a.request(map[string]any{"type": "new_chat", "agent": "nano"}), "chat_id")
	pic := pngBytes(t)
	up := uploadOK(t, h, pic)
	if ev := a.request(map[string]any{"type": "message", "chat_id": chat, "content": "notes", "media": []any{map[string]any{"id": up["id"]}}}); ev["event"] != "message_accepted" {
		t.Fatalf("message: %v", ev)
	}
	m := nextMessage(t, gw)
	if m.Content != "notes" || len(m.Media) != 1 || m.Media[0].MIME != "image/png" || !bytes.Equal(m.Media[0].Data, pic) {
		t.Fatalf("nanobot got %q with %+v", m.Content, m.Media)
	}
	nbChat := m.ChatID
	evs := a.collectTurn()
	var got []string
	for _, e := range evs {
		switch e["event"] {
		case "turn_start", "reasoning_end", "tool_call", "tool_result", "stream_end", "turn_end":
			got = append(got, str(e, "event"))
		}
	}
	if want := "turn_start reasoning_end tool_call tool_call tool_result tool_result stream_end turn_end"; strings.Join(got, " ") != want {
		t.Errorf("events %q, want %q", strings.Join(got, " "), want)
	}
	if r := answerOf(evs, "reasoning_delta"); r != "Let me look it up." {
		t.Errorf("reasoning %q", r)
	}
	want := fmt.Sprintf("Checking the notes.\n\nFound 3 matches for notes. Saw %s (image/png, %d bytes).", m.Media[0].Name, len(pic))
	if se := eventsOf(evs, "stream_end")[0]; str(se, "text") != want {
		t.Errorf("answer %q, want %q", str(se, "text"), want)
	}
	if end := eventsOf(evs, "turn_end")[0]; str(end, "status") != "done" {
		t.Errorf("turn_end %v", end)
	}
	calls, results := eventsOf(evs, "tool_call"), eventsOf(evs, "tool_result")
	if str(calls[0], "name") != "grep" || str(calls[0], "server") != "nano" || calls[0]["offset"] != float64(len("Checking the notes.")) {
		t.Errorf("tool_call %v", calls[0])
	}
	if args, _ := json.Marshal(calls[1]["arguments"]); str(calls[1], "name") != "read_file" || string(args) != `{"path":"/nope"}` {
		t.Errorf("tool_call %v (arguments %s)", calls[1], args)
	}
	if str(results[0], "call_id") != "call_grep" || str(results[0], "status") != "ok" || str(results[0], "content") != "3 matches" {
		t.Errorf("tool_result %v", results[0])
	}
	if str(results[1], "call_id") != "call_read" || str(results[1], "status") != "error" || str(results[1], "content") != "no such file" {
		t.Errorf("tool_result %v", results[1])
	}

	// The same nanobot chat, the newest message only.
	a.sendMessage(chat, "again")
	if m := nextMessage(t, gw); m.ChatID != nbChat || m.Content != "again" {
		t.Errorf("second message %+v, want chat %s", m, nbChat)
	}
	a.collectTurn()

	// Cancel: nanobot hears /stop; its "Stopped" reply answers nothing.
	a.sendMessage(chat, "hang")
	nextMessage(t, gw)
	a.expect("delta")
	a.send(map[string]any{"type": "cancel", "chat_id": chat})
	select {
	case c := <-gw.Stops:
		if c != nbChat {
			t.Errorf("/stop for %s, want %s", c, nbChat)
		}
	case <-time.After(patience):
		t.Fatal("nanobot heard no /stop")
	}
	if end := eventsOf(a.collectTurn(), "turn_end")[0]; str(end, "status") != "cancelled" {
		t.Errorf("cancelled turn %v", end)
	}
	a.sendMessage(chat, "after")
	nextMessage(t, gw)
	if se := eventsOf(a.collectTurn(), "stream_end"); len(se) != 1 || str(se[0], "text") != "Checking the notes.\n\nFound 3 matches for after." {
		t.Errorf("the turn after a cancel: %v", se)
	}

	// Quitting during an answer stops nanobot's task too; a restarted
	// Hearth continues the same nanobot chat.
	a.sendMessage(chat, "hang")
	nextMessage(t, gw)
	a.expect("delta")
	h.stop(t)
	select {
	case c := <-gw.Stops:
		if c != nbChat {
			t.Errorf("/stop at quit for %s, want %s", c, nbChat)
		}
	case <-time.After(patience):
		t.Fatal("quitting sent nanobot no /stop")
	}
	h2 := startWith(t, cfg, h.fake)
	b := h2.dial(t)
	waitOnline(t, b, "nano")
	b.sendMessage(chat, "still there?")
	if m := nextMessage(t, gw); m.ChatID != nbChat || m.Content != "still there?" {
		t.Errorf("after a restart %+v, want chat %s", m, nbChat)
	}
	b.attach(chat, nil)
	b.collectTurn()
}

// A chat that began with the built-in model gets a new nanobot chat with
// the conversation so far in its first message.
func TestNanobotBridgeNewChatGetsTheHistory(t *testing.T) {
	gw := nanobottest.New(t, "")
	gw.Start()
	h, _ := startWithNanobot(t, gw)
	a := h.dial(t)
	waitOnline(t, a, "nano")
	chat := a.newChat()
	a.sendMessage(chat, "my name is Ada")
	a.collectTurn()
	if ev := a.request(map[string]any{"type": "update_chat", "chat_id": chat, "agent": "nano"}); ev["event"] == "error" {
		t.Fatalf("update_chat: %v", ev)
	}
	a.sendMessage(chat, "what is my name?")
	m := nextMessage(t, gw)
	if !strings.Contains(m.Content, "User: my name is Ada") || !strings.HasSuffix(m.Content, "\n\nwhat is my name?") {
		t.Errorf("first message to a new nanobot chat: %q", m.Content)
	}
	a.collectTurn()
}

// A gateway that drops mid-turn ends the turn interrupted with what it
// streamed; the bridge reconnects and answers the next turn.
func TestNanobotBridgeReconnects(t *testing.T) {
	gw := nanobottest.New(t, "tok")
	gw.Start()
	h, _ := startWithNanobot(t, gw)
	a := h.dial(t)
	waitOnline(t, a, "nano")
	chat := str(a.request(map[string]any{"type": "new_chat", "agent": "nano"}), "chat_id")
	a.sendMessage(chat, "drop")
	evs := a.collectTurn()
	end := eventsOf(evs, "turn_end")[0]
	if str(end, "status") != "interrupted" || !strings.Contains(str(end, "error"), "nano disconnected") {
		t.Errorf("turn_end %v", end)
	}
	if se := eventsOf(evs, "stream_end"); len(se) != 1 || str(se[0], "text") != "Half an ans" {
		t.Errorf("stream_end %v", se)
	}
	if !contains(names(evs), "agent_offline") {
		a.expect("agent_offline")
	}
	a.expect("agent_online")
	a.sendMessage(chat, "back")
	if se := eventsOf(a.collectTurn(), "stream_end"); len(se) != 1 || !strings.Contains(str(se[0], "text"), "Found 3 matches for back.") {
		t.Errorf("after reconnecting: %v", se)
	}
}

// A gateway that is down when Hearth starts: the agent is listed offline
// and its chats' turns say so; once the gateway is up it comes online.
func TestNanobotBridgeUnreachableAtStart(t *testing.T) {
	gw := nanobottest.New(t, "")
	h, _ := startWithNanobot(t, gw)
	a := h.dial(t)
	list := a.request(map[string]any{"type": "list_agents"})
	if items, _ := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["online"] != false {
		t.Fatalf("agents while nanobot is down: %v", list)
	}
	chat := str(a.request(map[string]any{"type": "new_chat", "agent": "nano"}), "chat_id")
	a.sendMessage(chat, "hello?")
	if end := eventsOf(a.collectTurn(), "turn_end")[0]; str(end, "status") != "error" || !strings.Contains(str(end, "error"), "agent nano is not connected") {
		t.Errorf("turn while nanobot is down: %v", end)
	}
	gw.Start()
	if ev := a.expect("agent_online"); str(ev, "name") != "nano" {
		t.Fatalf("online: %v", ev)
	}
	a.sendMessage(chat, "now?")
	if se := eventsOf(a.collectTurn(), "stream_end"); len(se) != 1 || !strings.HasSuffix(str(se[0], "text"), "now?.") {
		t.Errorf("once nanobot is up: %v", se)
	}
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}
