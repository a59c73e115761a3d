package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/protocol"
)

func TestParseDecision(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"o", "once", true}, {" Once\n", "once", true}, {"y", "once", true},
		{"c", "chat", true}, {"chat", "chat", true},
		{"a", "always", true}, {"ALWAYS", "always", true},
		{"d", "deny", true}, {"no", "deny", true},
		{"", "", false}, {"maybe", "", false}, {"od", "", false},
	} {
		got, ok := parseDecision(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseDecision(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestToolLines(t *testing.T) {
	if got := callLine("fs", "read", json.RawMessage(`{ "path" : "/a" }`)); got != `fs.read({"path":"/a"})` {
		t.Errorf("callLine = %q", got)
	}
	long := callLine("fs", "write", json.RawMessage(`{"text":"`+strings.Repeat("x", 300)+`"}`))
	if !strings.HasSuffix(long, "…)") || len(long) > 230 {
		t.Errorf("long callLine = %q", long)
	}
	if got := callLine("", "teleport", json.RawMessage(`"not json {"`)); got != `teleport("not json {")` {
		t.Errorf("unknown tool line = %q", got)
	}
	for _, tt := range []struct {
		h    *protocol.ToolHints
		want string
	}{
		{nil, "does not say"},
		{&protocol.ToolHints{ReadOnly: true}, "only reads"},
		{&protocol.ToolHints{Destructive: true}, "change or delete"},
		{&protocol.ToolHints{}, "not delete"},
	} {
		if got := hintWords(tt.h); !strings.Contains(got, tt.want) {
			t.Errorf("hintWords(%+v) = %q", tt.h, got)
		}
	}
	if got := resultLine("ok", 42, "first\nsecond"); got != "  ← ok (42 ms) first …" {
		t.Errorf("resultLine = %q", got)
	}
}

// The prompt asks one call at a time, re-asks on a bad answer, and drops a
// request answered elsewhere.
func TestApprovalsQueue(t *testing.T) {
	var out bytes.Buffer
	var sent []string
	a := &approvals{in: strings.NewReader(""), out: &out, send: func(id, d string) { sent = append(sent, id+"="+d) }}
	a.ask(protocol.Event{CallID: "c1", Server: "fs", Name: "read"})
	a.ask(protocol.Event{CallID: "c2", Server: "fs", Name: "write", Hints: &protocol.ToolHints{Destructive: true}})
	if n := strings.Count(out.String(), "Allow "); n != 1 {
		t.Fatalf("%d prompts before an answer:\n%s", n, out.String())
	}
	a.answer("huh")
	a.answer("c")
	if !strings.Contains(out.String(), "answer o, c, a or d") || !strings.Contains(out.String(), "Allow fs.write") {
		t.Errorf("output:\n%s", out.String())
	}
	a.resolved("c2") // answered in the app
	a.answer("d")    // nothing waits: ignored
	if strings.Join(sent, " ") != "c1=chat" {
		t.Errorf("sent %v", sent)
	}
}
