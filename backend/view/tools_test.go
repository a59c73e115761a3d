package view

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

func stored(ev protocol.Event) store.Event {
	b, _ := json.Marshal(ev)
	return store.Event{Seq: ev.Seq, CallID: ev.CallID, Data: b}
}

// Tools folds each call's events into one record, in call order, and
// skips what it cannot read.
func TestToolsFold(t *testing.T) {
	exp := time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)
	c1 := protocol.ToolCall{CallID: "a", Server: "fs", Name: "write", Arguments: json.RawMessage(`{"p":1}`), Offset: 7}
	c2 := protocol.ToolCall{CallID: "b", Server: "fs", Name: "read", Arguments: json.RawMessage(`{}`), Offset: 7, AllowedBy: protocol.AllowedAlways}
	evs := []store.Event{
		stored(protocol.ToolCallEvent("c", 10, "t", c1)),
		stored(protocol.ToolCallEvent("c", 11, "t", c2)),
		{Seq: 12, Data: json.RawMessage(`{not json`)},
		stored(protocol.ApprovalRequest("c", 13, "t", c1, protocol.ToolHints{Destructive: true}, exp)),
		stored(protocol.ToolResult("c", 14, "t", "b", protocol.ToolOK, "text", nil, 5)),
		stored(protocol.ApprovalResolved("c", 15, "t", "a", protocol.DecisionDeny, "bob")),
		stored(protocol.ToolResult("c", 16, "t", "a", protocol.ToolDenied, "declined", nil, 0)),
		stored(protocol.ToolResult("c", 17, "t", "zzz", protocol.ToolOK, "orphan", nil, 0)),
	}
	got := Tools(evs)
	if len(got) != 2 {
		t.Fatalf("Tools = %+v", got)
	}
	a, b := got[0], got[1]
	if a.CallID != "a" || a.Seq != 10 || a.Offset != 7 || a.Status != protocol.ToolDenied || a.Content != "declined" ||
		a.Approval == nil || !a.Approval.Hints.Destructive || !a.Approval.ExpiresAt.Equal(exp) || a.Approval.Decision != "deny" || a.Approval.By != "bob" {
		t.Errorf("first call %+v (approval %+v)", a, a.Approval)
	}
	if b.CallID != "b" || b.AllowedBy != "always" || b.Approval != nil || b.Status != "ok" || b.DurationMS != 5 || string(b.Arguments) != `{}` {
		t.Errorf("second call %+v", b)
	}
	if Tools(nil) != nil {
		t.Error("no events, no calls")
	}
}
