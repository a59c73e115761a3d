package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// frameOf is a stored frame as the engine writes it.
func frameOf(kind, chatID string, seq int64, callID string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"event":%q,"chat_id":%q,"seq":%d,"turn_id":"t","call_id":%q}`, kind, chatID, seq, callID))
}

func TestToolEventsStoredReadAndForked(t *testing.T) {
	s, _ := openTest(t)
	h := newChatTree(t, s, NewChat{Title: "tools"})
	q := h.ask("list my files")
	a := h.start(q.ID)
	kinds := []string{EventToolCall, EventApprovalRequest, EventApprovalResolved, EventToolResult}
	var seqs []int64
	for i, k := range kinds {
		seq := h.next()
		seqs = append(seqs, seq)
		ev := Event{ChatID: h.chat, Seq: seq, MessageID: a.ID, Kind: k, CallID: "c1", Step: 0, At: 3 + i,
			Data: frameOf(k, h.chat, seq, "c1")}
		if err := s.AppendEvent(h.ctx, ev); err != nil {
			t.Fatalf("AppendEvent %s: %v", k, err)
		}
	}
	// Stored as they happen: a streaming answer already has them.
	m, err := s.GetMessage(h.ctx, a.ID)
	if err != nil || len(m.Events) != 4 {
		t.Fatalf("streaming answer events = %+v, %v", m.Events, err)
	}
	h.finish(a, "Here they are.", StatusDone)

	reads := map[string]func() ([]Message, error){
		"History":           func() ([]Message, error) { ms, _, err := s.History(h.ctx, h.chat, 0, 10); return ms, err },
		"ActivePath":        func() ([]Message, error) { return s.ActivePath(h.ctx, h.chat) },
		"Transcript":        func() ([]Message, error) { return s.Transcript(h.ctx, h.chat) },
		"MessagesSincePage": func() ([]Message, error) { return s.MessagesSincePage(h.ctx, h.chat, 0, 0, 10) },
		"PathTo":            func() ([]Message, error) { ms, _, err := s.PathTo(h.ctx, h.chat, a.ID, 0, 10); return ms, err },
	}
	for name, read := range reads {
		ms, err := read()
		if err != nil || len(ms) != 2 {
			t.Fatalf("%s = %d messages, %v", name, len(ms), err)
		}
		if len(ms[0].Events) != 0 {
			t.Errorf("%s: the question has events %+v", name, ms[0].Events)
		}
		var got []string
		for i, ev := range ms[1].Events {
			got = append(got, ev.Kind)
			if ev.Seq != seqs[i] || ev.At != 3+i || ev.CallID != "c1" || ev.MessageID != a.ID {
				t.Errorf("%s: event %d = %+v", name, i, ev)
			}
		}
		if !reflect.DeepEqual(got, kinds) {
			t.Errorf("%s: kinds %v, want %v", name, got, kinds)
		}
	}

	// A fork numbers everything anew; the events move with their answer,
	// each frame rewritten for its new chat and seq, in order between the
	// answer's start and its end.
	fork, err := s.ForkChat(h.ctx, h.chat, a.ID, "fork")
	if err != nil {
		t.Fatal(err)
	}
	fp, err := s.ActivePath(h.ctx, fork.ID)
	if err != nil || len(fp) != 2 || len(fp[1].Events) != 4 {
		t.Fatalf("fork path = %+v, %v", fp, err)
	}
	prev := fp[1].Seq
	for _, ev := range fp[1].Events {
		var f struct {
			ChatID string `json:"chat_id"`
			Seq    int64  `json:"seq"`
			CallID string `json:"call_id"`
		}
		if err := json.Unmarshal(ev.Data, &f); err != nil {
			t.Fatal(err)
		}
		if ev.ChatID != fork.ID || f.ChatID != fork.ID || f.Seq != ev.Seq || f.CallID != "c1" || ev.Seq <= prev || ev.Seq >= fp[1].StreamEndSeq {
			t.Errorf("forked event %+v (frame %+v), answer %d..%d", ev, f, fp[1].Seq, fp[1].StreamEndSeq)
		}
		prev = ev.Seq
	}

	// Deleting the chat takes its events along.
	if err := s.DeleteChat(h.ctx, h.chat); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT count(*) FROM message_events WHERE chat_id = ?`, h.chat); n != 0 {
		t.Errorf("%d events outlive their chat", n)
	}
	if n := count(t, s, `SELECT count(*) FROM message_events WHERE chat_id = ?`, fork.ID); n != 4 {
		t.Errorf("the fork kept %d events", n)
	}
}

func TestAppendEventRefusesBadInput(t *testing.T) {
	s, _ := openTest(t)
	h := newChatTree(t, s, NewChat{})
	a := h.start(h.ask("q").ID)
	ctx := context.Background()
	if err := s.AppendEvent(ctx, Event{ChatID: h.chat, Seq: 90, MessageID: a.ID, Kind: EventToolCall, CallID: "c", Data: json.RawMessage(`{`)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad JSON: %v", err)
	}
	if err := s.AppendEvent(ctx, Event{ChatID: h.chat, Seq: 91, MessageID: a.ID, Kind: "telepathy", CallID: "c", Data: json.RawMessage(`{}`)}); err == nil {
		t.Error("an unknown kind was stored")
	}
	ok := Event{ChatID: h.chat, Seq: 92, MessageID: a.ID, Kind: EventToolCall, CallID: "c", Data: json.RawMessage(`{}`)}
	if err := s.AppendEvent(ctx, ok); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvent(ctx, ok); err == nil {
		t.Error("two events with one seq")
	}
}

func TestToolGrants(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	c1 := mustChat(t, s, NewChat{ToolsOff: []string{"web"}})
	c2 := mustChat(t, s, NewChat{})
	if !reflect.DeepEqual(c1.ToolsOff, []string{"web"}) || len(c2.ToolsOff) != 0 {
		t.Fatalf("tools_off %v %v", c1.ToolsOff, c2.ToolsOff)
	}
	got, err := s.UpdateChat(ctx, c2.ID, ChatPatch{ToolsOff: &[]string{"fs", "web"}})
	if err != nil || !reflect.DeepEqual(got.ToolsOff, []string{"fs", "web"}) {
		t.Fatalf("UpdateChat tools_off = %v, %v", got.ToolsOff, err)
	}
	granted := func(chat, server, tool, want string) {
		t.Helper()
		if g, err := s.Granted(ctx, chat, server, tool); err != nil || g != want {
			t.Errorf("Granted(%s, %s/%s) = %q, %v; want %q", chat, server, tool, g, err, want)
		}
	}
	granted(c1.ID, "fs", "read", "")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Grant(ctx, ToolGrant{ChatID: c1.ID, Server: "fs", Tool: "read"}))
	granted(c1.ID, "fs", "read", "chat")
	granted(c2.ID, "fs", "read", "")
	must(s.Grant(ctx, ToolGrant{Server: "fs", Tool: "read"}))
	must(s.Grant(ctx, ToolGrant{Server: "fs", Tool: "read"})) // again: kept once
	granted(c2.ID, "fs", "read", "always")
	gs, err := s.Grants(ctx)
	if err != nil || len(gs) != 1 || gs[0].Server != "fs" || gs[0].Tool != "read" || gs[0].CreatedAt.IsZero() {
		t.Fatalf("Grants = %+v, %v", gs, err)
	}
	must(s.Revoke(ctx, ToolGrant{Server: "fs", Tool: "read"}))
	granted(c2.ID, "fs", "read", "")
	granted(c1.ID, "fs", "read", "chat")
	wantErr(t, s.Revoke(ctx, ToolGrant{Server: "fs", Tool: "read"}), ErrNotFound)
	// A chat's grants go with it.
	must(s.DeleteChat(ctx, c1.ID))
	if n := count(t, s, `SELECT count(*) FROM chat_tool_grants`); n != 0 {
		t.Errorf("%d chat grants outlive their chat", n)
	}
}
