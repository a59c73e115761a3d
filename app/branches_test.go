package app

import (
	"fmt"
	"slices"
	"testing"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// pathOf is a history reply's messages as "role:content", and their ids.
func pathOf(t *testing.T, ev map[string]any) ([]string, []int64) {
	t.Helper()
	if ev["event"] != "history" {
		t.Fatalf("history: %v", ev)
	}
	items, _ := ev["items"].([]any)
	var texts []string
	var ids []int64
	for _, it := range items {
		m := it.(map[string]any)
		texts = append(texts, fmt.Sprintf("%s:%s", m["role"], m["content"]))
		ids = append(ids, int64(m["id"].(float64)))
	}
	return texts, ids
}

func msgField(ev map[string]any) map[string]any {
	m, _ := ev["message"].(map[string]any)
	return m
}

func idOf(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func siblingsOf(v any) (index, count int) {
	s, _ := v.(map[string]any)
	i, _ := s["index"].(float64)
	c, _ := s["count"].(float64)
	return int(i), int(c)
}

// exchange sends a question from a and waits for its turn to end on every
// follower (a included).
func exchange(t *testing.T, a *wsc, chat, q string, followers ...*wsc) {
	t.Helper()
	if ev := a.request(map[string]any{"type": "message", "chat_id": chat, "content": q}); ev["event"] != "message_accepted" {
		t.Fatalf("message %q: %v", q, ev)
	}
	for _, c := range append([]*wsc{a}, followers...) {
		if end, _ := c.until("turn_end", patience); end["status"] != "done" {
			t.Fatalf("turn_end %v", end)
		}
	}
}

// Two clients follow one chat through an edit in the middle, a switch back
// and a regenerate: each sees the path move, the model sees only the active
// path, and nothing of the other branch is lost.
func TestTwoClientsFollowEditsAndSwitches(t *testing.T) {
	h := startHearth(t)
	for _, w := range []string{"one", "two", "three", "TWO"} {
		h.fake.On(w, llmtest.Script{Steps: []llmtest.Step{{Content: "ans " + w}}})
	}
	a, b := h.dial(t), h.dial(t)
	chat := a.newChat()
	if ev := b.request(map[string]any{"type": "attach", "chat_id": chat, "since": 0}); ev["event"] != "attached" {
		t.Fatalf("attach: %v", ev)
	}
	for _, q := range []string{"one", "two", "three"} {
		exchange(t, a, chat, q, b)
	}
	texts, ids := pathOf(t, a.request(map[string]any{"type": "history", "chat_id": chat}))
	want := []string{"user:one", "assistant:ans one", "user:two", "assistant:ans two", "user:three", "assistant:ans three"}
	if !slices.Equal(texts, want) {
		t.Fatalf("path %v", texts)
	}
	two, ansThree := ids[2], ids[5]

	// Edit the middle question.
	before := len(h.fake.Requests())
	acc := a.request(map[string]any{"type": "edit_message", "chat_id": chat, "message_id": two, "content": "TWO"})
	if acc["event"] != "message_accepted" {
		t.Fatalf("edit: %v", acc)
	}
	edited := msgField(acc)
	if idOf(edited["parent_id"]) != ids[1] {
		t.Fatalf("edited question's parent %v, want %d", edited["parent_id"], ids[1])
	}
	if i, n := siblingsOf(edited["siblings"]); i != 1 || n != 2 {
		t.Fatalf("edited question's siblings %v", edited["siblings"])
	}
	um, _ := b.until("user_message", patience)
	if idOf(msgField(um)["id"]) != idOf(edited["id"]) || idOf(msgField(um)["parent_id"]) != ids[1] {
		t.Fatalf("follower's user_message %v", um)
	}
	for _, c := range []*wsc{a, b} {
		start, _ := c.until("turn_start", patience)
		if idOf(start["parent_id"]) != idOf(edited["id"]) {
			t.Fatalf("turn_start %v", start)
		}
		if end, _ := c.until("turn_end", patience); end["status"] != "done" {
			t.Fatalf("turn_end %v", end)
		}
	}
	reqs := h.fake.Requests()
	if len(reqs) != before+1 {
		t.Fatalf("%d model requests for one edit", len(reqs)-before)
	}
	var sent []string
	for _, m := range reqs[len(reqs)-1].Messages {
		sent = append(sent, m.Role+":"+m.Content)
	}
	if !slices.Equal(sent, []string{"user:one", "assistant:ans one", "user:TWO"}) {
		t.Fatalf("the model saw %v", sent)
	}
	texts, editIDs := pathOf(t, b.request(map[string]any{"type": "history", "chat_id": chat}))
	if !slices.Equal(texts, []string{"user:one", "assistant:ans one", "user:TWO", "assistant:ans TWO"}) {
		t.Fatalf("path after the edit %v", texts)
	}

	// Switch back to the old question: both clients are told, the old path
	// is whole again.
	sw := a.request(map[string]any{"type": "switch_branch", "chat_id": chat, "message_id": two})
	if sw["event"] != "branch_switched" || idOf(sw["leaf_id"]) != ansThree {
		t.Fatalf("switch: %v", sw)
	}
	if bs, _ := b.until("branch_switched", patience); bs["req_id"] != nil || idOf(bs["leaf_id"]) != ansThree || seqOf(bs) != seqOf(sw) {
		t.Fatalf("follower's branch_switched %v", bs)
	}
	hist := a.request(map[string]any{"type": "history", "chat_id": chat})
	if texts, _ = pathOf(t, hist); !slices.Equal(texts, want) {
		t.Fatalf("path after switching back %v", texts)
	}
	items := hist["items"].([]any)
	if i, n := siblingsOf(items[2].(map[string]any)["siblings"]); i != 0 || n != 2 {
		t.Fatalf("old question's siblings %v", items[2])
	}
	// Search finds the other branch's text, and says it is off the path.
	res := a.request(map[string]any{"type": "search", "query": "TWO"})
	hits, _ := res["items"].([]any)
	if len(hits) == 0 {
		t.Fatalf("search found nothing of the edited branch: %v", res)
	}
	onPath := map[int64]any{}
	for _, h := range hits {
		hm := h.(map[string]any)
		onPath[idOf(hm["message_id"])] = hm["on_path"]
	}
	if onPath[editIDs[2]] != false || onPath[two] != true {
		t.Fatalf("search hits' on_path %v (edited %d, old %d)", onPath, editIDs[2], two)
	}
	// The edited path can still be read without switching to it.
	if texts, _ = pathOf(t, a.request(map[string]any{"type": "history", "chat_id": chat, "leaf_id": editIDs[3]})); !slices.Equal(texts,
		[]string{"user:one", "assistant:ans one", "user:TWO", "assistant:ans TWO"}) {
		t.Fatalf("path to the edited leaf %v", texts)
	}

	// Regenerate the last answer: a second version beside it.
	ra := a.request(map[string]any{"type": "regenerate", "chat_id": chat})
	if ra["event"] != "turn_accepted" || str(ra, "turn_id") == "" {
		t.Fatalf("regenerate: %v", ra)
	}
	for _, c := range []*wsc{a, b} {
		start, _ := c.until("turn_start", patience)
		if idOf(start["parent_id"]) != ids[4] {
			t.Fatalf("regenerated turn_start %v", start)
		}
		if i, n := siblingsOf(start["siblings"]); i != 1 || n != 2 {
			t.Fatalf("regenerated answer's siblings %v", start["siblings"])
		}
		if end, _ := c.until("turn_end", patience); end["status"] != "done" {
			t.Fatalf("turn_end %v", end)
		}
	}
	texts, _ = pathOf(t, b.request(map[string]any{"type": "history", "chat_id": chat}))
	if len(texts) != 6 || !slices.Equal(texts[:5], want[:5]) {
		t.Fatalf("path after regenerate %v", texts)
	}
}

// A client resuming from before a branch switch is told to reload instead
// of being sent a replay that cannot patch its path; one resuming from after
// it gets exactly what followed.
func TestResumeAcrossABranchSwitch(t *testing.T) {
	h := startHearth(t)
	for _, w := range []string{"first", "second", "again"} {
		h.fake.On(w, llmtest.Script{Steps: []llmtest.Step{{Content: "ans " + w}}})
	}
	a := h.dial(t)
	chat := a.newChat()
	exchange(t, a, chat, "first")
	exchange(t, a, chat, "second")
	_, ids := pathOf(t, a.request(map[string]any{"type": "history", "chat_id": chat}))
	ev := a.request(map[string]any{"type": "edit_message", "chat_id": chat, "message_id": ids[2], "content": "again"})
	if ev["event"] != "message_accepted" {
		t.Fatalf("edit: %v", ev)
	}
	end, _ := a.until("turn_end", patience)
	held := seqOf(end) // a client that saw everything up to the edited answer
	sw := a.request(map[string]any{"type": "switch_branch", "chat_id": chat, "message_id": ids[2]})
	if sw["event"] != "branch_switched" {
		t.Fatalf("switch: %v", sw)
	}

	stale := h.dial(t)
	stale.send(map[string]any{"type": "attach", "chat_id": chat, "since": held})
	att, replay := stale.until("attached", patience)
	replay = withoutListEvents(replay)
	if got := names(replay); !slices.Equal(got, []string{"branch_switched", "attached"}) {
		t.Fatalf("stale resume got %v", got)
	}
	if idOf(replay[0]["leaf_id"]) != ids[3] || seqOf(replay[0]) != seqOf(sw) || idOf(att["last_seq"]) < seqOf(sw) {
		t.Fatalf("stale resume: %v then %v", replay[0], att)
	}

	// Regenerate after the switch; a client that had seen the switch gets
	// the new answer's events once each.
	if ra := a.request(map[string]any{"type": "regenerate", "chat_id": chat}); ra["event"] != "turn_accepted" {
		t.Fatalf("regenerate: %v", ra)
	}
	if end, _ := a.until("turn_end", patience); end["status"] != "done" {
		t.Fatalf("turn_end %v", end)
	}
	fresh := h.dial(t)
	fresh.send(map[string]any{"type": "attach", "chat_id": chat, "since": seqOf(sw)})
	_, replay = fresh.until("attached", patience)
	replay = withoutListEvents(replay)
	got := names(replay)
	if !slices.Equal(got, []string{"turn_start", "stream_end", "turn_end", "attached"}) {
		t.Fatalf("resume after the switch got %v", got)
	}
	if str(replay[1], "text") != "ans second" || idOf(replay[0]["parent_id"]) != ids[2] {
		t.Fatalf("replayed answer %v %v", replay[0], replay[1])
	}
	// From the start, the whole active path replays (nothing held, nothing
	// to reload).
	whole := h.dial(t)
	whole.send(map[string]any{"type": "attach", "chat_id": chat, "since": 0})
	_, replay = whole.until("attached", patience)
	var users []string
	for _, e := range replay {
		if e["event"] == "user_message" {
			users = append(users, fmt.Sprint(msgField(e)["content"]))
		}
		if e["event"] == "branch_switched" {
			t.Fatalf("a replay from 0 holds no path to reload: %v", names(replay))
		}
	}
	if !slices.Equal(users, []string{"first", "second"}) {
		t.Fatalf("replay from 0: questions %v (%v)", users, names(replay))
	}
}

// Branch changes are refused while an answer is being written, and the
// chat is unchanged by the refusal.
func TestBranchChangesWaitForTheRunningTurn(t *testing.T) {
	h := startHearth(t)
	h.fake.On("quick", llmtest.Script{Steps: []llmtest.Step{{Content: "done quickly"}}})
	h.fake.On("slow", llmtest.Script{Steps: []llmtest.Step{{Content: "thinking"}}, Fail: llmtest.FailStall})
	a := h.dial(t)
	chat := a.newChat()
	exchange(t, a, chat, "quick")
	_, ids := pathOf(t, a.request(map[string]any{"type": "history", "chat_id": chat}))
	a.request(map[string]any{"type": "message", "chat_id": chat, "content": "slow"})
	a.until("delta", patience)
	for _, f := range []map[string]any{
		{"type": "edit_message", "chat_id": chat, "message_id": ids[0], "content": "x"},
		{"type": "regenerate", "chat_id": chat, "message_id": ids[1]},
		{"type": "continue", "chat_id": chat, "message_id": ids[1]},
		{"type": "switch_branch", "chat_id": chat, "message_id": ids[0]},
	} {
		if ev := a.request(f); ev["event"] != "error" || ev["reason"] != "busy" {
			t.Fatalf("%s while running: %v", f["type"], ev)
		}
	}
	a.request(map[string]any{"type": "cancel", "chat_id": chat})
	a.until("turn_end", patience)
	texts, _ := pathOf(t, a.request(map[string]any{"type": "history", "chat_id": chat}))
	if !slices.Equal(texts, []string{"user:quick", "assistant:done quickly", "user:slow", "assistant:thinking"}) {
		t.Fatalf("path %v", texts)
	}
	for _, f := range []map[string]any{
		{"type": "edit_message", "chat_id": chat, "message_id": ids[1], "content": "x"},
		{"type": "switch_branch", "chat_id": chat, "message_id": 999999},
		{"type": "continue", "chat_id": chat, "message_id": 999999},
	} {
		if ev := a.request(f); ev["event"] != "error" || (ev["reason"] != "not_found" && ev["reason"] != "invalid_field") {
			t.Fatalf("%s of a bad message: %v", f["type"], ev)
		}
	}
}

// A stopped answer is no dead end: continue makes a new answer beside it
// that starts with the kept text, and the model is asked to go on from it
// (the text as a trailing assistant message, with vLLM's flag on the
// OpenAI-compatible wire). Try again (regenerate) answers anew.
func TestContinueGoesOnFromAStoppedAnswer(t *testing.T) {
	h := startHearth(t)
	h.fake.On("story", llmtest.Script{Steps: []llmtest.Step{{Content: "Once upon"}}, Fail: llmtest.FailStall})
	h.fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
		n := len(r.Messages)
		return llmtest.Script{Steps: []llmtest.Step{{Content: " a time."}}}, n > 0 && r.Messages[n-1].Role == "assistant"
	})
	a := h.dial(t)
	chat := a.newChat()
	a.request(map[string]any{"type": "message", "chat_id": chat, "content": "tell a story"})
	a.until("delta", patience)
	a.request(map[string]any{"type": "cancel", "chat_id": chat})
	if end, _ := a.until("turn_end", patience); end["status"] != "cancelled" {
		t.Fatalf("turn_end %v", end)
	}
	_, ids := pathOf(t, a.request(map[string]any{"type": "history", "chat_id": chat}))
	stopped := ids[1]

	acc := a.request(map[string]any{"type": "continue", "chat_id": chat, "message_id": stopped})
	if acc["event"] != "turn_accepted" {
		t.Fatalf("continue: %v", acc)
	}
	evs := a.collectTurn()
	if got := answerOf(evs, "delta"); got != "Once upon a time." {
		t.Fatalf("continued deltas %q", got)
	}
	var streamEnd map[string]any
	for _, e := range evs {
		if e["event"] == "stream_end" {
			streamEnd = e
		}
	}
	if str(streamEnd, "text") != "Once upon a time." {
		t.Fatalf("stream_end %v", streamEnd)
	}
	reqs := h.fake.Requests()
	last := reqs[len(reqs)-1]
	n := len(last.Messages)
	if n < 2 || last.Messages[n-1].Role != "assistant" || last.Messages[n-1].Content != "Once upon" ||
		last.Messages[n-2].Content != "tell a story" || !last.ContinueFinalMessage {
		t.Fatalf("the model was asked %+v", last)
	}
	hist := a.request(map[string]any{"type": "history", "chat_id": chat})
	texts, _ := pathOf(t, hist)
	items := hist["items"].([]any)
	if !slices.Equal(texts, []string{"user:tell a story", "assistant:Once upon a time."}) {
		t.Fatalf("path %v", texts)
	}
	if i, c := siblingsOf(items[1].(map[string]any)["siblings"]); i != 1 || c != 2 {
		t.Fatalf("continued answer's siblings %v", items[1])
	}
	// The stopped answer is still there, one version back.
	sw := a.request(map[string]any{"type": "switch_branch", "chat_id": chat, "message_id": stopped})
	if sw["event"] != "branch_switched" {
		t.Fatalf("switch: %v", sw)
	}
	if texts, _ = pathOf(t, a.request(map[string]any{"type": "history", "chat_id": chat})); texts[1] != "assistant:Once upon" {
		t.Fatalf("stopped answer %v", texts)
	}
}

// Questions queued behind a turn are placed in the tree when their turns
// open: each one's parent is the answer before it, so the path reads
// question, answer, question, answer.
func TestQueuedQuestionsFollowTheAnswerBeforeThem(t *testing.T) {
	h := startHearth(t)
	h.fake.On("first", llmtest.Script{Steps: []llmtest.Step{{Content: "working"}}, Fail: llmtest.FailStall})
	h.fake.On("second", llmtest.Script{Steps: []llmtest.Step{{Content: "ans second"}}})
	h.fake.On("third", llmtest.Script{Steps: []llmtest.Step{{Content: "ans third"}}})
	a := h.dial(t)
	chat := a.newChat()
	a.request(map[string]any{"type": "message", "chat_id": chat, "content": "first"})
	a.until("delta", patience)
	for _, q := range []string{"second", "third"} {
		if ev := a.request(map[string]any{"type": "message", "chat_id": chat, "content": q, "queue": true}); ev["event"] != "message_accepted" {
			t.Fatalf("queue %q: %v", q, ev)
		}
	}
	a.request(map[string]any{"type": "cancel", "chat_id": chat})
	for range 3 {
		a.until("turn_end", patience)
	}
	hist := a.request(map[string]any{"type": "history", "chat_id": chat})
	texts, ids := pathOf(t, hist)
	want := []string{"user:first", "assistant:working", "user:second", "assistant:ans second", "user:third", "assistant:ans third"}
	if !slices.Equal(texts, want) {
		t.Fatalf("path %v", texts)
	}
	for i, it := range hist["items"].([]any) {
		m := it.(map[string]any)
		if i == 0 && m["parent_id"] != nil || i > 0 && idOf(m["parent_id"]) != ids[i-1] {
			t.Fatalf("message %d's parent %v, want %v", i, m["parent_id"], ids)
		}
		if _, c := siblingsOf(m["siblings"]); c != 1 {
			t.Fatalf("message %d has siblings %v", i, m["siblings"])
		}
	}
}

// withoutListEvents leaves out what every connection is sent about the chat
// list (chat_updated of a title or of activity), which may come at any point.
func withoutListEvents(evs []map[string]any) []map[string]any {
	var out []map[string]any
	for _, e := range evs {
		if e["event"] != "chat_updated" && e["event"] != "chat_created" && e["event"] != "provider_status" {
			out = append(out, e)
		}
	}
	return out
}
