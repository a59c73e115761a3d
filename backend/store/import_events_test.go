package store

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
)

// importFrame is a tool frame as an export's import builds it: chat_id,
// seq and turn_id are whatever the file's chat had.
func importFrame(kind, callID string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"event":%q,"chat_id":"elsewhere","seq":77,"turn_id":"t-old","call_id":%q,"name":"echo"}`, kind, callID))
}

type evFrame struct {
	Event  string `json:"event"`
	ChatID string `json:"chat_id"`
	Seq    int64  `json:"seq"`
	TurnID string `json:"turn_id"`
	CallID string `json:"call_id"`
	Name   string `json:"name"`
}

// checkToolAnswer checks that m carries want (kind, call, step, at) in
// order, each event numbered between the answer's start and its stream
// end, its frame rewritten for chat, seq and m's turn.
func checkToolAnswer(t *testing.T, where string, m Message, chat string, want []Event) {
	t.Helper()
	if len(m.Events) != len(want) {
		t.Fatalf("%s: %d events, want %d: %+v", where, len(m.Events), len(want), m.Events)
	}
	if m.TurnID == "" {
		t.Errorf("%s: the answer has no turn id", where)
	}
	prev := m.Seq
	for i, ev := range m.Events {
		w := want[i]
		if ev.Kind != w.Kind || ev.CallID != w.CallID || ev.Step != w.Step || ev.At != w.At || ev.ChatID != chat || ev.MessageID != m.ID {
			t.Errorf("%s: event %d = %+v, want %s %s step %d at %d", where, i, ev, w.Kind, w.CallID, w.Step, w.At)
		}
		if ev.Seq <= prev || ev.Seq >= m.StreamEndSeq {
			t.Errorf("%s: event %d has seq %d, not between %d and the stream end %d", where, i, ev.Seq, prev, m.StreamEndSeq)
		}
		prev = ev.Seq
		var f evFrame
		if err := json.Unmarshal(ev.Data, &f); err != nil {
			t.Fatal(err)
		}
		if f.Event != w.Kind || f.ChatID != chat || f.Seq != ev.Seq || f.TurnID != m.TurnID || f.CallID != w.CallID || f.Name != "echo" {
			t.Errorf("%s: frame %d = %+v (turn %q)", where, i, f, m.TurnID)
		}
	}
}

// An import stores each answer's tool events as a turn that ran here would
// have: in their order, numbered inside the answer, their frames rewritten
// for the new chat and the answer's own turn id; reads, the export's read
// and a fork see them.
func TestImportStoresToolEvents(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	ev := func(kind, call string, step, at int) Event {
		return Event{Kind: kind, CallID: call, Step: step, At: at, Data: importFrame(kind, call)}
	}
	first := []Event{
		ev(EventToolCall, "c1", 0, 7), ev(EventToolResult, "c1", 0, 7),
		ev(EventToolCall, "c2", 0, 7), ev(EventApprovalRequest, "c2", 0, 7),
		ev(EventApprovalResolved, "c2", 0, 7), ev(EventToolResult, "c2", 0, 7),
		ev(EventToolCall, "c3", 1, 14), ev(EventToolResult, "c3", 1, 14),
	}
	second := []Event{ev(EventToolCall, "c9", 0, 0), ev(EventToolResult, "c9", 0, 0)}
	msgs := []Message{
		{Role: RoleUser, Content: "look it up", Status: StatusDone},
		{Role: RoleAssistant, Content: "Voilà: first, then done.", Reasoning: "hmm", Status: StatusDone, Events: first},
		{Role: RoleAssistant, Content: "Again.", Status: StatusDone, Events: second},
	}
	out, err := s.ImportChatTree(ctx, Chat{Title: "tools"}, msgs, ImportTree{Parents: []int{-1, 0, 0}, ActiveLeaf: 2})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := s.ReadChatTree(ctx, out.ID)
	if err != nil || len(tree.Messages) != 3 {
		t.Fatalf("ReadChatTree = %+v, %v", tree, err)
	}
	a1, a2 := tree.Messages[1], tree.Messages[2]
	checkToolAnswer(t, "first answer", a1, out.ID, first)
	checkToolAnswer(t, "second answer", a2, out.ID, second)
	if a1.TurnID == a2.TurnID {
		t.Errorf("two imported answers share the turn id %q", a1.TurnID)
	}
	if a1.ReasoningEndSeq >= a1.Events[0].Seq || a2.Seq <= a1.EndSeq || out.LastSeq != a2.EndSeq {
		t.Errorf("seqs: answer %+v, second %+v, chat last_seq %d", a1, a2, out.LastSeq)
	}
	path, err := s.ActivePath(ctx, out.ID)
	if err != nil || len(path) != 2 {
		t.Fatalf("ActivePath = %+v, %v", path, err)
	}
	checkToolAnswer(t, "active path", path[1], out.ID, second)
	if n := count(t, s, `SELECT count(*) FROM message_events WHERE chat_id = ?`, out.ID); n != len(first)+len(second) {
		t.Errorf("%d events stored", n)
	}

	// A fork of the imported chat keeps them.
	fork, err := s.ForkChat(ctx, out.ID, a1.ID, "fork")
	if err != nil {
		t.Fatal(err)
	}
	fp, err := s.ActivePath(ctx, fork.ID)
	if err != nil || len(fp) != 2 {
		t.Fatalf("fork path = %+v, %v", fp, err)
	}
	checkToolAnswer(t, "fork", fp[1], fork.ID, first)
	if fp[1].TurnID != a1.TurnID {
		t.Errorf("the fork's answer has turn %q, the original %q", fp[1].TurnID, a1.TurnID)
	}
}

// Tool events an import could not store as the engine writes them are
// refused, and nothing is written.
func TestImportRefusesBadToolEvents(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	call := Event{Kind: EventToolCall, CallID: "c1", Data: importFrame(EventToolCall, "c1")}
	with := func(role string, ev Event) []Message {
		return []Message{{Role: RoleUser, Content: "q"}, {Role: role, Content: "answer", Events: []Event{ev}}}
	}
	bad := map[string][]Message{
		"on a question":   with(RoleUser, call),
		"unknown kind":    with(RoleAssistant, Event{Kind: "telepathy", CallID: "c1", Data: json.RawMessage(`{}`)}),
		"frame not JSON":  with(RoleAssistant, Event{Kind: EventToolCall, CallID: "c1", Data: json.RawMessage(`{`)}),
		"frame no object": with(RoleAssistant, Event{Kind: EventToolCall, CallID: "c1", Data: json.RawMessage(`[1]`)}),
		"no call id":      with(RoleAssistant, Event{Kind: EventToolCall, Data: importFrame(EventToolCall, "")}),
		"past the text":   with(RoleAssistant, Event{Kind: EventToolCall, CallID: "c1", At: 7, Data: call.Data}),
		"negative step":   with(RoleAssistant, Event{Kind: EventToolCall, CallID: "c1", Step: -1, Data: call.Data}),
	}
	before := count(t, s, `SELECT count(*) FROM chats`)
	for name, msgs := range bad {
		_, err := s.ImportChat(ctx, Chat{Title: name}, msgs)
		wantErr(t, err, ErrInvalid)
	}
	if n := count(t, s, `SELECT count(*) FROM chats`); n != before {
		t.Errorf("refused imports left %d chats", n-before)
	}
	if n := count(t, s, `SELECT count(*) FROM message_events`); n != 0 {
		t.Errorf("refused imports left %d events", n)
	}
}
