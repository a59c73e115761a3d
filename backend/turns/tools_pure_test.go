package turns

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

func TestOfferTools(t *testing.T) {
	all := []Tool{
		{Server: "web", Name: "search"}, {Server: "fs", Name: "read"}, {Server: "fs", Name: "search"},
		{Server: "git", Name: "log"}, {Server: "odd", Name: "do it!"},
	}
	for _, tt := range []struct {
		name string
		off  []string
		want []string
	}{
		{"clashing names are prefixed, bad characters replaced", nil, []string{"read", "fs_search", "log", "odd_do_it_", "web_search"}},
		{"a switched-off server's tools are left out", []string{"web", "odd"}, []string{"read", "search", "log"}},
		{"all off", []string{"web", "fs", "git", "odd"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := offerTools(all, tt.off)
			var got []string
			for _, tl := range o.tools {
				got = append(got, tl.Name)
				if _, ok := o.byName[tl.Name]; !ok {
					t.Errorf("%s offered but not mapped", tl.Name)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("offered %v, want %v", got, tt.want)
			}
		})
	}
	if o := offerTools(all, nil); o.byName["fs_search"].Server != "fs" || o.byName["web_search"].Name != "search" {
		t.Errorf("mapping %+v", o.byName)
	}
}

func TestParseArguments(t *testing.T) {
	for _, tt := range []struct {
		in, args, shown string
		bad             bool
	}{
		{"", `{}`, `{}`, false},
		{"  ", `{}`, `{}`, false},
		{`{"a":1}`, `{"a":1}`, `{"a":1}`, false},
		{` {"a": [1, 2]} `, `{"a": [1, 2]}`, `{"a": [1, 2]}`, false},
		{`{"a": oops`, ``, `"{\"a\": oops"`, true},
		{`[1,2]`, ``, `"[1,2]"`, true},
		{`null`, ``, `"null"`, true},
		{`"text"`, ``, `"\"text\""`, true},
	} {
		args, shown, err := parseArguments(tt.in)
		if (err != nil) != tt.bad || string(args) != tt.args || string(shown) != tt.shown {
			t.Errorf("parseArguments(%q) = %s, %s, %v", tt.in, args, shown, err)
		}
		if !json.Valid(shown) {
			t.Errorf("parseArguments(%q) shows invalid JSON %s", tt.in, shown)
		}
	}
}

func TestCapsAndLengths(t *testing.T) {
	if got := capText("héllo", 5, "The result"); got != "héllo" {
		t.Errorf("under the cap: %q", got)
	}
	got := capText("héllo wörld", 5, "The result")
	if !strings.HasPrefix(got, "héllo\n[The result was cut: only its first 5 of 11 characters") {
		t.Errorf("capText = %q", got)
	}
	if got := capBytes(strings.Repeat("é", 10), 5); !strings.HasPrefix(got, "éé\n[The result was cut at 5 bytes") {
		t.Errorf("capBytes = %q", got)
	}
	for in, want := range map[string]int{"": 0, "abc": 3, "é": 1, "日本": 2, "a😀b": 4} {
		if got := utf16Len(in); got != want {
			t.Errorf("utf16Len(%q) = %d, want %d", in, got, want)
		}
	}
}

// frameEv makes a stored event from a protocol event, as toolEvent does.
func frameEv(kind string, step, at int, ev protocol.Event) store.Event {
	data, _ := json.Marshal(ev)
	return store.Event{Kind: kind, CallID: ev.CallID, Step: step, At: at, Data: data}
}

func TestAnswerInput(t *testing.T) {
	call := func(id, name, args string) protocol.ToolCall {
		return protocol.ToolCall{CallID: id, Server: "s", Name: name, Arguments: json.RawMessage(args)}
	}
	content := "Looking. Found it. Done."
	a := store.Message{Role: protocol.RoleAssistant, Content: content, Events: []store.Event{
		frameEv(store.EventToolCall, 0, 9, protocol.ToolCallEvent("c", 1, "t", call("c1", "read", `{"p":1}`))),
		frameEv(store.EventToolCall, 0, 9, protocol.ToolCallEvent("c", 2, "t", call("c2", "list", `"bad {"`))),
		frameEv(store.EventApprovalRequest, 0, 9, protocol.ApprovalRequest("c", 3, "t", call("c1", "read", `{}`), protocol.ToolHints{}, time.Time{})),
		frameEv(store.EventToolResult, 0, 9, protocol.ToolResult("c", 4, "t", "c2", protocol.ToolError, "no", nil, 1)),
		frameEv(store.EventToolResult, 0, 9, protocol.ToolResult("c", 5, "t", "c1", protocol.ToolOK, "data", []protocol.ToolImage{{MIME: "image/png"}}, 1)),
		frameEv(store.EventToolCall, 1, 19, protocol.ToolCallEvent("c", 6, "t", call("c3", "read", `{}`))),
	}}
	got := answerInput(a)
	want := []turnInput{
		{Role: protocol.RoleAssistant, Content: "Looking. ", ToolCalls: []llm.ToolCall{{ID: "c1", Name: "read", Arguments: `{"p":1}`}, {ID: "c2", Name: "list", Arguments: `bad {`}}},
		{Role: "tool", Content: "data\n\n[The tool returned an image (image/png); it is shown to the user.]", ToolCallID: "c1", ToolName: "read"},
		{Role: "tool", Content: "no", ToolCallID: "c2", ToolName: "list"},
		{Role: protocol.RoleAssistant, Content: "Found it. ", ToolCalls: []llm.ToolCall{{ID: "c3", Name: "read", Arguments: `{}`}}},
		{Role: "tool", Content: "The call did not finish (the answer was interrupted).", ToolCallID: "c3", ToolName: "read"},
		{Role: protocol.RoleAssistant, Content: "Done."},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("answerInput =\n%+v\nwant\n%+v", got, want)
	}
	// An answer that is only calls (no text at all) is still sent.
	only := store.Message{Role: protocol.RoleAssistant, ParentID: new(int64), Status: protocol.StatusDone, Events: a.Events[:1]}
	if in := buildTranscript("", []store.Message{{ID: 0, Role: protocol.RoleUser, Content: "q"}, only}, -1); len(in) != 3 || len(in[1].ToolCalls) != 1 {
		t.Errorf("a text-less answer: %+v", in)
	}
}

func TestReplayLiveKeepsToolEvents(t *testing.T) {
	var lt liveText
	lt.add(kindContent, 3, "Looking. ")
	lt.add(kindContent, 6, "Found.")
	lt2 := liveTurn{chatID: "c", turnID: "t", startSeq: 2, text: &lt,
		events: []frame{{seq: 4, data: []byte(`{"event":"tool_call"}`)}, {seq: 5, data: []byte(`{"event":"tool_result"}`)}}}
	var seqs []int64
	for _, f := range sortFrames(replayLive(lt2, 3, maxReplayText), 3) {
		seqs = append(seqs, f.seq)
	}
	if !reflect.DeepEqual(seqs, []int64{4, 5, 6}) {
		t.Errorf("replay since 3: seqs %v", seqs)
	}
}
