package turns

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// scriptProvider runs each turn with a function of the test's.
type scriptProvider struct {
	mu   sync.Mutex
	reqs []llm.Request
	// forget: keep no requests (benchmarks of memory must not hold them).
	forget bool
	run    func(ctx context.Context, req llm.Request, emit func(llm.Event) error) error
}

func (p *scriptProvider) Stream(ctx context.Context, req llm.Request, emit func(llm.Event) error) error {
	p.mu.Lock()
	if !p.forget {
		p.reqs = append(p.reqs, req)
	}
	run := p.run
	p.mu.Unlock()
	return run(ctx, req, emit)
}
func (p *scriptProvider) Models(context.Context) ([]llm.Model, error) { return nil, nil }
func (p *scriptProvider) Name() string                                { return "openai" }
func (p *scriptProvider) BaseURL() string                             { return "http://test" }
func (p *scriptProvider) Provider() (llm.Provider, string)            { return p, "test-model" }

// say streams words as content deltas.
func say(words ...string) func(context.Context, llm.Request, func(llm.Event) error) error {
	return func(_ context.Context, _ llm.Request, emit func(llm.Event) error) error {
		for _, w := range words {
			if err := emit(llm.Event{Kind: llm.EventContent, Text: w}); err != nil {
				return err
			}
		}
		return nil
	}
}

type ev struct {
	Event   string `json:"event"`
	Seq     int64  `json:"seq"`
	TurnID  string `json:"turn_id"`
	Text    string `json:"text"`
	Status  string `json:"status"`
	Error   string `json:"error"`
	Queued  bool   `json:"queued"`
	Message struct {
		Seq int64 `json:"seq"`
	} `json:"message"`
}

// recSink records every frame and lets a test wait for one.
type recSink struct {
	mu     sync.Mutex
	evs    []ev
	notify chan struct{}
	hook   func(ev)
}

func newRecSink() *recSink { return &recSink{notify: make(chan struct{}, 1)} }

func (s *recSink) Send(b []byte) {
	var e ev
	if err := json.Unmarshal(b, &e); err != nil {
		panic(err)
	}
	if s.hook != nil {
		s.hook(e)
	}
	s.mu.Lock()
	s.evs = append(s.evs, e)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// wait returns the events so far once cond holds for them.
func (s *recSink) wait(t *testing.T, what string, cond func([]ev) bool) []ev {
	t.Helper()
	deadline := time.After(time.Minute) // a safety net only
	for {
		s.mu.Lock()
		evs := append([]ev(nil), s.evs...)
		s.mu.Unlock()
		if cond(evs) {
			return evs
		}
		select {
		case <-s.notify:
		case <-deadline:
			t.Fatalf("never saw %s; got %d events", what, len(evs))
		}
	}
}

func count(name string, n int) func([]ev) bool {
	return func(evs []ev) bool {
		c := 0
		for _, e := range evs {
			if e.Event == name {
				c++
			}
		}
		return c >= n
	}
}

type testEngine struct {
	*Engine
	st   *store.Store
	prov *scriptProvider
	path string
}

func newTestEngine(t *testing.T, opts Options) *testEngine {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	prov := &scriptProvider{run: say("ok")}
	opts.Store, opts.Providers, opts.Logger = st, prov, slog.New(slog.DiscardHandler)
	e := New(opts)
	if err := e.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := e.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		st.Close()
	})
	return &testEngine{Engine: e, st: st, prov: prov, path: path}
}

func (te *testEngine) chat(t *testing.T) string {
	t.Helper()
	c, err := te.st.CreateChat(context.Background(), store.NewChat{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func (te *testEngine) send(t *testing.T, chatID, content string, queue bool, sink Sink) {
	t.Helper()
	err := te.Send(context.Background(), protocol.SendMessage{ChatID: chatID, Content: content, Queue: queue}, sink)
	if err != nil {
		t.Fatalf("send %q: %v", content, err)
	}
}

// gate blocks a turn until released.
type gate struct{ ch chan struct{} }

func newGate() *gate  { return &gate{ch: make(chan struct{})} }
func (g *gate) open() { close(g.ch) }

// An acknowledged message is already committed with what makes sure it is
// answered: the answer's row for a turn that starts at once, the queue entry
// for a queued one. Checked from inside the acknowledgement itself.
func TestAcknowledgedMessageIsCommittedWithItsAnswerOrQueueEntry(t *testing.T) {
	te := newTestEngine(t, Options{})
	chat := te.chat(t)
	g := newGate()
	te.prov.run = func(ctx context.Context, _ llm.Request, emit func(llm.Event) error) error {
		select {
		case <-g.ch:
		case <-ctx.Done():
		}
		return emit(llm.Event{Kind: llm.EventContent, Text: "done"})
	}
	ctx := context.Background()
	var checks []string
	sink := newRecSink()
	sink.hook = func(e ev) {
		if e.Event != "message_accepted" {
			return
		}
		if !e.Queued {
			msgs, err := te.st.Transcript(ctx, chat)
			if err != nil || len(msgs) == 0 || msgs[len(msgs)-1].Role != store.RoleAssistant || msgs[len(msgs)-1].TurnID != e.TurnID {
				checks = append(checks, fmt.Sprintf("immediate turn %s acknowledged before its answer row: %v %v", e.TurnID, len(msgs), err))
			}
			return
		}
		v, ok, err := te.st.GetSetting(ctx, queueKeyPrefix+chat)
		if err != nil || !ok || !strings.Contains(v, fmt.Sprintf(`"user_seq":%d`, e.Message.Seq)) || !strings.Contains(v, e.TurnID) {
			checks = append(checks, fmt.Sprintf("queued turn %s acknowledged before its queue entry: %q %v", e.TurnID, v, err))
		}
	}
	te.send(t, chat, "first", false, sink)
	te.send(t, chat, "second", true, sink)
	te.send(t, chat, "third", true, sink)
	g.open()
	sink.wait(t, "three turn_ends", count("turn_end", 3))
	for _, c := range checks {
		t.Error(c)
	}
	if v, ok, _ := te.st.GetSetting(ctx, queueKeyPrefix+chat); ok {
		t.Errorf("queue left after every turn ran: %q", v)
	}
}

// A queued turn whose answer row cannot be written (a full disk) still ends,
// with an error its clients see, and the chat is not left running.
func TestQueuedTurnThatCannotBeRecordedEndsWithAnError(t *testing.T) {
	te := newTestEngine(t, Options{})
	chat := te.chat(t)
	g := newGate()
	te.prov.run = func(ctx context.Context, _ llm.Request, emit func(llm.Event) error) error {
		<-g.ch
		return emit(llm.Event{Kind: llm.EventContent, Text: "first answer"})
	}
	sink := newRecSink()
	te.send(t, chat, "first", false, sink)
	te.send(t, chat, "second", true, sink)
	// From now on no assistant row can be inserted: what SQLite says on a
	// full disk, from the store's point of view.
	db, err := sql.Open("sqlite", "file:"+te.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER full BEFORE INSERT ON messages WHEN new.role = 'assistant'
		BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	g.open()
	evs := sink.wait(t, "two turn_ends", count("turn_end", 2))
	var ends []ev
	for _, e := range evs {
		if e.Event == "turn_end" {
			ends = append(ends, e)
		}
	}
	if ends[0].Status != "done" || ends[1].Status != "error" || !strings.Contains(ends[1].Error, "full") || ends[1].Seq <= ends[0].Seq {
		t.Fatalf("turn ends %+v", ends)
	}
	if te.IsRunning(chat) {
		t.Fatal("chat still running")
	}
}

// A model that does not stop is cut at the answer cap: the turn ends with a
// sentence saying so, and the text up to the cap is kept.
func TestAnswerCapEndsTheTurnAndKeepsTheText(t *testing.T) {
	te := newTestEngine(t, Options{MaxAnswerBytes: 4096, MaxReasoningBytes: 1024})
	chat := te.chat(t)
	te.prov.run = func(ctx context.Context, _ llm.Request, emit func(llm.Event) error) error {
		for {
			if err := emit(llm.Event{Kind: llm.EventContent, Text: "loop "}); err != nil {
				return err
			}
		}
	}
	sink := newRecSink()
	te.send(t, chat, "go", false, sink)
	evs := sink.wait(t, "turn_end", count("turn_end", 1))
	end := evs[len(evs)-1]
	if end.Status != "error" || !strings.Contains(end.Error, "4 KiB") || !strings.Contains(end.Error, "max_answer_bytes") {
		t.Fatalf("turn_end %+v", end)
	}
	var streamed strings.Builder
	for _, e := range evs {
		if e.Event == "delta" {
			streamed.WriteString(e.Text)
		}
	}
	msgs, _ := te.st.Transcript(context.Background(), chat)
	a := msgs[len(msgs)-1]
	if streamed.Len() != 4096 || a.Content != streamed.String() || a.Status != store.StatusError {
		t.Fatalf("streamed %d bytes; stored %d bytes, status %s", streamed.Len(), len(a.Content), a.Status)
	}

	// Reasoning has its own cap.
	te.prov.run = func(ctx context.Context, _ llm.Request, emit func(llm.Event) error) error {
		for {
			if err := emit(llm.Event{Kind: llm.EventReasoning, Text: "hmm "}); err != nil {
				return err
			}
		}
	}
	te.send(t, chat, "think", false, sink)
	evs = sink.wait(t, "second turn_end", count("turn_end", 2))
	if end := evs[len(evs)-1]; end.Status != "error" || !strings.Contains(end.Error, "max_reasoning_bytes") {
		t.Fatalf("turn_end %+v", end)
	}
}

// A late joiner to a turn of 110,000 one-token deltas gets the whole text in
// a few frames, then the rest live.
func TestLateJoinerToAHugeTurnGetsFewFrames(t *testing.T) {
	te := newTestEngine(t, Options{})
	chat := te.chat(t)
	g := newGate()
	streamed := make(chan struct{})
	te.prov.run = func(ctx context.Context, _ llm.Request, emit func(llm.Event) error) error {
		for range 110_000 {
			if err := emit(llm.Event{Kind: llm.EventContent, Text: "x"}); err != nil {
				return err
			}
		}
		close(streamed)
		<-g.ch
		return emit(llm.Event{Kind: llm.EventContent, Text: "!"})
	}
	te.send(t, chat, "go", false, newRecSink())
	<-streamed
	late := newRecSink()
	if err := te.Attach(context.Background(), chat, nil, late, "r"); err != nil {
		t.Fatal(err)
	}
	g.open()
	evs := late.wait(t, "turn_end", count("turn_end", 1))
	var text strings.Builder
	deltas := 0
	for _, e := range evs {
		if e.Event == "delta" {
			deltas++
			text.WriteString(e.Text)
		}
	}
	if text.String() != strings.Repeat("x", 110_000)+"!" {
		t.Fatalf("late joiner got %d bytes", text.Len())
	}
	if deltas > 4 {
		t.Fatalf("late joiner got %d delta frames, want the replay merged into a few", deltas)
	}
}

// pacedRec is a sink that makes a replay wait until the test lets it go on.
type pacedRec struct {
	*recSink
	waits   chan struct{}
	release chan struct{}
}

func (p *pacedRec) WaitRoom(ctx context.Context, below int) error {
	p.waits <- struct{}{}
	select {
	case <-p.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A replay of a long chat goes page by page at the client's pace, without
// the chat's lock: while it waits, a turn in the same chat streams to
// everyone else, and the replayed client still gets every event once, in
// order.
func TestReplayOfALongChatIsPacedAndDoesNotHoldTheChat(t *testing.T) {
	te := newTestEngine(t, Options{})
	chat := te.chat(t)
	ctx := context.Background()
	sink := newRecSink()
	for i := range 300 {
		te.send(t, chat, fmt.Sprint("q", i), false, sink)
		sink.wait(t, "turn_end", count("turn_end", i+1))
	}
	paced := &pacedRec{recSink: newRecSink(), waits: make(chan struct{}), release: make(chan struct{})}
	zero := int64(0)
	attached := make(chan error, 1)
	go func() { attached <- te.Attach(ctx, chat, &zero, paced, "r") }()
	<-paced.waits // before the first page
	paced.release <- struct{}{}
	<-paced.waits // the second page waits for the client
	// Meanwhile the chat goes on for everyone else.
	te.send(t, chat, "during the replay", false, sink)
	sink.wait(t, "turn_end", count("turn_end", 301))
	close(paced.release)
	go func() {
		for range paced.waits {
		}
	}()
	if err := <-attached; err != nil {
		t.Fatal(err)
	}
	close(paced.waits)
	evs := paced.wait(t, "attached", count("attached", 1))
	var last int64
	ends := 0
	for _, e := range evs {
		if e.Event == "attached" {
			continue
		}
		if e.Seq <= last {
			t.Fatalf("seq %d after %d", e.Seq, last)
		}
		last = e.Seq
		if e.Event == "turn_end" {
			ends++
		}
	}
	if ends != 301 {
		t.Fatalf("replay had %d turn ends, want 301", ends)
	}
}

// Chats nobody follows leave memory once idle.
func TestIdleRoomsAreEvicted(t *testing.T) {
	te := newTestEngine(t, Options{})
	ctx := context.Background()
	sink := newRecSink()
	for i := range 20 {
		chat := te.chat(t)
		te.send(t, chat, "hi", false, sink)
		sink.wait(t, "turn_end", count("turn_end", i+1))
		if _, _, _, err := te.History(ctx, chat, 0, 0, 10); err != nil {
			t.Fatal(err)
		}
	}
	if n := te.Rooms(); n != 20 {
		t.Fatalf("%d rooms while followed, want 20", n)
	}
	te.DetachAll(sink)
	if n := te.Rooms(); n != 0 {
		t.Fatalf("%d rooms after everyone left, want 0", n)
	}
	// A chat comes back with seqs above everything handed out before.
	chats, _ := te.st.ListChats(ctx, store.ListChats{Limit: 1})
	before := chats[0].LastSeq
	te.send(t, chats[0].ID, "again", false, sink)
	evs := sink.wait(t, "turn_end", count("turn_end", 21))
	if s := evs[len(evs)-1].Seq; s <= before {
		t.Fatalf("seq %d after re-loading a chat whose last seq was %d", s, before)
	}
}
