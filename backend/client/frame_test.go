package client

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/protocol"
)

// Every command the client sends comes back out of the server's router as
// the same command: the encoder and the router cannot drift apart.
func TestFramesRoundTripThroughTheRouter(t *testing.T) {
	since, zero := int64(7), int64(0)
	title, model, system, empty := "A title", "m1", "be brief", ""
	pinned, unpinned := true, false
	provider, url, key := "ollama", "http://127.0.0.1:11434", "sk-1"
	base := protocol.Base{ReqID: "q1"}
	temp, topP, ctxLen, preset := 0.0, 0.9, 4096, "coder"
	cmds := []protocol.Command{
		protocol.Ping{Base: base},
		protocol.NewChat{Base: base},
		protocol.NewChat{Base: base, Title: title, Model: model, System: system},
		protocol.NewChat{Base: base, Title: title, Temporary: true},
		protocol.NewChat{Base: base, ToolsOff: &[]string{"web"}},
		protocol.Attach{Base: base, ChatID: "c1"},
		protocol.Attach{Base: base, ChatID: "c1", Since: &since},
		protocol.Attach{Base: base, ChatID: "c1", Since: &zero},
		protocol.SendMessage{Base: base, ChatID: "c1", Content: "hi"},
		protocol.SendMessage{Base: base, ChatID: "c1", Content: " -1 is less than 0 ", Model: model, ReasoningEffort: "high", Queue: true,
			Media: []protocol.MediaItem{{ID: strings.Repeat("ab", 32)}, {DataURL: "data:image/png;base64,AA==", Name: "dot.png"}}},
		protocol.SendMessage{Base: base, Content: "to the default chat", ToDefault: true},
		protocol.Cancel{Base: base, ChatID: "c1"},
		protocol.Cancel{Base: base, ChatID: "c1", TurnID: "t1"},
		protocol.ListChats{Base: base, Limit: 100},
		protocol.ListChats{Base: base, Limit: 1, Before: "c9"},
		protocol.ListChats{Base: base, Limit: 1, Before: "p:1:c9", Archived: true},
		protocol.GetHistory{Base: base, ChatID: "c1", Limit: 50},
		protocol.GetHistory{Base: base, ChatID: "c1", Limit: protocol.MaxLimit, BeforeSeq: 42},
		protocol.UpdateChat{Base: base, ChatID: "c1", Title: &title},
		protocol.UpdateChat{Base: base, ChatID: "c1", Model: &empty, System: &system, Pinned: &unpinned},
		protocol.UpdateChat{Base: base, ChatID: "c1", Pinned: &pinned},
		protocol.UpdateChat{Base: base, ChatID: "c1", Archived: &pinned},
		protocol.UpdateChat{Base: base, ChatID: "c1", Pinned: &unpinned, Archived: &unpinned},
		protocol.DeleteChat{Base: base, ChatID: "c1"},
		protocol.ListModels{Base: base},
		protocol.GetSettings{Base: base},
		protocol.SetSettings{Base: base, Provider: &provider, ProviderURL: &url, Model: &model, APIKey: &key},
		protocol.SetSettings{Base: base, APIKey: &empty},
		protocol.Search{Base: base, Query: "sky", Limit: 50},
		protocol.PullModel{Base: base, Model: "qwen3:8b"},
		protocol.CancelPull{Base: base, PullID: "p1"},
		protocol.CancelPull{Base: base, Model: "qwen3:8b"},
		protocol.ListPulls{Base: base},
		protocol.EditMessage{Base: base, ChatID: "c1", MessageID: 3, Content: "said better"},
		protocol.EditMessage{Base: base, ChatID: "c1", MessageID: 3, Content: "with a picture", Model: model, ReasoningEffort: "low",
			Media: []protocol.MediaItem{{ID: strings.Repeat("cd", 32)}}},
		protocol.Regenerate{Base: base, ChatID: "c1"},
		protocol.Regenerate{Base: base, ChatID: "c1", MessageID: 4, Model: model, ReasoningEffort: "medium"},
		protocol.Continue{Base: base, ChatID: "c1", MessageID: 4},
		protocol.SwitchBranch{Base: base, ChatID: "c1", MessageID: 5},
		protocol.ForkChat{Base: base, ChatID: "c1", MessageID: 2},
		protocol.NewChat{Base: base, Preset: "coder"},
		protocol.NewChat{Base: base, System: system, Preset: "coder", Params: &protocol.Params{TopP: &topP, ContextLength: &ctxLen}},
		protocol.UpdateChat{Base: base, ChatID: "c1", Params: &protocol.Params{}},
		protocol.UpdateChat{Base: base, ChatID: "c1", Preset: &preset, Params: &protocol.Params{Temperature: &temp, ReasoningEffort: "high"}},
		protocol.ListPresets{Base: base},
		protocol.SavePreset{Base: base, Preset: protocol.Preset{Name: "coder"}},
		protocol.SavePreset{Base: base, Preset: protocol.Preset{Name: "coder", System: system, Model: model,
			Params: protocol.Params{Temperature: &temp, TopP: &topP, ContextLength: &ctxLen, ReasoningEffort: "low"}}},
		protocol.DeletePreset{Base: base, PresetName: "coder"},
		protocol.ListMCPServers{Base: base},
		protocol.Approve{Base: base, ChatID: "c1", CallID: "call_1", Decision: protocol.DecisionChat},
		protocol.ListToolGrants{Base: base},
		protocol.RevokeToolGrant{Base: base, Server: "fs", Tool: "write_file"},
		protocol.ListAgents{Base: base},
		protocol.RegisterAgent{Base: base, AgentName: "echo-go", Description: "says it back"},
		protocol.AgentFrame{Base: base, Kind: protocol.AgentReasoningDelta, TurnID: "t1", Text: "hm"},
		protocol.AgentFrame{Base: base, Kind: protocol.AgentReasoningEnd, TurnID: "t1"},
		protocol.AgentFrame{Base: base, Kind: protocol.AgentDelta, TurnID: "t1", Text: ""},
		protocol.AgentFrame{Base: base, Kind: protocol.AgentToolCall, TurnID: "t1", CallID: "c", Tool: "wc", Arguments: []byte(`{"a":1}`)},
		protocol.AgentFrame{Base: base, Kind: protocol.AgentApprovalRequest, TurnID: "t1", CallID: "c", Tool: "rm"},
		protocol.AgentFrame{Base: base, Kind: protocol.AgentToolResult, TurnID: "t1", CallID: "c", Status: protocol.ToolError, Content: "no"},
		protocol.AgentFrame{Base: base, Kind: protocol.AgentTurnEnd, TurnID: "t1", Status: protocol.StatusError, Error: "boom",
			Usage: &protocol.Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3}},
		protocol.NewChat{Base: base, Agent: "echo-go"},
		protocol.UpdateChat{Base: base, ChatID: "c1", Agent: new(string)},
	}
	sent := map[string]bool{}
	for _, cmd := range cmds {
		data := encode(t, cmd)
		d := protocol.Route(data, false, protocol.ConnState{})
		if d.Err != nil {
			t.Errorf("%T %s: refused: %+v", cmd, data, *d.Err)
			continue
		}
		if !reflect.DeepEqual(d.Cmd, cmd) {
			t.Errorf("%s\n routed to %#v\n      want %#v", data, d.Cmd, cmd)
		}
		var f struct{ Type string }
		_ = json.Unmarshal(data, &f)
		sent[f.Type] = true
	}
	// A connection that follows no chat cannot detach: the refusal names the
	// chat the frame carried.
	detach := encode(t, protocol.Detach{Base: base, ChatID: "c1"})
	if d := protocol.Route(detach, false, protocol.ConnState{}); d.Err == nil || d.Err.Reason != protocol.ReasonNotAttached ||
		d.Err.ReqID != "q1" || !strings.Contains(d.Err.Detail, "c1") {
		t.Errorf("detach %s: %+v", detach, d)
	} else {
		sent[protocol.CmdDetach] = true
	}
	// rename_chat is update_chat with a title, which the client sends instead.
	for _, name := range protocol.CommandNames() {
		if !sent[name] && name != protocol.CmdRenameChat {
			t.Errorf("no case sends %q: a command the client cannot send yet (add it to frameOf and here)", name)
		}
	}
}

// Absent fields stay absent on the wire: no nulls, no zero limits that the
// router would refuse.
func TestFramesCarryOnlyWhatIsSet(t *testing.T) {
	for _, tc := range []struct {
		cmd  protocol.Command
		want string
	}{
		{protocol.NewChat{}, `{"type":"new_chat","req_id":"q"}`},
		{protocol.ListChats{}, `{"type":"list_chats","req_id":"q"}`},
		{protocol.GetHistory{ChatID: "c1"}, `{"type":"history","req_id":"q","chat_id":"c1"}`},
		{protocol.SendMessage{ChatID: "c1", Content: "q"}, `{"type":"message","req_id":"q","chat_id":"c1","content":"q"}`},
		{protocol.Regenerate{ChatID: "c1"}, `{"type":"regenerate","req_id":"q","chat_id":"c1"}`},
	} {
		if got := string(encode(t, tc.cmd)); got != tc.want {
			t.Errorf("%T: %s, want %s", tc.cmd, got, tc.want)
		}
	}
}

func TestFrameOfRefusesWhatIsNotACommand(t *testing.T) {
	// Any type that satisfies the interface, not just the router's own.
	type stranger struct{ protocol.Ping }
	if _, err := frameOf(stranger{}); err == nil {
		t.Fatal("an unknown command type was encoded")
	}
}

// encode builds the frame as Send does, with req_id q (or the command's own).
func encode(t *testing.T, cmd protocol.Command) []byte {
	t.Helper()
	f, err := frameOf(cmd)
	if err != nil {
		t.Fatalf("%T: %v", cmd, err)
	}
	id := cmd.RequestID()
	if id == "" {
		id = "q"
	}
	f.ReqID, _ = json.Marshal(id)
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
