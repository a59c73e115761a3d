package server

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
)

// The translator finds tool events by their prefix, so protocol.Encode must
// keep writing the event name first.
func TestToolEventsStartWithTheirName(t *testing.T) {
	call := protocol.ToolCall{CallID: "c1", Server: "fs", Name: "read", Arguments: json.RawMessage(`{"path":"/a"}`)}
	for _, ev := range []protocol.Event{
		protocol.ToolCallEvent("ch", 1, "t", call),
		protocol.ApprovalRequest("ch", 2, "t", call, protocol.ToolHints{}, time.Unix(0, 0)),
		protocol.ApprovalResolved("ch", 3, "t", "c1", protocol.DecisionOnce, "k1"),
		protocol.ToolResult("ch", 4, "t", "c1", protocol.ToolOK, "x", nil, 5),
	} {
		if f := protocol.Encode(ev); !isToolEvent(f) {
			t.Errorf("%s is not found by its prefix: %s", ev.Event, f)
		}
	}
	for _, ev := range []protocol.Event{
		protocol.Delta("ch", 5, "t", `{"event":"tool_call"}`),
		protocol.StreamEnd("ch", 6, "t", "done"),
		protocol.TurnEnd("ch", 7, "t", protocol.StatusDone, 10, nil, ""),
		protocol.ToolGrants("", nil),
		protocol.Err("", protocol.ReasonNotFound, "tool_call"),
	} {
		if f := protocol.Encode(ev); isToolEvent(f) {
			t.Errorf("%s taken for a tool event: %s", ev.Event, f)
		}
	}
}

// Everything but the four tool events goes out byte for byte.
func TestNanobotShapeLeavesOtherFramesAlone(t *testing.T) {
	n := newNanobotShape()
	for _, f := range [][]byte{
		protocol.Encode(protocol.Delta("ch", 5, "t", `a "tool_call" in text`)),
		protocol.Encode(protocol.StreamEnd("ch", 6, "t", "answer")),
		protocol.Encode(protocol.TurnEnd("ch", 7, "t", protocol.StatusDone, 10, nil, "")),
		protocol.Encode(protocol.ToolGrants("r1", []protocol.ToolGrant{{Server: "fs", Tool: "read"}})),
		[]byte(`{"event":"tool_call",`), // not JSON: sent as it is rather than lost
		[]byte(`not json`),
	} {
		if got := n.translate(f); !bytes.Equal(got, f) {
			t.Errorf("changed:\n in  %s\n out %s", f, got)
		}
	}
}

// One chat's calls in the order a turn emits them, each mapped to the one
// frame a nanobot client renders.
func TestNanobotShapeTranslatesToolEvents(t *testing.T) {
	args := json.RawMessage(`{ "path" : "/home/u/notes.txt" }`)
	read := protocol.ToolCall{CallID: "c1", Server: "fs", Name: "read_file", Arguments: args}
	write := protocol.ToolCall{CallID: "c2", Server: "fs", Name: "write_file", Arguments: json.RawMessage(`{"path":"/tmp/x","text":"hi"}`)}
	expires := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	long := strings.Repeat("é", 300)
	steps := []struct {
		name string
		in   protocol.Event
		want string
	}{
		{"call", protocol.ToolCallEvent("ch", 10, "t1", read),
			`{"event":"message","chat_id":"ch","seq":10,"turn_id":"t1","kind":"tool_hint",
			  "text":"fs.read_file({\"path\":\"/home/u/notes.txt\"})",
			  "tool_events":[{"version":1,"phase":"start","call_id":"c1","name":"read_file","arguments":{"path":"/home/u/notes.txt"}}]}`},
		{"result ok", protocol.ToolResult("ch", 11, "t1", "c1", protocol.ToolOK, "line one\nline two", []protocol.ToolImage{{MIME: "image/png", URL: "data:"}}, 1234),
			`{"event":"message","chat_id":"ch","seq":11,"turn_id":"t1","kind":"progress",
			  "text":"fs.read_file done in 1.2 s (1 image)",
			  "tool_events":[{"version":1,"phase":"end","call_id":"c1","name":"read_file","arguments":{"path":"/home/u/notes.txt"},"result":"line one\nline two"}]}`},
		{"call waiting", protocol.ToolCallEvent("ch", 12, "t1", write),
			`{"event":"message","chat_id":"ch","seq":12,"turn_id":"t1","kind":"tool_hint",
			  "text":"fs.write_file({\"path\":\"/tmp/x\",\"text\":\"hi\"})",
			  "tool_events":[{"version":1,"phase":"start","call_id":"c2","name":"write_file","arguments":{"path":"/tmp/x","text":"hi"}}]}`},
		{"approval request", protocol.ApprovalRequest("ch", 13, "t1", write, protocol.ToolHints{Destructive: true}, expires),
			`{"event":"message","chat_id":"ch","seq":13,"turn_id":"t1","kind":"progress","call_id":"c2",
			  "text":"fs.write_file waits for approval in Hearth (the server says it may change or delete things)"}`},
		{"approval timed out", protocol.ApprovalResolved("ch", 14, "t1", "c2", protocol.DecisionDeny, protocol.ByTimeout),
			`{"event":"message","chat_id":"ch","seq":14,"turn_id":"t1","kind":"progress","call_id":"c2",
			  "text":"fs.write_file was not approved in time"}`},
		{"denied result", protocol.ToolResult("ch", 15, "t1", "c2", protocol.ToolDenied, "the user declined", nil, 0),
			`{"event":"message","chat_id":"ch","seq":15,"turn_id":"t1","kind":"progress",
			  "text":"fs.write_file: denied: not approved in time",
			  "tool_events":[{"version":1,"phase":"error","call_id":"c2","name":"write_file","arguments":{"path":"/tmp/x","text":"hi"},"error":"denied: not approved in time"}]}`},
		{"malformed arguments", protocol.ToolCallEvent("ch", 16, "t1", protocol.ToolCall{CallID: "c3", Server: "web", Name: "fetch", Arguments: json.RawMessage(`"{url: oops"`)}),
			`{"event":"message","chat_id":"ch","seq":16,"turn_id":"t1","kind":"tool_hint",
			  "text":"web.fetch(\"{url: oops\")",
			  "tool_events":[{"version":1,"phase":"start","call_id":"c3","name":"fetch","arguments":{}}]}`},
		{"user denies", protocol.ApprovalResolved("ch", 17, "t1", "c3", protocol.DecisionDeny, "k1"),
			`{"event":"message","chat_id":"ch","seq":17,"turn_id":"t1","kind":"progress","call_id":"c3",
			  "text":"web.fetch denied by the user"}`},
		{"denied by the user", protocol.ToolResult("ch", 18, "t1", "c3", protocol.ToolDenied, "the user declined", nil, 0),
			`{"event":"message","chat_id":"ch","seq":18,"turn_id":"t1","kind":"progress",
			  "text":"web.fetch: denied by the user",
			  "tool_events":[{"version":1,"phase":"error","call_id":"c3","name":"fetch","error":"denied by the user","arguments":{}}]}`},
		{"long arguments are cut in the text only", protocol.ToolCallEvent("ch", 19, "t1", protocol.ToolCall{CallID: "c4", Server: "", Name: "echo", Arguments: json.RawMessage(`{"s":"` + long + `"}`)}),
			`{"event":"message","chat_id":"ch","seq":19,"turn_id":"t1","kind":"tool_hint",
			  "text":"echo({\"s\":\"` + strings.Repeat("é", 193) + `…)",
			  "tool_events":[{"version":1,"phase":"start","call_id":"c4","name":"echo","arguments":{"s":"` + long + `"}}]}`},
		{"error", protocol.ToolResult("ch", 20, "t1", "c4", protocol.ToolError, "ENOENT: no such file\n  at open()", nil, 80),
			`{"event":"message","chat_id":"ch","seq":20,"turn_id":"t1","kind":"progress",
			  "text":"echo: ENOENT: no such file …",
			  "tool_events":[{"version":1,"phase":"error","call_id":"c4","name":"echo","arguments":{"s":"` + long + `"},"error":"ENOENT: no such file\n  at open()"}]}`},
		{"approved", protocol.ApprovalResolved("ch", 21, "t1", "c5", protocol.DecisionChat, "k2"),
			// c5's call was before the client's since: it goes by its id.
			`{"event":"message","chat_id":"ch","seq":21,"turn_id":"t1","kind":"progress","call_id":"c5",
			  "text":"tool call c5 approved for this chat"}`},
		{"timeout", protocol.ToolResult("ch", 22, "t1", "c5", protocol.ToolTimeout, "", nil, 60000),
			`{"event":"message","chat_id":"ch","seq":22,"turn_id":"t1","kind":"progress",
			  "text":"tool call c5: timed out",
			  "tool_events":[{"version":1,"phase":"error","call_id":"c5","name":"","arguments":{},"error":"timed out"}]}`},
		{"cancelled, with its name on the result", func() protocol.Event {
			e := protocol.ToolResult("ch", 23, "t1", "c6", protocol.ToolCancelled, "", nil, 5)
			e.Server, e.Name = "git", "log"
			return e
		}(),
			`{"event":"message","chat_id":"ch","seq":23,"turn_id":"t1","kind":"progress",
			  "text":"git.log: cancelled",
			  "tool_events":[{"version":1,"phase":"error","call_id":"c6","name":"log","arguments":{},"error":"cancelled"}]}`},
	}
	n := newNanobotShape()
	for _, s := range steps {
		got := n.translate(protocol.Encode(s.in))
		if !jsonEqual(t, got, []byte(s.want)) {
			t.Errorf("%s:\n got  %s\n want %s", s.name, got, compact(t, s.want))
		}
	}
	if len(n.calls) != 0 {
		t.Errorf("calls left after their results: %v", n.calls)
	}
}

// The same call id in two chats is two calls.
func TestNanobotShapeKeepsChatsApart(t *testing.T) {
	n := newNanobotShape()
	n.translate(protocol.Encode(protocol.ToolCallEvent("a", 1, "t", protocol.ToolCall{CallID: "c1", Server: "s", Name: "one"})))
	n.translate(protocol.Encode(protocol.ToolCallEvent("b", 1, "t", protocol.ToolCall{CallID: "c1", Server: "s", Name: "two"})))
	var m nanobotMessage
	if err := json.Unmarshal(n.translate(protocol.Encode(protocol.ToolResult("a", 2, "t", "c1", protocol.ToolOK, "", nil, 1))), &m); err != nil {
		t.Fatal(err)
	}
	if m.ToolEvents[0].Name != "one" || m.Text != "s.one done in 1 ms" {
		t.Fatalf("chat a's result named %q / %q", m.ToolEvents[0].Name, m.Text)
	}
}

// Calls that never get a result (a turn cut by a restart) do not pile up.
func TestNanobotShapeForgetsBeyondItsBound(t *testing.T) {
	n := newNanobotShape()
	for i := range nanobotMaxCalls + 10 {
		n.translate(protocol.Encode(protocol.ToolCallEvent("a", int64(i+1), "t", protocol.ToolCall{CallID: "c" + string(rune('a'+i%26)) + strings.Repeat("x", i/26), Name: "n"})))
	}
	if len(n.calls) > nanobotMaxCalls {
		t.Fatalf("%d calls remembered", len(n.calls))
	}
}

func TestShapeChoice(t *testing.T) {
	for _, c := range []struct {
		url, sub string
		nanobot  bool
		refused  bool
	}{
		{"/ws", "", false, false},
		{"/ws", "hearth.v1", false, false},
		{"/ws", "nanobot", true, false},
		{"/ws", "bearer.tok", false, false},
		{"/ws?shape=nanobot", "", true, false},
		{"/ws?shape=nanobot", "hearth.v1", true, false},
		{"/ws?shape=Nanobot&client_id=k", "", true, false},
		{"/ws?shape=hearth", "nanobot", false, false},
		{"/ws?shape=", "", false, true},
		{"/ws?shape=nanobots", "", false, true},
	} {
		q, err := queryShape(httptest.NewRequest("GET", c.url, nil))
		if (err != nil) != c.refused {
			t.Errorf("%s: err %v", c.url, err)
			continue
		}
		if err == nil && useNanobot(q, c.sub) != c.nanobot {
			t.Errorf("%s with subprotocol %q: nanobot = %v", c.url, c.sub, !c.nanobot)
		}
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("want %s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
