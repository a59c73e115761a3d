package turns

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/view"
)

func TestCleanTitle(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Rust ownership explained", "Rust ownership explained"},
		{`"Rust ownership explained"`, "Rust ownership explained"},
		{"Title: Rust ownership explained.", "Rust ownership explained"},
		{"**Title:** \"Rust Ownership\"", "Rust Ownership"},
		{"**Title:** \"Rust Ownership\".", "Rust Ownership"},
		{"\"Rust Ownership.\"", "Rust Ownership"},
		{"## Rust Ownership", "Rust Ownership"},
		{"`Rust Ownership`", "Rust Ownership"},
		{"Titel: Eigentum in Rust", "Eigentum in Rust"},
		{"Título: Propiedad en Rust", "Propiedad en Rust"},
		{"«Propriété en Rust»", "Propriété en Rust"},
		{"„Eigentum in Rust“", "Eigentum in Rust"},
		{"「Rustの所有権」", "Rustの所有権"},
		{"标题：Rust 所有权", "Rust 所有权"},
		{"Rust 所有权。", "Rust 所有权"},
		{"<think>The user asks about Rust.</think>\nRust ownership", "Rust ownership"},
		{"\n\n  Rust   ownership  \nThis title says what the chat is about.", "Rust ownership"},
		{"How do magnets work?", "How do magnets work?"},
		{"C++ templates", "C++ templates"},
		{"- Rust ownership", "Rust ownership"},
		{"", ""},
		{"  \n \"\" ", ""},
		{"***", ""},
		{"<think>only thinking, cut off", ""},
		{strings.Repeat("word ", 30), "word word word word word word word word word word word word…"},
	} {
		if got := cleanTitle(tc.in); got != tc.want {
			t.Errorf("cleanTitle(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTitleRequest(t *testing.T) {
	long := strings.Repeat("a", titleInputChars+500)
	req := titleRequest("qwen3", "  Wie funktioniert Eigentum in Rust?  ", long)
	if req.Model != "qwen3" || len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Role != "user" {
		t.Fatalf("request %+v", req)
	}
	if !strings.Contains(req.Messages[0].Content, "language of the user's message") {
		t.Errorf("the instruction does not ask for the chat's language: %q", req.Messages[0].Content)
	}
	u := req.Messages[1].Content
	if !strings.Contains(u, "User's message:\nWie funktioniert Eigentum in Rust?\n") {
		t.Errorf("question not quoted: %q", u)
	}
	if strings.Contains(u, long) || !strings.Contains(u, strings.Repeat("a", titleInputChars)+"…") {
		t.Errorf("answer not clipped to %d characters", titleInputChars)
	}
	if req.ReasoningEffort != "" {
		t.Errorf("a title asks for reasoning effort %q", req.ReasoningEffort)
	}
}

// chatUpdates records the titles of the chat_updated broadcasts.
type chatUpdates struct {
	mu     sync.Mutex
	titles []string
	more   chan struct{}
}

func (c *chatUpdates) send(frame []byte) {
	var e struct {
		Event string `json:"event"`
		Chat  struct {
			Title string `json:"title"`
		} `json:"chat"`
	}
	if err := json.Unmarshal(frame, &e); err != nil || e.Event != protocol.EvChatUpdated {
		return
	}
	c.mu.Lock()
	c.titles = append(c.titles, e.Chat.Title)
	c.mu.Unlock()
	select {
	case c.more <- struct{}{}:
	default:
	}
}

func (c *chatUpdates) waitTitle(t *testing.T, title string) {
	t.Helper()
	deadline := time.After(time.Minute) // a safety net only
	for {
		c.mu.Lock()
		for _, got := range c.titles {
			if got == title {
				c.mu.Unlock()
				return
			}
		}
		seen := append([]string(nil), c.titles...)
		c.mu.Unlock()
		select {
		case <-c.more:
		case <-deadline:
			t.Fatalf("no chat_updated with title %q; saw %q", title, seen)
		}
	}
}

func (c *chatUpdates) saw(title string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, got := range c.titles {
		if got == title {
			return true
		}
	}
	return false
}

type titleFixture struct {
	eng     *Engine
	st      *store.Store
	fake    *llmtest.Server
	updates *chatUpdates
	chatID  string
}

// titleMarker is in the user message of every title request (and of no
// question a test sends).
const titleMarker = "Title of this conversation"

// newTitleFixture runs the engine against the fake model server over HTTP,
// answering questions with "Ownership moves values." and title requests
// with title.
func newTitleFixture(t *testing.T, opts TitleOptions, title llmtest.Script) *titleFixture {
	t.Helper()
	ctx := context.Background()
	fake := llmtest.New()
	t.Cleanup(fake.Close)
	fake.SetDefault(llmtest.Script{Steps: []llmtest.Step{{Content: "Ownership "}, {Content: "moves values."}}})
	fake.On(titleMarker, title)
	p, err := llm.New(llm.Config{BaseURL: fake.URL + "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "hearth.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	up := &chatUpdates{more: make(chan struct{}, 1)}
	eng := New(Options{Store: st, Providers: fixedProvider{p}, Logger: slog.New(slog.DiscardHandler), Broadcast: up.send, Titles: opts})
	t.Cleanup(func() { _ = eng.Shutdown(ctx) })
	c, err := st.CreateChat(ctx, store.NewChat{Title: view.DefaultTitle})
	if err != nil {
		t.Fatal(err)
	}
	return &titleFixture{eng: eng, st: st, fake: fake, updates: up, chatID: c.ID}
}

// ask sends content and waits for its turn to end; it returns the status.
func (f *titleFixture) ask(t *testing.T, content string) string {
	t.Helper()
	s := newRecSink()
	if err := f.eng.Send(context.Background(), protocol.SendMessage{ChatID: f.chatID, Content: content}, s); err != nil {
		t.Fatal(err)
	}
	evs := s.wait(t, "turn_end", count("turn_end", 1))
	for _, e := range evs {
		if e.Event == "turn_end" {
			return e.Status
		}
	}
	return ""
}

// settle waits for every background title request to end (Shutdown waits
// for them) and returns the chat as stored.
func (f *titleFixture) settle(t *testing.T) store.Chat {
	t.Helper()
	if err := f.eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := f.st.GetChat(context.Background(), f.chatID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *titleFixture) titleRequests() []llmtest.RecordedRequest {
	var out []llmtest.RecordedRequest
	for _, r := range f.fake.Requests() {
		if strings.Contains(r.LastUser(), titleMarker) {
			out = append(out, r)
		}
	}
	return out
}

const question = "How does ownership work in Rust? I keep fighting the borrow checker"

// After the first exchange the model names the chat, with a request of its
// own to the same model quoting the exchange; every client hears of it.
// Later exchanges leave the title alone.
func TestTheModelTitlesAChatAfterItsFirstExchange(t *testing.T) {
	f := newTitleFixture(t, TitleOptions{Enabled: true},
		llmtest.Script{Steps: []llmtest.Step{{Content: "**Title:** "}, {Content: "\"Rust Ownership Basics\"."}}})
	if st := f.ask(t, question); st != protocol.StatusDone {
		t.Fatalf("turn ended %q", st)
	}
	f.updates.waitTitle(t, "Rust Ownership Basics")
	if st := f.ask(t, "And what about lifetimes?"); st != protocol.StatusDone {
		t.Fatalf("second turn ended %q", st)
	}
	c := f.settle(t)
	if c.Title != "Rust Ownership Basics" {
		t.Errorf("title %q", c.Title)
	}
	reqs := f.titleRequests()
	if len(reqs) != 1 {
		t.Fatalf("%d title requests, want 1 (the second exchange asks for none)", len(reqs))
	}
	r := reqs[0]
	if r.Model != "bench-model" || len(r.Messages) != 2 || r.Messages[0].Role != "system" ||
		!strings.Contains(r.LastUser(), question) || !strings.Contains(r.LastUser(), "Ownership moves values.") {
		t.Errorf("title request %+v", r)
	}
	// The answer is the model's answer, untouched by the title request.
	msgs, err := f.st.Transcript(context.Background(), f.chatID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) < 2 || msgs[1].Content != "Ownership moves values." || msgs[1].Status != protocol.StatusDone {
		t.Errorf("answer %+v", msgs)
	}
}

// A title request that fails, or stalls past its timeout, changes nothing:
// the answer arrived whole and first, and the chat keeps its first words.
func TestAFailedTitleKeepsTheFirstWords(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts TitleOptions
		sc   llmtest.Script
	}{
		{"server error", TitleOptions{Enabled: true}, llmtest.Script{Fail: llmtest.FailServer}},
		{"stalls", TitleOptions{Enabled: true, Timeout: 300 * time.Millisecond}, llmtest.Script{Fail: llmtest.FailStallHeader}},
		{"empty reply", TitleOptions{Enabled: true}, llmtest.Script{Steps: []llmtest.Step{{Content: "\"\""}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newTitleFixture(t, tc.opts, tc.sc)
			if st := f.ask(t, question); st != protocol.StatusDone {
				t.Fatalf("turn ended %q", st)
			}
			// The turn ended while the title request was still to come
			// or running; wait for it to have been made.
			if err := f.fake.WaitRequests(context.Background(), 2); err != nil {
				t.Fatal(err)
			}
			c := f.settle(t)
			if want := titleFrom(question); c.Title != want {
				t.Errorf("title %q, want the first words %q", c.Title, want)
			}
			if n := len(f.titleRequests()); n != 1 {
				t.Errorf("%d title requests", n)
			}
			msgs, _ := f.st.Transcript(context.Background(), f.chatID)
			if len(msgs) != 2 || msgs[1].Content != "Ownership moves values." || msgs[1].Status != protocol.StatusDone {
				t.Errorf("answer %+v", msgs)
			}
		})
	}
}

// A rename that arrives while the model is still finding a title wins.
func TestARenameDuringTheTitleRequestWins(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	f := newTitleFixture(t, TitleOptions{Enabled: true}, llmtest.Script{})
	f.fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
		if !strings.Contains(r.LastUser(), titleMarker) {
			return llmtest.Script{}, false
		}
		close(arrived)
		<-release
		return llmtest.Script{Steps: []llmtest.Step{{Content: "Rust Ownership Basics"}}}, true
	})
	if st := f.ask(t, question); st != protocol.StatusDone {
		t.Fatalf("turn ended %q", st)
	}
	<-arrived
	mine := "My Rust notes"
	if _, err := f.st.UpdateChat(context.Background(), f.chatID, store.ChatPatch{Title: &mine}); err != nil {
		t.Fatal(err)
	}
	close(release)
	c := f.settle(t)
	if c.Title != mine || f.updates.saw("Rust Ownership Basics") {
		t.Errorf("title %q after a rename during the title request (broadcast the model's: %v)", c.Title, f.updates.saw("Rust Ownership Basics"))
	}
}

// No title request: switched off, after a failed answer, or for a chat the
// user named before it ended.
func TestNoTitleRequest(t *testing.T) {
	ok := llmtest.Script{Steps: []llmtest.Step{{Content: "Rust Ownership Basics"}}}
	t.Run("off", func(t *testing.T) {
		f := newTitleFixture(t, TitleOptions{}, ok)
		f.ask(t, question)
		if c := f.settle(t); c.Title != titleFrom(question) || len(f.titleRequests()) != 0 {
			t.Errorf("title %q, %d title requests", c.Title, len(f.titleRequests()))
		}
	})
	t.Run("failed answer", func(t *testing.T) {
		f := newTitleFixture(t, TitleOptions{Enabled: true}, ok)
		f.fake.On("ownership", llmtest.Script{Fail: llmtest.FailServer})
		if st := f.ask(t, question); st != protocol.StatusError {
			t.Fatalf("turn ended %q", st)
		}
		if c := f.settle(t); c.Title != titleFrom(question) || len(f.titleRequests()) != 0 {
			t.Errorf("title %q, %d title requests", c.Title, len(f.titleRequests()))
		}
	})
	t.Run("named by the user", func(t *testing.T) {
		f := newTitleFixture(t, TitleOptions{Enabled: true}, ok)
		mine := "Mine"
		if _, err := f.st.UpdateChat(context.Background(), f.chatID, store.ChatPatch{Title: &mine}); err != nil {
			t.Fatal(err)
		}
		f.ask(t, question)
		if c := f.settle(t); c.Title != mine || len(f.titleRequests()) != 0 {
			t.Errorf("title %q, %d title requests", c.Title, len(f.titleRequests()))
		}
	})
}
