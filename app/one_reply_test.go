package app

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
)

// replies is a connection that keeps every frame it reads, so a test can
// count what arrived for each req_id.
type replies struct {
	*wsc
	frames []map[string]any
}

// ask sends frame with req_id id and returns the first frame carrying it.
func (r *replies) ask(id string, frame map[string]any) map[string]any {
	r.t.Helper()
	frame["req_id"] = id
	r.send(frame)
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		ev := r.next(time.Until(deadline))
		r.frames = append(r.frames, ev)
		if ev["req_id"] == id {
			return ev
		}
	}
	r.t.Fatalf("no reply to %v", frame)
	return nil
}

// drain reads up to and including the frame that ok accepts.
func (r *replies) drain(ok func(map[string]any) bool) map[string]any {
	r.t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		ev := r.next(time.Until(deadline))
		r.frames = append(r.frames, ev)
		if ok(ev) {
			return ev
		}
	}
	r.t.Fatal("the awaited frame never came")
	return nil
}

// Every command sent with a req_id gets exactly one frame carrying that
// req_id back, a success or an error, whoever sends it (the handler, the turn
// engine after a replay or before a turn's events, the chat service's
// broadcast). A command added to the protocol fails here until it has a row.
func TestEveryCommandGetsExactlyOneReply(t *testing.T) {
	h := startHearth(t)
	h.fake.SetDefault(heldScript(3, 10*time.Millisecond))
	h.fake.SetModels("fake-model")
	a := &replies{wsc: h.dial(t)}
	// A bystander whose own req_ids are the very ones a uses: broadcasts
	// caused by a's requests must not answer requests b might have made.
	b := &replies{wsc: h.dial(t)}

	answered := map[string]string{} // command → the event that answered it
	refused := map[string]string{}  // command → the reason of the refusal
	// Model downloads need Ollama: against this OpenAI-compatible fake they
	// are refused, which is their one reply.
	refusedAny := func(name, id string, frame map[string]any) {
		t.Helper()
		frame["type"] = name
		ev := a.ask(id, frame)
		if ev["event"] != "error" || str(ev, "reason") == "" {
			t.Fatalf("%s: reply %v, want an error", name, ev)
		}
		refused[name] = str(ev, "reason")
	}
	ok := func(name, id string, frame map[string]any, want string) map[string]any {
		t.Helper()
		frame["type"] = name
		ev := a.ask(id, frame)
		if ev["event"] != want {
			t.Fatalf("%s: reply %v, want %s", name, ev, want)
		}
		answered[name] = want
		return ev
	}
	no := func(name, id string, frame map[string]any, reason string) {
		t.Helper()
		frame["type"] = name
		ev := a.ask(id, frame)
		if ev["event"] != "error" || ev["reason"] != reason {
			t.Fatalf("%s: reply %v, want error %s", name, ev, reason)
		}
		refused[name] = reason
	}

	ok(protocol.CmdPing, "1", map[string]any{}, protocol.EvPong)
	chat := str(ok(protocol.CmdNewChat, "2", map[string]any{"title": "replies"}, protocol.EvAttached), "chat_id")
	b.drain(func(ev map[string]any) bool { return ev["event"] == protocol.EvChatCreated })
	ok(protocol.CmdAttach, "3", map[string]any{"chat_id": chat, "since": 0}, protocol.EvAttached)
	acc := ok(protocol.CmdMessage, "4", map[string]any{"chat_id": chat, "content": "go"}, protocol.EvMessageAccepted)
	a.drain(func(ev map[string]any) bool { return ev["event"] == protocol.EvDelta })
	stop := ok(protocol.CmdCancel, "5", map[string]any{"chat_id": chat}, protocol.EvCancelAccepted)
	if stop["chat_id"] != chat || stop["turn_id"] != acc["turn_id"] {
		t.Errorf("cancel_accepted %v names another turn than %v", stop, acc["turn_id"])
	}
	if end := a.drain(func(ev map[string]any) bool { return ev["event"] == protocol.EvTurnEnd }); end["status"] != protocol.StatusCancelled {
		t.Errorf("turn_end after cancel: %v", end)
	}
	ok(protocol.CmdListChats, "6", map[string]any{"limit": 10}, protocol.EvChats)
	hist := ok(protocol.CmdHistory, "7", map[string]any{"chat_id": chat}, protocol.EvHistory)
	items, _ := hist["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("history %v", hist)
	}
	qid, aid := items[0].(map[string]any)["id"], items[1].(map[string]any)["id"]
	// A branch command's turn (held by the fake) is stopped before the next.
	stopTurn := func() {
		a.drain(func(ev map[string]any) bool { return ev["event"] == protocol.EvDelta })
		a.send(map[string]any{"type": protocol.CmdCancel, "chat_id": chat})
		a.drain(func(ev map[string]any) bool { return ev["event"] == protocol.EvTurnEnd })
	}
	ok(protocol.CmdContinue, "7c", map[string]any{"chat_id": chat, "message_id": aid}, protocol.EvTurnAccepted)
	stopTurn()
	ok(protocol.CmdRegenerate, "7r", map[string]any{"chat_id": chat}, protocol.EvTurnAccepted)
	stopTurn()
	ok(protocol.CmdEditMessage, "7e", map[string]any{"chat_id": chat, "message_id": qid, "content": "go again"}, protocol.EvMessageAccepted)
	stopTurn()
	ok(protocol.CmdSwitchBranch, "7s", map[string]any{"chat_id": chat, "message_id": qid}, protocol.EvBranchSwitched)
	ok(protocol.CmdForkChat, "7f", map[string]any{"chat_id": chat, "message_id": qid}, protocol.EvChatCreated)
	b.drain(func(ev map[string]any) bool { return ev["event"] == protocol.EvChatCreated })
	ok(protocol.CmdSavePreset, "7p", map[string]any{"name": "terse", "system": "be brief"}, protocol.EvPresets)
	ok(protocol.CmdListPresets, "7l", map[string]any{}, protocol.EvPresets)
	ok(protocol.CmdDeletePreset, "7d", map[string]any{"name": "terse"}, protocol.EvPresets)
	ok(protocol.CmdRenameChat, "8", map[string]any{"chat_id": chat, "title": "renamed"}, protocol.EvChatUpdated)
	ok(protocol.CmdUpdateChat, "9", map[string]any{"chat_id": chat, "pinned": true}, protocol.EvChatUpdated)
	ok(protocol.CmdDetach, "10", map[string]any{"chat_id": chat}, protocol.EvDetached)
	ok(protocol.CmdListModels, "11", map[string]any{}, protocol.EvModels)
	ok(protocol.CmdGetSettings, "12", map[string]any{}, protocol.EvSettings)
	ok(protocol.CmdSetSettings, "13", map[string]any{"model": "fake-model"}, protocol.EvSettings)
	ok(protocol.CmdSearch, "14", map[string]any{"query": "go"}, protocol.EvSearchResults)
	ok(protocol.CmdDeleteChat, "15", map[string]any{"chat_id": chat}, protocol.EvChatDeleted)
	b.drain(func(ev map[string]any) bool { return ev["event"] == protocol.EvChatDeleted })
	ok(protocol.CmdListPulls, "16", map[string]any{}, protocol.EvPulls)
	refusedAny(protocol.CmdPullModel, "17", map[string]any{"name": "llama3.2"})
	refusedAny(protocol.CmdCancelPull, "18", map[string]any{"name": "llama3.2"})

	// The same commands refused: one error each, and nothing else.
	other := str(a.ask("n", map[string]any{"type": protocol.CmdNewChat}), "chat_id")
	no(protocol.CmdNewChat, "r1", map[string]any{"title": strings.Repeat("x", protocol.MaxTitleBytes+1)}, protocol.ReasonTooLarge)
	no(protocol.CmdAttach, "r2", map[string]any{"chat_id": "c-missing"}, protocol.ReasonNotFound)
	no(protocol.CmdDetach, "r3", map[string]any{}, protocol.ReasonMissingField)
	no(protocol.CmdMessage, "r4", map[string]any{"chat_id": other, "content": " "}, protocol.ReasonEmptyMessage)
	no(protocol.CmdCancel, "r5", map[string]any{"chat_id": other}, protocol.ReasonNotRunning)
	no(protocol.CmdListChats, "r6", map[string]any{"limit": 0}, protocol.ReasonInvalidField)
	no(protocol.CmdHistory, "r7", map[string]any{"chat_id": "c-missing"}, protocol.ReasonNotFound)
	no(protocol.CmdRenameChat, "r8", map[string]any{"chat_id": "c-missing", "title": "x"}, protocol.ReasonNotFound)
	no(protocol.CmdUpdateChat, "r9", map[string]any{"chat_id": "c-missing", "pinned": true}, protocol.ReasonNotFound)
	no(protocol.CmdDeleteChat, "r10", map[string]any{}, protocol.ReasonMissingField)
	no(protocol.CmdSetSettings, "r11", map[string]any{"provider_url": "ftp://x"}, protocol.ReasonInvalidSetting)
	no(protocol.CmdSearch, "r12", map[string]any{}, protocol.ReasonMissingField)
	no(protocol.CmdEditMessage, "r13", map[string]any{"chat_id": other, "message_id": 999999, "content": "x"}, protocol.ReasonNotFound)
	no(protocol.CmdRegenerate, "r14", map[string]any{"chat_id": "c-missing"}, protocol.ReasonNotFound)
	no(protocol.CmdContinue, "r15", map[string]any{"chat_id": other}, protocol.ReasonMissingField)
	no(protocol.CmdSwitchBranch, "r16", map[string]any{"chat_id": other, "message_id": 999999}, protocol.ReasonNotFound)
	no(protocol.CmdForkChat, "r17", map[string]any{"chat_id": other, "message_id": 999999}, protocol.ReasonNotFound)
	no(protocol.CmdSavePreset, "r18", map[string]any{}, protocol.ReasonMissingField)
	no(protocol.CmdDeletePreset, "r19", map[string]any{"name": "no such preset"}, protocol.ReasonNotFound)
	no(protocol.CmdApprove, "r20", map[string]any{"chat_id": other, "call_id": "call_none", "decision": "once"}, protocol.ReasonNotFound)
	no(protocol.CmdRevokeToolGrant, "r21", map[string]any{"server": "s", "tool": "t"}, protocol.ReasonNotFound)
	ok(protocol.CmdListToolGrants, "r22", map[string]any{}, protocol.EvToolGrants)
	ok(protocol.CmdListMCPServers, "r23", map[string]any{}, protocol.EvMCPServers)
	ok(protocol.CmdListAgents, "r24", map[string]any{}, protocol.EvAgents)
	no(protocol.CmdRegisterAgent, "r25", map[string]any{"name": "not a name"}, protocol.ReasonInvalidField)
	for i, kind := range protocol.AgentFrameTypes() {
		// No turn of this connection's: each kind is refused, with its req_id.
		no(kind, fmt.Sprintf("r26-%d", i), map[string]any{"turn_id": "t-none", "text": "x", "call_id": "c", "name": "n"}, protocol.ReasonNotYourTurn)
	}

	// Whatever a handler sends after its reply comes before the reply to a
	// later request on the same connection: a last ping closes the count.
	a.ask("last", map[string]any{"type": protocol.CmdPing})
	b.ask("1", map[string]any{"type": protocol.CmdPing})

	for _, name := range protocol.CommandNames() {
		_, ok := answered[name]
		if _, no := refused[name]; !ok && !no {
			t.Errorf("command %s has no row in this test: add its request and its one reply", name)
		}
	}
	count := map[string][]string{}
	for _, ev := range a.frames {
		if id := str(ev, "req_id"); id != "" {
			count[id] = append(count[id], fmt.Sprint(ev["event"]))
		}
	}
	ids := make([]string, 0, len(count))
	for id := range count {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if len(count[id]) != 1 {
			t.Errorf("req_id %s: %d frames %v, want exactly one", id, len(count[id]), count[id])
		}
	}
	if want := len(answered) + len(refused) + 2; len(count) != want { // + the second new_chat and the last ping
		t.Errorf("%d req_ids answered, want %d: %v", len(count), want, ids)
	}
	for _, ev := range b.frames {
		if id := str(ev, "req_id"); id != "" && !(id == "1" && ev["event"] == protocol.EvPong) {
			t.Errorf("the bystander got %v, which answers a request it never made", ev)
		}
	}
}
