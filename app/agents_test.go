package app

import (
	"fmt"

	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/config"
)

// agentConn is a test agent on the socket: a raw connection that registers
// and answers turn_requests as the test scripts.
func (h *testHearth) agent(t *testing.T, name string) *wsc {
	t.Helper()
	a := h.dial(t)
	ev := a.request(map[string]any{"type": "register_agent", "name": name, "description": "a test agent"})
	if ev["event"] != "agent_registered" || ev["name"] != name {
		t.Fatalf("register_agent: %v", ev)
	}
	return a
}

func (c *wsc) agentFrame(typ, turnID string, fields map[string]any) {
	f := map[string]any{"type": typ, "turn_id": turnID}
	for k, v := range fields {
		f[k] = v
	}
	c.send(f)
}

// An agent answers a chat bound to it, watched by two clients: its frames
// become the chat's events with seqs, the answer is stored, and the
// history it is sent is the chat's.
func TestAgentAnswersAChat(t *testing.T) {
	h := startHearth(t)
	ag := h.agent(t, "echo-bot")
	a, b := h.dial(t), h.dial(t)
	ev := a.request(map[string]any{"type": "new_chat", "agent": "echo-bot"})
	chat := str(ev, "chat_id")
	if c, _ := ev["chat"].(map[string]any); c["agent"] != "echo-bot" {
		t.Fatalf("new chat %v", ev)
	}
	b.attach(chat, nil)
	list := a.request(map[string]any{"type": "list_agents"})
	items, _ := list["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["online"] != true || items[0].(map[string]any)["description"] != "a test agent" {
		t.Fatalf("agents %v", list)
	}

	a.sendMessage(chat, "hello agent")
	req := ag.expect("turn_request")
	turn := str(req, "turn_id")
	msgs, _ := req["messages"].([]any)
	if str(req, "chat_id") != chat || len(msgs) != 1 || msgs[0].(map[string]any)["content"] != "hello agent" {
		t.Fatalf("turn_request %v", req)
	}
	ag.agentFrame("reasoning_delta", turn, map[string]any{"text": "thinking"})
	ag.agentFrame("reasoning_end", turn, nil)
	ag.agentFrame("delta", turn, map[string]any{"text": "hello "})
	ag.agentFrame("tool_call", turn, map[string]any{"call_id": "g1", "name": "grep", "arguments": map[string]any{"q": "x"}})
	ag.agentFrame("tool_result", turn, map[string]any{"call_id": "g1", "content": "found"})
	ag.agentFrame("delta", turn, map[string]any{"text": "human"})
	ag.agentFrame("turn_end", turn, map[string]any{"status": "done", "usage": map[string]any{"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})
	for _, c := range []*wsc{a, b} {
		evs := c.collectTurn()
		var got []string
		var prev int64
		for _, e := range evs {
			switch e["event"] {
			case "turn_start", "reasoning_delta", "reasoning_end", "delta", "tool_call", "tool_result", "stream_end", "turn_end":
				got = append(got, str(e, "event"))
				if seqOf(e) <= prev {
					t.Errorf("seq %d after %d", seqOf(e), prev)
				}
				prev = seqOf(e)
			}
		}
		want := "turn_start reasoning_delta reasoning_end delta tool_call tool_result delta stream_end turn_end"
		if strings.Join(got, " ") != want {
			t.Errorf("events %q, want %q", strings.Join(got, " "), want)
		}
		if s := str(eventsOf(evs, "turn_start")[0], "model"); s != "echo-bot" {
			t.Errorf("turn_start model %q", s)
		}
		if se := eventsOf(evs, "stream_end")[0]; str(se, "text") != "hello human" {
			t.Errorf("stream_end %v", se)
		}
		if tc := eventsOf(evs, "tool_call")[0]; str(tc, "server") != "echo-bot" || tc["offset"] != float64(6) {
			t.Errorf("tool_call %v", tc)
		}
	}
	// The next turn's history carries the answer.
	a.sendMessage(chat, "again")
	req = ag.expect("turn_request")
	msgs, _ = req["messages"].([]any)
	if len(msgs) != 3 || msgs[1].(map[string]any)["content"] != "hello human" {
		t.Errorf("second history %v", msgs)
	}
	ag.agentFrame("turn_end", str(req, "turn_id"), nil)
	a.collectTurn()
}

// Frames for a turn that is not the agent's are refused and change
// nothing; a second agent never sees another's turns; a name is taken
// while its connection lives and free once it is gone.
func TestAgentBoundaries(t *testing.T) {
	h := startHearth(t)
	one := h.agent(t, "one")
	two := h.agent(t, "two")
	if ev := h.dial(t).request(map[string]any{"type": "register_agent", "name": "one"}); ev["reason"] != "name_taken" {
		t.Errorf("a second 'one': %v", ev)
	}
	a := h.dial(t)
	chat := str(a.request(map[string]any{"type": "new_chat", "agent": "one"}), "chat_id")
	a.sendMessage(chat, "for one")
	req := one.expect("turn_request")
	turn := str(req, "turn_id")
	if ev := two.request(map[string]any{"type": "delta", "turn_id": turn, "text": "intruder"}); ev["reason"] != "not_your_turn" {
		t.Errorf("another agent's frame: %v", ev)
	}
	if ev := one.request(map[string]any{"type": "delta", "turn_id": turn}); ev["reason"] != "missing_field" {
		t.Errorf("malformed frame: %v", ev)
	}
	if ev := one.request(map[string]any{"type": "approve", "chat_id": chat, "call_id": "x", "decision": "once"}); ev["reason"] != "not_your_turn" {
		t.Errorf("an agent approving: %v", ev)
	}
	if ev := one.request(map[string]any{"type": "delta", "turn_id": turn, "text": "mine", "req_id": "f1"}); ev["event"] != "frame_accepted" {
		t.Errorf("frame with req_id: %v", ev)
	}
	one.agentFrame("turn_end", turn, nil)
	evs := a.collectTurn()
	if se := eventsOf(evs, "stream_end"); str(se[0], "text") != "mine" {
		t.Errorf("answer %v", se)
	}
	// Two saw nothing of it.
	two.send(map[string]any{"type": "ping", "req_id": "p"})
	if _, seen := two.until("pong", 10*time.Second); len(eventsOf(seen, "turn_request")) != 0 {
		t.Errorf("agent two saw %v", names(seen))
	}

	// Offline: the turn ends with words naming the agent; the message is kept.
	one.ws.CloseNow()
	a.expect("agent_offline")
	a.sendMessage(chat, "anyone?")
	evs = a.collectTurn()
	end := eventsOf(evs, "turn_end")[0]
	if str(end, "status") != "error" || !strings.Contains(str(end, "error"), "agent one is not connected") {
		t.Errorf("offline turn_end %v", end)
	}
	hist := a.request(map[string]any{"type": "history", "chat_id": chat})
	items, _ := hist["items"].([]any)
	if q := items[len(items)-2].(map[string]any); q["content"] != "anyone?" {
		t.Errorf("the message was not kept: %v", q)
	}
	// The name is free again.
	back := h.agent(t, "one")
	a.expect("agent_online")
	a.sendMessage(chat, "back?")
	req = back.expect("turn_request")
	back.agentFrame("delta", str(req, "turn_id"), map[string]any{"text": "yes"})
	back.agentFrame("turn_end", str(req, "turn_id"), nil)
	a.collectTurn()
}

// Cancel reaches the agent; one that does not end the turn within the
// grace is ended by Hearth. A disconnect mid-turn ends it interrupted with
// what was streamed.
func TestAgentCancelAndDisconnect(t *testing.T) {
	h := startHearth(t)
	ag := h.agent(t, "slowpoke")
	a := h.dial(t)
	chat := str(a.request(map[string]any{"type": "new_chat", "agent": "slowpoke"}), "chat_id")

	a.sendMessage(chat, "go")
	turn := str(ag.expect("turn_request"), "turn_id")
	ag.agentFrame("delta", turn, map[string]any{"text": "part"})
	a.expect("delta")
	a.send(map[string]any{"type": "cancel", "chat_id": chat})
	if c := ag.expect("turn_cancel"); str(c, "turn_id") != turn {
		t.Errorf("turn_cancel %v", c)
	}
	ag.agentFrame("turn_end", turn, nil)
	evs := a.collectTurn()
	if end := eventsOf(evs, "turn_end")[0]; str(end, "status") != "cancelled" {
		t.Errorf("cancelled turn %v", end)
	}

	// An agent that ignores the cancel: Hearth ends the turn itself.
	a.sendMessage(chat, "again")
	turn = str(ag.expect("turn_request"), "turn_id")
	a.send(map[string]any{"type": "cancel", "chat_id": chat})
	ag.expect("turn_cancel")
	evs = a.collectTurn()
	if end := eventsOf(evs, "turn_end")[0]; str(end, "status") != "cancelled" {
		t.Errorf("ignored cancel %v", end)
	}
	if ev := ag.request(map[string]any{"type": "delta", "turn_id": turn, "text": "late"}); ev["reason"] != "not_your_turn" {
		t.Errorf("a frame after the end: %v", ev)
	}

	a.sendMessage(chat, "third")
	turn = str(ag.expect("turn_request"), "turn_id")
	ag.agentFrame("delta", turn, map[string]any{"text": "half an ans"})
	a.expect("delta")
	ag.ws.CloseNow()
	evs = a.collectTurn()
	end := eventsOf(evs, "turn_end")[0]
	if str(end, "status") != "interrupted" || !strings.Contains(str(end, "error"), "slowpoke disconnected") || str(eventsOf(evs, "stream_end")[0], "text") != "half an ans" {
		t.Errorf("disconnect: %v %v", end, eventsOf(evs, "stream_end"))
	}
}

// An agent asks for approval; a client answers; the agent hears the answer.
// Questions queued behind an agent's turn are answered in order, and a
// client joining late gets the running turn.
func TestAgentApprovalQueueAndLateJoin(t *testing.T) {
	h := startHearth(t)
	ag := h.agent(t, "careful")
	a := h.dial(t)
	chat := str(a.request(map[string]any{"type": "new_chat", "agent": "careful"}), "chat_id")
	a.sendMessage(chat, "delete stuff")
	turn := str(ag.expect("turn_request"), "turn_id")
	ag.agentFrame("approval_request", turn, map[string]any{"call_id": "rm1", "name": "rm", "arguments": map[string]any{"path": "/tmp/x"}})
	req := a.expect("approval_request")
	if str(req, "server") != "careful" || str(req, "name") != "rm" || str(req, "call_id") != "rm1" {
		t.Fatalf("approval_request %v", req)
	}
	// The agent cannot answer its own request.
	if ev := ag.request(map[string]any{"type": "approve", "chat_id": chat, "call_id": "rm1", "decision": "always"}); ev["reason"] != "not_your_turn" {
		t.Errorf("self-approval: %v", ev)
	}
	if ev := a.request(map[string]any{"type": "approve", "chat_id": chat, "call_id": "rm1", "decision": "deny"}); ev["event"] != "approve_accepted" {
		t.Fatalf("approve %v", ev)
	}
	res := ag.expect("approval_resolved")
	if str(res, "call_id") != "rm1" || str(res, "decision") != "deny" {
		t.Errorf("the agent heard %v", res)
	}

	// Two questions queue behind the running turn.
	a.send(map[string]any{"type": "message", "chat_id": chat, "content": "second", "queue": true})
	a.send(map[string]any{"type": "message", "chat_id": chat, "content": "third", "queue": true})
	late := h.dial(t)
	zero := int64(0)
	ag.agentFrame("delta", turn, map[string]any{"text": "not deleting"})
	a.expect("delta")
	rep := late.attach(chat, &zero)
	if d := eventsOf(rep, "delta"); len(d) == 0 || !strings.Contains(fmt.Sprint(d), "not deleting") {
		t.Errorf("late joiner's replay: %v", names(rep))
	}
	ag.agentFrame("turn_end", turn, nil)
	for _, want := range []string{"second", "third"} {
		req := ag.expect("turn_request")
		msgs, _ := req["messages"].([]any)
		if last := msgs[len(msgs)-1].(map[string]any); last["content"] != want {
			t.Fatalf("turn for %q got %v", want, last)
		}
		ag.agentFrame("delta", str(req, "turn_id"), map[string]any{"text": "re " + want})
		ag.agentFrame("turn_end", str(req, "turn_id"), nil)
	}
	var answersSeen []string
	for len(answersSeen) < 3 {
		ev, _ := late.until("stream_end", 20*time.Second)
		answersSeen = append(answersSeen, str(ev, "text"))
	}
	if strings.Join(answersSeen, "|") != "not deleting|re second|re third" {
		t.Errorf("answers in order: %v", answersSeen)
	}
}

// Regenerate asks the agent again; continue is refused in words (an agent
// has no prefill).
func TestAgentRegenerateAndContinue(t *testing.T) {
	h := startHearth(t)
	ag := h.agent(t, "again")
	a := h.dial(t)
	chat := str(a.request(map[string]any{"type": "new_chat", "agent": "again"}), "chat_id")
	a.sendMessage(chat, "q")
	turn := str(ag.expect("turn_request"), "turn_id")
	ag.agentFrame("delta", turn, map[string]any{"text": "first"})
	ag.agentFrame("turn_end", turn, nil)
	evs := a.collectTurn()
	answer := int64(eventsOf(evs, "turn_start")[0]["message_id"].(float64))
	if ev := a.request(map[string]any{"type": "continue", "chat_id": chat, "message_id": answer}); ev["reason"] != "not_supported" || !strings.Contains(str(ev, "detail"), "agent") {
		t.Errorf("continue: %v", ev)
	}
	a.send(map[string]any{"type": "regenerate", "chat_id": chat, "message_id": answer})
	req := ag.expect("turn_request")
	msgs, _ := req["messages"].([]any)
	if len(msgs) != 1 || msgs[0].(map[string]any)["content"] != "q" {
		t.Errorf("regenerate's history %v", msgs)
	}
	ag.agentFrame("delta", str(req, "turn_id"), map[string]any{"text": "second"})
	ag.agentFrame("turn_end", str(req, "turn_id"), nil)
	evs = a.collectTurn()
	if se := eventsOf(evs, "stream_end"); str(se[0], "text") != "second" {
		t.Errorf("regenerated %v", se)
	}
}

// An agent that registers without a description keeps the one Hearth
// knew (from the config).
func TestAgentKeepsItsConfiguredDescription(t *testing.T) {
	fake := llmtestNew(t)
	cfg := testConfig(t, fake)
	// A nanobot bridge that never reaches its gateway: known, offline.
	cfg.Agents = []config.AgentConfig{{Name: "quiet", Description: "configured words", NanobotURL: "ws://127.0.0.1:1/"}}
	h := startWith(t, cfg, fake)
	ag := h.dial(t)
	if ev := ag.request(map[string]any{"type": "register_agent", "name": "quiet"}); ev["event"] != "agent_registered" {
		t.Fatalf("register %v", ev)
	}
	list := ag.request(map[string]any{"type": "list_agents"})
	items, _ := list["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["description"] != "configured words" || items[0].(map[string]any)["online"] != true {
		t.Errorf("agents %v", list)
	}
}
