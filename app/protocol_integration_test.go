package app

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hearth-app/hearth/app/assembly"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

func slowScript(n int, delay time.Duration) llmtest.Script {
	var steps []llmtest.Step
	steps = append(steps, llmtest.Step{Reasoning: "thinking hard. ", Delay: delay})
	for i := 0; i < n; i++ {
		steps = append(steps, llmtest.Step{Content: "w" + string(rune('a'+i%26)) + " ", Delay: delay})
	}
	return llmtest.Script{Steps: steps}
}

// heldScript is slowScript, then the model holds the stream open (silent)
// until the turn is cancelled or the server stops: a turn that is certainly
// still running when a test acts on it, however slow the machine.
func heldScript(n int, delay time.Duration) llmtest.Script {
	sc := slowScript(n, delay)
	sc.Fail = llmtest.FailStall
	return sc
}

// chatEvents keeps the events that carry a seq, as (event, seq, text) rows.
func chatEvents(evs []map[string]any) [][3]any {
	var out [][3]any
	for _, e := range evs {
		if s := seqOf(e); s > 0 && e["event"] != "message_accepted" && e["event"] != "user_message" {
			out = append(out, [3]any{e["event"], s, e["text"]})
		}
	}
	return out
}

func TestTurnStreamsToTwoClientsIdentically(t *testing.T) {
	h := startHearth(t)
	h.fake.SetDefault(llmtest.Script{Steps: llmtest.Steps("Let me think about it.", "Hello there, my friend.", 3, 5*time.Millisecond)})
	a, b := h.dial(t), h.dial(t)
	chat := a.newChat()
	b.request(map[string]any{"type": "attach", "chat_id": chat})

	acc := a.request(map[string]any{"type": "message", "chat_id": chat, "content": "hello"})
	if acc["event"] != "message_accepted" || str(acc, "turn_id") == "" {
		t.Fatalf("message: %v", acc)
	}
	evA := a.collectTurn()
	evB := b.collectTurn()
	um := evB[0]
	if um["event"] != "user_message" || seqOf(um) != seqOf(acc) || um["turn_id"] != acc["turn_id"] ||
		um["message"].(map[string]any)["turn_id"] != acc["turn_id"] {
		t.Fatalf("other subscriber: first event %v, want user_message with seq %d", um, seqOf(acc))
	}
	ca, cb := chatEvents(evA), chatEvents(evB)
	if !reflect.DeepEqual(ca, cb) {
		t.Fatalf("clients saw different events:\nA %v\nB %v", ca, cb)
	}
	var last int64
	for _, e := range ca {
		if e[1].(int64) <= last {
			t.Fatalf("seq not strictly increasing: %v", ca)
		}
		last = e[1].(int64)
	}
	if got := answerOf(evA, "delta"); got != "Hello there, my friend." {
		t.Fatalf("answer %q", got)
	}
	if got := answerOf(evA, "reasoning_delta"); got != "Let me think about it." {
		t.Fatalf("reasoning %q", got)
	}
	wantOrder := []string{"turn_start", "reasoning_delta", "reasoning_end", "delta", "stream_end", "turn_end"}
	var order []string
	for _, e := range ca {
		if n := e[0].(string); len(order) == 0 || order[len(order)-1] != n {
			order = append(order, n)
		}
	}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Fatalf("event order %v, want %v", order, wantOrder)
	}
	end := evA[len(evA)-1]
	if end["status"] != "done" {
		t.Fatalf("turn_end %v", end)
	}

	// The store has it all, reasoning included.
	hist := a.request(map[string]any{"type": "history", "chat_id": chat})
	items := hist["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("history has %d items", len(items))
	}
	asst := items[1].(map[string]any)
	if asst["content"] != "Hello there, my friend." || asst["reasoning"] != "Let me think about it." || asst["status"] != "done" {
		t.Fatalf("stored answer %v", asst)
	}
	if int64(hist["last_seq"].(float64)) < seqOf(end) {
		t.Fatalf("history last_seq %v below turn_end seq %d", hist["last_seq"], seqOf(end))
	}
}

func TestResumeWithSinceGetsExactlyTheMissedEvents(t *testing.T) {
	h := startHearth(t)
	h.fake.SetDefault(slowScript(30, 20*time.Millisecond))
	watcher, a := h.dial(t), h.dial(t)
	chat := a.newChat()
	watcher.request(map[string]any{"type": "attach", "chat_id": chat})
	a.request(map[string]any{"type": "message", "chat_id": chat, "content": "go"})

	// a sees a few deltas, then drops.
	var seen []map[string]any
	for len(chatEvents(seen)) < 5 {
		seen = append(seen, a.next(5*time.Second))
	}
	lastSeen := seqOf(seen[len(seen)-1])
	_ = a.ws.CloseNow()

	full := watcher.collectTurn()
	// Re-attach after the turn ended: the finished turn comes as its snapshot.
	a2 := h.dial(t)
	a2.send(map[string]any{"type": "attach", "chat_id": chat, "since": lastSeen})
	_, replay := a2.until("attached", 5*time.Second)
	var want [][3]any
	for _, e := range chatEvents(full) {
		if e[1].(int64) > lastSeen && (e[0] == "stream_end" || e[0] == "turn_end" || e[0] == "reasoning_end") {
			want = append(want, e)
		}
	}
	if got := chatEvents(replay); !reflect.DeepEqual(got, want) {
		t.Fatalf("replay after the turn:\n got %v\nwant %v", got, want)
	}
	// stream_end carries the whole answer, so a client that saw part of it can
	// replace what it has.
	if se := replay[len(replay)-3]; se["event"] != "stream_end" || str(se, "text") != answerOf(full, "delta") {
		t.Fatalf("stream_end snapshot %v", se)
	}
}

func TestResumeMidTurnReplaysExactDeltas(t *testing.T) {
	h := startHearth(t)
	// The model streams 40 deltas and then holds the stream open, so the turn
	// is still running when the client comes back, however slow the machine;
	// the client ends it with cancel.
	h.fake.SetDefault(heldScript(40, 25*time.Millisecond))
	watcher, a := h.dial(t), h.dial(t)
	chat := a.newChat()
	watcher.request(map[string]any{"type": "attach", "chat_id": chat})
	a.request(map[string]any{"type": "message", "chat_id": chat, "content": "go"})
	var seen []map[string]any
	for len(chatEvents(seen)) < 4 {
		seen = append(seen, a.next(5*time.Second))
	}
	lastSeen := seqOf(seen[len(seen)-1])
	_ = a.ws.CloseNow()
	// Miss a few more: until the watcher has seen three deltas past lastSeen.
	var watched []map[string]any
	for missed := 0; missed < 3; {
		ev := watcher.next(patience)
		watched = append(watched, ev)
		if ev["event"] == "delta" && seqOf(ev) > lastSeen {
			missed++
		}
	}

	a2 := h.dial(t)
	a2.send(map[string]any{"type": "attach", "chat_id": chat, "since": lastSeen})
	att, replay := a2.until("attached", 5*time.Second)
	if att["status"] != "running" {
		t.Fatalf("attached %v, want running", att)
	}
	a2.send(map[string]any{"type": "cancel", "chat_id": chat})
	rest := a2.collectTurn()
	got := append(chatEvents(seen), chatEvents(append(replay, rest...))...)
	full := chatEvents(append(watched, watcher.collectTurn()...))
	strictlyIncreasing(t, got)
	if !reflect.DeepEqual(mergedDeltas(got), mergedDeltas(full)) {
		t.Fatalf("seen + replay + live differs from the full turn:\n got %v\nfull %v", got, full)
	}
}

func TestLateJoinerGetsWholeTurnWithoutGapOrDuplicate(t *testing.T) {
	h := startHearth(t)
	// 30 deltas, then the stream is held open: the late joiner certainly
	// joins a running turn; once it has all 30, the turn is cancelled.
	h.fake.SetDefault(heldScript(30, 20*time.Millisecond))
	a := h.dial(t)
	chat := a.newChat()
	a.request(map[string]any{"type": "message", "chat_id": chat, "content": "go"})
	var early []map[string]any
	for i := 0; i < 6; i++ {
		early = append(early, a.next(5*time.Second))
	}
	late := h.dial(t)
	late.send(map[string]any{"type": "attach", "chat_id": chat})
	_, replay := late.until("attached", 5*time.Second)
	if len(replay) < 3 || replay[0]["event"] != "turn_start" {
		t.Fatalf("late join replay starts with %v", names(replay))
	}
	var rest []map[string]any
	for answerOf(append(replay, rest...), "delta") != answerOfScript(30) {
		rest = append(rest, late.next(patience))
	}
	a.send(map[string]any{"type": "cancel", "chat_id": chat})
	rest = append(rest, late.collectTurn()...)
	full := append(early, a.collectTurn()...)
	got := chatEvents(append(replay, rest...))
	aAll := chatEvents(full)
	if got[len(got)-1][0] != "turn_end" || answerOf(append(replay, rest...), "delta") != answerOfScript(30) {
		t.Fatalf("late joiner answer %q", answerOf(append(replay, rest...), "delta"))
	}
	seen := map[int64]bool{}
	for _, e := range got {
		if seen[e[1].(int64)] {
			t.Fatalf("duplicate seq %d in %v", e[1], got)
		}
		seen[e[1].(int64)] = true
	}
	if aAll[len(aAll)-1][1] != got[len(got)-1][1] {
		t.Fatalf("turn_end seq differs: %v vs %v", aAll[len(aAll)-1], got[len(got)-1])
	}
}

func answerOfScript(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString("w" + string(rune('a'+i%26)) + " ")
	}
	return b.String()
}

func TestCancelKeepsPartialTextAndAbortsUpstream(t *testing.T) {
	h := startHearth(t)
	h.fake.SetDefault(slowScript(200, 50*time.Millisecond))
	a := h.dial(t)
	chat := a.newChat()
	acc := a.request(map[string]any{"type": "message", "chat_id": chat, "content": "go"})
	a.expect("delta")
	a.expect("delta")
	start := time.Now()
	a.send(map[string]any{"type": "cancel", "chat_id": chat, "turn_id": acc["turn_id"]})
	evs := a.collectTurn()
	// How fast is a figure, not a check: on a busy machine it takes what it
	// takes. What must hold is that the cancel cut the answer short.
	t.Logf("cancel → turn_end in %v", time.Since(start))
	end := evs[len(evs)-1]
	if end["status"] != "cancelled" {
		t.Fatalf("turn_end %v", end)
	}
	if got := str(evs[len(evs)-2], "text"); evs[len(evs)-2]["event"] != "stream_end" || len(got) >= len(answerOfScript(200)) {
		t.Fatalf("the cancelled turn was not cut short: %v", evs[len(evs)-2])
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := h.fake.WaitCancelled(ctx, 1); err != nil {
		t.Fatalf("upstream request was not aborted: %v", err)
	}
	hist := a.request(map[string]any{"type": "history", "chat_id": chat})
	asst := hist["items"].([]any)[1].(map[string]any)
	if asst["status"] != "cancelled" || !strings.HasPrefix(asst["content"].(string), "wa wb ") {
		t.Fatalf("stored cancelled answer %v", asst)
	}
	// cancel with nothing running says so.
	if ev := a.request(map[string]any{"type": "cancel", "chat_id": chat}); ev["reason"] != "not_running" {
		t.Fatalf("cancel when idle: %v", ev)
	}
}

func TestBusyAndQueue(t *testing.T) {
	h := startHearth(t)
	h.fake.SetDefault(slowScript(10, 30*time.Millisecond))
	// The first answer is held open, so it is certainly running while the
	// next two arrive; it is then cancelled and the queued one runs.
	h.fake.On("first", heldScript(10, 30*time.Millisecond))
	a := h.dial(t)
	chat := a.newChat()
	a.request(map[string]any{"type": "message", "chat_id": chat, "content": "first"})
	if ev := a.request(map[string]any{"type": "message", "chat_id": chat, "content": "second"}); ev["reason"] != "busy" {
		t.Fatalf("second message without queue: %v", ev)
	}
	q := a.request(map[string]any{"type": "message", "chat_id": chat, "content": "third", "queue": true})
	if q["event"] != "message_accepted" || q["queued"] != true {
		t.Fatalf("queued message: %v", q)
	}
	// Once the whole first answer has streamed, it is cancelled (it keeps its
	// text, so the model sees it with the next question).
	var first []map[string]any
	for answerOf(first, "delta") != answerOfScript(10) {
		first = append(first, a.next(patience))
	}
	a.send(map[string]any{"type": "cancel", "chat_id": chat})
	first = append(first, a.collectTurn()...)
	second := a.collectTurn()
	if first[len(first)-1]["status"] != "cancelled" || second[len(second)-1]["status"] != "done" {
		t.Fatalf("turns ended %v and %v, want cancelled and done", first[len(first)-1]["status"], second[len(second)-1]["status"])
	}
	if str(second[len(second)-1], "turn_id") != str(q, "turn_id") {
		t.Fatalf("queued turn id %v, ran %v", q["turn_id"], second[len(second)-1]["turn_id"])
	}
	// The queued turn's model saw first, its answer, then third — never "second".
	reqs := h.fake.Requests()
	last := reqs[len(reqs)-1]
	var roles []string
	for _, m := range last.Messages {
		roles = append(roles, m.Role+":"+strings.TrimSpace(m.Content))
	}
	want := []string{"user:first", "assistant:" + strings.TrimSpace(answerOfScript(10)), "user:third"}
	if !reflect.DeepEqual(roles, want) {
		t.Fatalf("model saw %v, want %v", roles, want)
	}
}

func TestBadInputGetsClearErrorsAndServerCarriesOn(t *testing.T) {
	h := startHearth(t)
	bystander := h.dial(t)
	chat := bystander.newChat()
	bad := h.dial(t)
	cases := []struct {
		frame  string
		binary bool
		reason string
	}{
		{`{"type":"ping"`, false, "invalid_json"},
		{`[1,2,3]`, false, "invalid_json"},
		{`{"type":"dance"}`, false, "unknown_type"},
		{`{"type":"attach","chat_id":"../etc"}`, false, "invalid_chat_id"},
		{`{"type":"attach"}`, false, "missing_field"},
		{`{"type":"attach","chat_id":"nope"}`, false, "not_found"},
		{`{"type":"message","chat_id":"` + chat + `"}`, false, "empty_message"},
		{"\xff\xfe\xfd", true, "invalid_utf8"},
		{`{"type":"history","chat_id":5}`, false, "invalid_field"},
	}
	for _, c := range cases {
		typ := websocket.MessageText
		if c.binary {
			typ = websocket.MessageBinary
		}
		bad.sendRaw(typ, []byte(c.frame))
		ev := bad.expect("error")
		if ev["reason"] != c.reason || str(ev, "detail") == "" {
			t.Errorf("%q: got %v, want reason %s", c.frame, ev, c.reason)
		}
	}
	// An oversized frame closes that connection with 1009 …
	bad.sendRaw(websocket.MessageText, []byte(`{"type":"message","content":"`+strings.Repeat("x", 2<<20)+`"}`))
	select {
	case err := <-bad.closed:
		if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
			t.Fatalf("oversized frame: close %v, want 1009", err)
		}
	case <-time.After(patience):
		t.Fatal("oversized frame did not close the connection")
	}
	// … while the server and the other client carry on.
	if ev := bystander.request(map[string]any{"type": "ping"}); ev["event"] != "pong" {
		t.Fatalf("bystander after bad input: %v", ev)
	}
	if ev := bystander.request(map[string]any{"type": "message", "chat_id": chat, "content": "still there?"}); ev["event"] != "message_accepted" {
		t.Fatalf("bystander message: %v", ev)
	}
	bystander.collectTurn()
}

func TestNanobotCompatibility(t *testing.T) {
	h := startHearth(t)
	c := dialUnix(t, h.Socket, "?client_id=alice")
	if c.ready["client_id"] != "alice" || str(c.ready, "chat_id") == "" || c.ready["protocol"] != float64(1) {
		t.Fatalf("ready %v", c.ready)
	}
	// Plain text typed into websocat is a message to the default chat.
	c.sendRaw(websocket.MessageText, []byte("hello there"))
	acc := c.expect("message_accepted")
	if acc["chat_id"] != c.ready["chat_id"] {
		t.Fatalf("plain text went to %v, want default chat %v", acc["chat_id"], c.ready["chat_id"])
	}
	evs := c.collectTurn()
	if answerOf(evs, "delta") != "Hello from llmtest." {
		t.Fatalf("answer %q", answerOf(evs, "delta"))
	}
	// nanobot's legacy frame: no type, string content.
	c.send(map[string]any{"content": "again"})
	if acc := c.expect("message_accepted"); acc["chat_id"] != c.ready["chat_id"] {
		t.Fatalf("legacy frame: %v", acc)
	}
	c.collectTurn()
}

func TestProviderErrorEndsTurnWithMessage(t *testing.T) {
	h := startHearth(t)
	h.fake.SetDefault(llmtest.Script{Fail: llmtest.FailModel})
	c := h.dial(t)
	chat := c.newChat()
	c.request(map[string]any{"type": "message", "chat_id": chat, "content": "hi"})
	evs := c.collectTurn()
	end := evs[len(evs)-1]
	if end["status"] != "error" || !strings.Contains(str(end, "error"), "fake-model") {
		t.Fatalf("turn_end %v", end)
	}
	// The user message is kept.
	hist := c.request(map[string]any{"type": "history", "chat_id": chat})
	if items := hist["items"].([]any); len(items) != 2 || items[0].(map[string]any)["content"] != "hi" {
		t.Fatalf("history %v", hist["items"])
	}
}

func TestChatsListRenameDeleteBroadcast(t *testing.T) {
	h := startHearth(t)
	a, b := h.dial(t), h.dial(t)
	chat := a.newChat()
	if ev := b.expect("chat_created"); ev["chat_id"] != chat {
		t.Fatalf("chat_created %v", ev)
	}
	a.request(map[string]any{"type": "rename_chat", "chat_id": chat, "title": "  Plans  "})
	if ev := b.expect("chat_updated"); ev["chat"].(map[string]any)["title"] != "Plans" {
		t.Fatalf("chat_updated %v", ev)
	}
	list := b.request(map[string]any{"type": "list_chats"})
	if items := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != chat {
		t.Fatalf("list %v", list)
	}
	a.request(map[string]any{"type": "delete_chat", "chat_id": chat})
	if ev := b.expect("chat_deleted"); ev["chat_id"] != chat {
		t.Fatalf("chat_deleted %v", ev)
	}
	if ev := b.request(map[string]any{"type": "attach", "chat_id": chat}); ev["reason"] != "not_found" {
		t.Fatalf("attach deleted: %v", ev)
	}
}

func TestUnixSocketModes(t *testing.T) {
	h := startHearth(t)
	fi, err := os.Stat(h.Socket)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket mode %v", fi.Mode())
	}
	di, err := os.Stat(h.cfg.RuntimeDir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("socket dir mode %v", di.Mode().Perm())
	}
	ep, err := os.Stat(h.cfg.EndpointFile())
	if err != nil || ep.Mode().Perm() != 0o600 {
		t.Fatalf("endpoint.json: %v %v", ep, err)
	}
}

func TestSlowClientIsDroppedWithoutSlowingOthers(t *testing.T) {
	fake := llmtest.New()
	t.Cleanup(fake.Close)
	// A 750 KiB answer streamed over about 3 s, against a 256 KiB send bound.
	h := startWithOptions(t, testConfig(t, fake), fake, assembly.Options{QueueBytes: 256 << 10})
	steps := make([]llmtest.Step, 1500)
	chunk := strings.Repeat("x", 512)
	for i := range steps {
		steps[i] = llmtest.Step{Content: chunk, Delay: 2 * time.Millisecond}
	}
	h.fake.SetDefault(llmtest.Script{Steps: steps})
	fast := h.dial(t)
	chat := fast.newChat()

	// A client that attaches and, once attached, never reads another byte.
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	slow := dialRaw(t, ctx, h.Socket)
	if err := slow.Write(ctx, websocket.MessageText, []byte(`{"type":"attach","chat_id":"`+chat+`"}`)); err != nil {
		t.Fatal(err)
	}
	for {
		_, data, err := slow.Read(ctx)
		if err != nil {
			t.Fatalf("slow client before its attach landed: %v", err)
		}
		if strings.Contains(string(data), `"event":"attached"`) {
			break
		}
	}

	start := time.Now()
	fast.request(map[string]any{"type": "message", "chat_id": chat, "content": "flood"})
	evs := fast.collectTurn()
	if got := len(answerOf(evs, "delta")); got != len(steps)*len(chunk) {
		t.Fatalf("fast client got %d of %d chars", got, len(steps))
	}
	t.Logf("fast client got the whole turn in %v", time.Since(start))
	waitFor(t, func() bool { return h.Clients() == 1 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", patience)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestModelServerNotRunningIsExplained(t *testing.T) {
	fake := llmtest.New()
	cfg := testConfig(t, fake)
	fake.Close() // nothing listens there any more
	h := startWith(t, cfg, fake)
	c := h.dial(t)
	if ev := c.request(map[string]any{"type": "list_models"}); ev["reason"] != "provider_unreachable" || !strings.Contains(str(ev, "detail"), strings.TrimPrefix(fake.URL, "http://")) {
		t.Fatalf("list_models with no server: %v", ev)
	}
	chat := c.newChat()
	c.request(map[string]any{"type": "message", "chat_id": chat, "content": "anyone there?"})
	evs := c.collectTurn()
	end := evs[len(evs)-1]
	if end["status"] != "error" || !strings.Contains(str(end, "error"), strings.TrimPrefix(fake.URL, "http://")) || !strings.Contains(str(end, "error"), "running") {
		t.Fatalf("turn_end with no model server: %v", end)
	}
	// The question is kept, so nothing typed is lost.
	hist := c.request(map[string]any{"type": "history", "chat_id": chat})
	if items := hist["items"].([]any); items[0].(map[string]any)["content"] != "anyone there?" {
		t.Fatalf("history %v", items)
	}
}

func TestSettingsFormSavesAndApplies(t *testing.T) {
	h := startHearth(t)
	other := llmtestNew(t)
	other.SetModels("other-model")
	c := h.dial(t)
	ev := c.request(map[string]any{"type": "set_settings", "provider_url": other.URL + "/v1", "model": "other-model", "api_key": "sk-test"})
	if ev["event"] != "settings" || ev["provider_url"] != other.URL+"/v1" || ev["has_api_key"] != true {
		t.Fatalf("set_settings: %v", ev)
	}
	// Applied at once: the next turn goes to the new server, with the key.
	chat := c.newChat()
	c.request(map[string]any{"type": "message", "chat_id": chat, "content": "hi"})
	c.collectTurn()
	reqs := other.Requests()
	if len(reqs) != 1 || reqs[0].Model != "other-model" || reqs[0].Header.Get("Authorization") != "Bearer sk-test" {
		t.Fatalf("new provider got %+v", reqs)
	}
	// Saved: the config file now holds it, for the next start.
	b, err := os.ReadFile(h.cfg.ConfigFile)
	if err != nil || !strings.Contains(string(b), other.URL+"/v1") || !strings.Contains(string(b), "sk-test") {
		t.Fatalf("config file: %s %v", b, err)
	}
	if ev := c.request(map[string]any{"type": "set_settings", "provider_url": "ftp://x"}); ev["reason"] != "invalid_setting" {
		t.Fatalf("bad url: %v", ev)
	}
}
