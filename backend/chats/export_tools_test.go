package chats

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/view"
)

// A UTF-16 offset (a JavaScript string index, as clients place a call)
// becomes the byte offset of the same place, never inside a character and
// never past the text.
func TestByteOffset(t *testing.T) {
	s := "Voilà 🔥 ok" // à: 2 bytes 1 unit; 🔥: 4 bytes 2 units
	for _, c := range []struct{ units, want int }{
		{0, 0}, {5, 6}, {6, 7}, {7, 7}, {8, 11}, {9, 12}, {11, 14}, {99, len(s)}, {-1, 0},
	} {
		if got := byteOffset(s, c.units); got != c.want {
			t.Errorf("byteOffset(%d) = %d, want %d", c.units, got, c.want)
		}
	}
	if got := byteOffset("a\xffb", 2); got != 2 {
		t.Errorf("an invalid byte counts as one unit: %d", got)
	}
}

func call(id, name string, offset int, step *int) ExportToolCall {
	return ExportToolCall{ToolCall: protocol.ToolCall{CallID: id, Server: "t", Name: name, Arguments: json.RawMessage(`{"text":"hi"}`),
		Offset: offset, Status: protocol.ToolOK, Content: "echo: hi"}, Step: step}
}

// The events rebuilt from a file's tools are the frames the engine sends,
// and fold back into the same calls.
func TestImportEventsRebuildsTheFrames(t *testing.T) {
	content := "Voilà 🔥 then more"
	expires := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	asked := call("c2", "fail", 9, nil)
	asked.Status, asked.Content = protocol.ToolError, "it broke"
	asked.Approval = &protocol.Approval{Hints: protocol.ToolHints{Destructive: true}, ExpiresAt: expires, Decision: protocol.DecisionOnce, By: "bob"}
	waiting := call("c4", "echo", 13, nil)
	waiting.Status, waiting.Content = "", ""
	waiting.Approval = &protocol.Approval{ExpiresAt: expires}
	m := ExportMessage{Role: protocol.RoleAssistant, Content: content, Tools: []ExportToolCall{
		call("c1", "echo", 9, nil), asked, call("c3", "echo", 13, nil), waiting, call("c5", "echo", 13, nil),
	}}
	m.Tools[0].AllowedBy = protocol.AllowedAutoApprove
	evs, err := importEvents(1, m)
	if err != nil {
		t.Fatal(err)
	}
	type place struct {
		kind, call string
		step, at   int
	}
	want := []place{
		{store.EventToolCall, "c1", 0, 12}, {store.EventToolResult, "c1", 0, 12},
		{store.EventToolCall, "c2", 0, 12}, {store.EventApprovalRequest, "c2", 0, 12},
		{store.EventApprovalResolved, "c2", 0, 12}, {store.EventToolResult, "c2", 0, 12},
		{store.EventToolCall, "c3", 1, 16}, {store.EventToolResult, "c3", 1, 16},
		{store.EventToolCall, "c4", 1, 16}, {store.EventApprovalRequest, "c4", 1, 16},
		{store.EventToolCall, "c5", 1, 16}, {store.EventToolResult, "c5", 1, 16},
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(evs), len(want), evs)
	}
	for i, ev := range evs {
		var f protocol.Event
		if err := json.Unmarshal(ev.Data, &f); err != nil {
			t.Fatal(err)
		}
		if got := (place{ev.Kind, ev.CallID, ev.Step, ev.At}); got != want[i] || f.Event != ev.Kind || f.CallID != ev.CallID {
			t.Errorf("event %d = %+v (frame %s), want %+v", i, got, ev.Data, want[i])
		}
		if content[:ev.At] != "Voilà 🔥 " && content[:ev.At] != "Voilà 🔥 then" {
			t.Errorf("event %d stands after %q", i, content[:ev.At])
		}
	}
	// The tool_call frame is the engine's.
	tc := call("c1", "echo", 9, nil).ToolCall
	tc.AllowedBy = protocol.AllowedAutoApprove
	if got, want := string(evs[0].Data), string(protocol.Encode(protocol.ToolCallEvent("", 0, "", tc))); got != want {
		t.Errorf("tool_call frame %s, want %s", got, want)
	}

	// Folded back (as history and the export read them), the calls are the file's.
	got := view.Tools(evs)
	if len(got) != 5 {
		t.Fatalf("folded into %d calls", len(got))
	}
	for i, c := range got {
		w := m.Tools[i].ToolCall
		wj, _ := json.Marshal(w)
		gj, _ := json.Marshal(c)
		if string(wj) != string(gj) {
			t.Errorf("call %d folds back as %s, want %s", i, gj, wj)
		}
	}

	// Steps from the file win over offsets.
	zero, one := 0, 1
	m.Tools = []ExportToolCall{call("a", "echo", 0, &zero), call("b", "echo", 0, &one), call("c", "echo", 0, &one)}
	evs, _ = importEvents(1, m)
	if evs[0].Step != 0 || evs[2].Step != 1 || evs[4].Step != 1 {
		t.Errorf("steps %d %d %d, want 0 1 1", evs[0].Step, evs[2].Step, evs[4].Step)
	}
}

// A tools entry that cannot be a call refuses the file, naming the message
// and the entry.
func TestImportEventsRefusesBrokenCalls(t *testing.T) {
	neg := -1
	for name, c := range map[string]struct {
		role   string
		tools  []ExportToolCall
		reason string
	}{
		"no call_id":      {protocol.RoleAssistant, []ExportToolCall{call(" ", "echo", 0, nil)}, protocol.ReasonMissingField},
		"no name":         {protocol.RoleAssistant, []ExportToolCall{call("c", "", 0, nil)}, protocol.ReasonMissingField},
		"twice":           {protocol.RoleAssistant, []ExportToolCall{call("c", "echo", 0, nil), call("c", "echo", 0, nil)}, protocol.ReasonInvalidField},
		"negative offset": {protocol.RoleAssistant, []ExportToolCall{call("c", "echo", -2, nil)}, protocol.ReasonInvalidField},
		"negative step":   {protocol.RoleAssistant, []ExportToolCall{call("c", "echo", 0, &neg)}, protocol.ReasonInvalidField},
		"on a question":   {protocol.RoleUser, []ExportToolCall{call("c", "echo", 0, nil)}, protocol.ReasonInvalidField},
		"unknown status":  {protocol.RoleAssistant, []ExportToolCall{func() ExportToolCall { c := call("c", "echo", 0, nil); c.Status = "meh"; return c }()}, protocol.ReasonInvalidField},
		"unknown decision": {protocol.RoleAssistant, []ExportToolCall{func() ExportToolCall {
			c := call("c", "echo", 0, nil)
			c.Approval = &protocol.Approval{Decision: "maybe"}
			return c
		}()}, protocol.ReasonInvalidField},
	} {
		_, err := importEvents(3, ExportMessage{Role: c.role, Content: "x", Tools: c.tools})
		var pe *protocol.Error
		if !errors.As(err, &pe) || pe.Reason != c.reason || !strings.HasPrefix(pe.Detail, "message 3") {
			t.Errorf("%s: %v, want %s naming message 3", name, err, c.reason)
		}
	}
}

// Markdown shows each call as a line at its place in its answer, its text
// in code spans so nothing in it reads as HTML.
func TestMarkdownShowsToolCallsInPlace(t *testing.T) {
	zero := 0
	denied := call("c2", "write", 9, &zero)
	denied.Arguments = json.RawMessage(`{"path": "<script>x</script>", "n": "` + strings.Repeat("y", 200) + `"}`)
	denied.Status, denied.Content = protocol.ToolDenied, "The user declined to run write.\nDo not call it again."
	pending := call("c3", "echo", 99, nil)
	pending.Status, pending.Content, pending.Arguments = "", "", json.RawMessage(`{"t":"a`+"`"+`b"}`)
	leaf := 1
	doc := ExportDoc{Format: ExportFormat, Chat: ExportChat{Chat: protocol.Chat{Title: "T"}, ActiveLeaf: &leaf}, Messages: []ExportMessage{
		{Role: protocol.RoleUser, Content: "go"},
		{Role: protocol.RoleAssistant, Content: "Looking. Then done.", Status: protocol.StatusDone, Tools: []ExportToolCall{call("c1", "echo", 9, &zero), denied, pending}},
	}}
	doc.Messages[1].Parent = new(int)
	md := Markdown(doc)
	want := "Looking.\n\n" +
		"> 🔧 `t.echo({\"text\":\"hi\"})` → ok: `echo: hi`\n\n" +
		"> 🔧 `t.write({\"path\":\"<script>x</script>\",\"n\":\"" + strings.Repeat("y", 86) + "…)` → denied: `The user declined to run write.`\n\n" +
		"Then done.\n\n" +
		"> 🔧 ``t.echo({\"t\":\"a`b\"})`` → not finished\n\n"
	if !strings.Contains(md, want) {
		t.Errorf("markdown:\n%s\nwant it to hold:\n%s", md, want)
	}
}
