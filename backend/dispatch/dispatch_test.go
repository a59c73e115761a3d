package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/chats"
	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/turns"
)

// sink is a connection without a socket: it keeps every frame and lets a
// test wait for one.
type sink struct {
	mu     sync.Mutex
	frames []protocol.Event
	more   chan struct{}
}

func newSink() *sink { return &sink{more: make(chan struct{}, 1)} }

func (s *sink) Send(frame []byte) {
	var e protocol.Event
	if err := json.Unmarshal(frame, &e); err != nil {
		panic(err)
	}
	s.mu.Lock()
	s.frames = append(s.frames, e)
	s.mu.Unlock()
	select {
	case s.more <- struct{}{}:
	default:
	}
}

// wait returns the first frame matching ok, waiting for it to arrive.
func (s *sink) wait(t *testing.T, ok func(protocol.Event) bool) protocol.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a safety net only
	defer cancel()
	for {
		s.mu.Lock()
		for _, e := range s.frames {
			if ok(e) {
				s.mu.Unlock()
				return e
			}
		}
		s.mu.Unlock()
		select {
		case <-s.more:
		case <-ctx.Done():
			t.Fatalf("no matching frame among %d", len(s.frames))
		}
	}
}

type settings struct{ set protocol.Settings }

func (s *settings) Get() protocol.Settings { return s.set }
func (s *settings) Set(_ context.Context, c protocol.SetSettings) (protocol.Settings, error) {
	if c.ProviderURL != nil && !strings.HasPrefix(*c.ProviderURL, "http") {
		return protocol.Settings{}, protocol.Refuse(protocol.ReasonInvalidSetting, "provider_url must be an http(s) URL")
	}
	if c.Model != nil {
		s.set.Model = *c.Model
	}
	return s.set, nil
}

type source struct{ p llm.Provider }

func (s source) Provider() (llm.Provider, string) { return s.p, "m" }

type fixture struct {
	d     *Dispatcher
	st    *store.Store
	llm   *llmtest.Server
	turns *turns.Engine
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "hearth.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := llmtest.New()
	t.Cleanup(srv.Close)
	srv.SetModels("m", "n")
	p, err := llm.New(llm.Config{BaseURL: srv.URL + "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	eng := turns.New(turns.Options{Store: st, Providers: source{p}, Logger: log})
	t.Cleanup(func() { _ = eng.Shutdown(context.Background()) })
	cs := chats.New(chats.Options{Store: st, Turns: eng, Providers: source{p}, Logger: log})
	return &fixture{d: New(Deps{Turns: eng, Chats: cs, Settings: &settings{}, Logger: log}), st: st, llm: srv, turns: eng}
}

func (f *fixture) run(s Session, cmd protocol.Command) []protocol.Event {
	return f.d.Run(context.Background(), s, cmd)
}

// Every command the router accepts has a handler (rename_chat arrives as
// update_chat), and only the ones that wait on the model server or a long
// query run on their own goroutine.
func TestEveryRoutedCommandHasAHandler(t *testing.T) {
	f := newFixture(t)
	for _, name := range protocol.CommandNames() {
		if name == protocol.CmdRenameChat {
			continue
		}
		if _, ok := f.d.table[name]; !ok {
			t.Errorf("no handler for %q", name)
		}
	}
	for name, h := range f.d.table {
		want := name == protocol.CmdSearch || name == protocol.CmdListModels || name == protocol.CmdCancelPull
		if h.Async != want {
			t.Errorf("%s: async %v, want %v", name, h.Async, want)
		}
	}
}

func TestHandlersReplyToTheCaller(t *testing.T) {
	f := newFixture(t)
	s := Session{DefaultChat: "c-default", Sink: newSink()}
	one := func(evs []protocol.Event, event string) protocol.Event {
		t.Helper()
		if len(evs) != 1 || evs[0].Event != event {
			t.Fatalf("got %+v, want one %s", evs, event)
		}
		return evs[0]
	}
	if e := one(f.run(s, protocol.Ping{Base: protocol.Base{ReqID: "p"}}), protocol.EvPong); e.ReqID != "p" {
		t.Errorf("pong req_id %q", e.ReqID)
	}
	e := one(f.run(s, protocol.ListModels{Base: protocol.Base{ReqID: "m"}}), protocol.EvModels)
	if e.ReqID != "m" {
		t.Errorf("models req_id %q", e.ReqID)
	}
	one(f.run(s, protocol.GetSettings{Base: protocol.Base{ReqID: "g"}}), protocol.EvSettings)
	model := "n"
	if e := one(f.run(s, protocol.SetSettings{Base: protocol.Base{ReqID: "s"}, Model: &model}), protocol.EvSettings); e.Model != "n" {
		t.Errorf("settings reply %+v", e)
	}
	one(f.run(s, protocol.ListChats{Base: protocol.Base{ReqID: "l"}, Limit: 10}), protocol.EvChats)
	one(f.run(s, protocol.Search{Base: protocol.Base{ReqID: "q"}, Query: "hello", Limit: 5}), protocol.EvSearchResults)
}

// A message to the connection's default chat creates it, the engine acks it
// on the sink, the turn streams there, and history pages it.
func TestMessageToTheDefaultChatStreamsAndPages(t *testing.T) {
	f := newFixture(t)
	f.llm.SetDefault(llmtest.Script{Steps: []llmtest.Step{{Content: "hello "}, {Content: "there"}}})
	k := newSink()
	s := Session{DefaultChat: "c-default", Sink: k}
	if evs := f.run(s, protocol.SendMessage{Base: protocol.Base{ReqID: "1"}, Content: "hi", ToDefault: true}); len(evs) != 0 {
		t.Fatalf("send replied %+v itself; the engine acks on the sink", evs)
	}
	acc := k.wait(t, func(e protocol.Event) bool { return e.Event == protocol.EvMessageAccepted })
	if acc.ReqID != "1" || acc.ChatID != "c-default" {
		t.Errorf("accepted %+v", acc)
	}
	end := k.wait(t, func(e protocol.Event) bool { return e.Event == protocol.EvTurnEnd })
	if end.Status != "done" {
		t.Fatalf("turn ended %q", end.Status)
	}
	if !f.turns.Subscribed("c-default", k) {
		t.Error("the sender does not follow the chat it wrote to")
	}
	h := f.run(s, protocol.GetHistory{Base: protocol.Base{ReqID: "h"}, ChatID: "c-default", Limit: 10})
	if len(h) != 1 || h[0].Event != protocol.EvHistory || !strings.Contains(fmt.Sprint(h[0].Items), "hello there") {
		t.Fatalf("history %+v", h)
	}
	if evs := f.run(s, protocol.Detach{Base: protocol.Base{ReqID: "d"}, ChatID: "c-default"}); len(evs) != 1 || evs[0].Event != protocol.EvDetached {
		t.Fatalf("detach %+v", evs)
	}
	if f.turns.Subscribed("c-default", k) {
		t.Error("still following after detach")
	}
}

// Refusals keep their reason and name the chat; an error that is not a
// refusal reaches the client as "internal" with an id, never its text.
func TestFailuresBecomeRefusals(t *testing.T) {
	f := newFixture(t)
	s := Session{Sink: newSink()}
	evs := f.run(s, protocol.Attach{Base: protocol.Base{ReqID: "a"}, ChatID: "nope"})
	if len(evs) != 1 || evs[0].Event != protocol.EvError || evs[0].Reason != protocol.ReasonNotFound || evs[0].ChatID != "nope" || evs[0].ReqID != "a" {
		t.Fatalf("attach to a missing chat: %+v", evs)
	}
	evs = f.run(s, protocol.Cancel{Base: protocol.Base{ReqID: "c"}, ChatID: "nope"})
	if len(evs) != 1 || evs[0].Reason != protocol.ReasonNotFound {
		t.Fatalf("cancel in a missing chat: %+v", evs)
	}
	bad := "ftp://x"
	evs = f.run(s, protocol.SetSettings{Base: protocol.Base{ReqID: "s"}, ProviderURL: &bad})
	if len(evs) != 1 || evs[0].Reason != protocol.ReasonInvalidSetting {
		t.Fatalf("bad setting: %+v", evs)
	}
	f.st.Close() // every store call now fails with an internal error
	evs = f.run(s, protocol.ListChats{Base: protocol.Base{ReqID: "l"}, Limit: 5})
	if len(evs) != 1 || evs[0].Reason != protocol.ReasonInternal {
		t.Fatalf("store failure: %+v", evs)
	}
	if strings.Contains(evs[0].Detail, "sql") || !strings.Contains(evs[0].Detail, "(error e") {
		t.Errorf("internal detail %q: must carry an error id and no internal text", evs[0].Detail)
	}
}

func TestClassify(t *testing.T) {
	refusal := protocol.Refuse(protocol.ReasonBusy, "a reply is running")
	for _, tt := range []struct {
		name     string
		err      error
		reason   string
		internal bool
	}{
		{"refusal", refusal, protocol.ReasonBusy, false},
		{"wrapped refusal", fmt.Errorf("send: %w", refusal), protocol.ReasonBusy, false},
		{"provider unreachable", &llm.Error{Code: llm.CodeUnreachable, Message: "nothing listens"}, protocol.ReasonUnreachable, false},
		{"provider failure", &llm.Error{Code: llm.CodeAuth, Message: "bad key"}, protocol.ReasonProviderError, false},
		{"stopping", fmt.Errorf("x: %w", context.Canceled), protocol.ReasonShuttingDown, false},
		{"internal", errors.New("disk I/O error at /secret/path"), protocol.ReasonInternal, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, internal := protocol.Classify(tt.err, "e1")
			if r.Reason != tt.reason || internal != tt.internal {
				t.Fatalf("Classify = %q internal=%v, want %q internal=%v", r.Reason, internal, tt.reason, tt.internal)
			}
			if internal && (strings.Contains(r.Detail, "/secret") || !strings.Contains(r.Detail, "e1")) {
				t.Errorf("internal detail %q", r.Detail)
			}
		})
	}
}

// list_chats at the largest limit still says more chats follow, and its
// cursor reaches them: 501 chats are a page of 500 with has_more, then one.
func TestListChatsPagesPastTheCap(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for range 501 {
		if _, err := f.st.CreateChat(ctx, store.NewChat{Title: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	s := Session{Sink: newSink()}
	evs := f.run(s, protocol.ListChats{Base: protocol.Base{ReqID: "1"}, Limit: protocol.MaxLimit})
	if len(evs) != 1 || evs[0].Event != protocol.EvChats {
		t.Fatalf("list_chats: %+v", evs)
	}
	first := evs[0]
	if n := len(first.Items.([]protocol.Chat)); n != 500 || first.HasMore == nil || !*first.HasMore || first.NextBefore == "" {
		t.Fatalf("first page: %d chats, has_more %v, next_before %q; want 500, true, a cursor", n, fmt.Sprint(first.HasMore != nil && *first.HasMore), first.NextBefore)
	}
	evs = f.run(s, protocol.ListChats{Base: protocol.Base{ReqID: "2"}, Limit: protocol.MaxLimit, Before: first.NextBefore})
	if len(evs) != 1 || evs[0].Event != protocol.EvChats {
		t.Fatalf("list_chats before: %+v", evs)
	}
	rest := evs[0]
	if n := len(rest.Items.([]protocol.Chat)); n != 1 || rest.HasMore == nil || *rest.HasMore || rest.NextBefore != "" {
		t.Fatalf("second page: %d chats, has_more %v, next_before %q; want 1, false, none", n, fmt.Sprint(rest.HasMore != nil && *rest.HasMore), rest.NextBefore)
	}
	seen := map[string]bool{}
	for _, c := range append(first.Items.([]protocol.Chat), rest.Items.([]protocol.Chat)...) {
		seen[c.ID] = true
	}
	if len(seen) != 501 {
		t.Errorf("the pages hold %d distinct chats, want 501", len(seen))
	}
}
