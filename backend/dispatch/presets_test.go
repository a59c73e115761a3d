package dispatch

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/hearth-app/hearth/backend/chats"
	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/turns"
)

// presetFixture is a dispatcher whose broadcasts are kept, and commands are
// given as the JSON frames a client sends (through the router).
type presetFixture struct {
	d  *Dispatcher
	st *store.Store

	mu  sync.Mutex
	all []protocol.Event // broadcast to every connection
}

func newPresetFixture(t *testing.T) *presetFixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "hearth.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := llmtest.New()
	t.Cleanup(srv.Close)
	p, err := llm.New(llm.Config{BaseURL: srv.URL + "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	f := &presetFixture{st: st}
	broadcast := func(frame []byte) {
		var e protocol.Event
		if err := json.Unmarshal(frame, &e); err != nil {
			panic(err)
		}
		f.mu.Lock()
		f.all = append(f.all, e)
		f.mu.Unlock()
	}
	log := slog.New(slog.DiscardHandler)
	eng := turns.New(turns.Options{Store: st, Providers: source{p}, Broadcast: broadcast, Logger: log})
	t.Cleanup(func() { _ = eng.Shutdown(context.Background()) })
	cs := chats.New(chats.Options{Store: st, Turns: eng, Providers: source{p}, Broadcast: broadcast, Logger: log})
	f.d = New(Deps{Turns: eng, Chats: cs, Settings: &settings{}, Logger: log})
	return f
}

// send routes a frame as the server does and runs what it decides.
func (f *presetFixture) send(t *testing.T, s Session, frame string) []protocol.Event {
	t.Helper()
	dec := protocol.Route([]byte(frame), false, protocol.ConnState{})
	if dec.Err != nil {
		return []protocol.Event{*dec.Err}
	}
	return f.d.Run(context.Background(), s, dec.Cmd)
}

func (f *presetFixture) broadcasts(event string) []protocol.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []protocol.Event
	for _, e := range f.all {
		if e.Event == event {
			out = append(out, e)
		}
	}
	return out
}

// presetItems decodes a presets event's items.
func presetItems(t *testing.T, e protocol.Event) []protocol.Preset {
	t.Helper()
	b, err := json.Marshal(e.Items)
	if err != nil {
		t.Fatal(err)
	}
	var out []protocol.Preset
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func only(t *testing.T, evs []protocol.Event, event string) protocol.Event {
	t.Helper()
	if len(evs) != 1 || evs[0].Event != event {
		t.Fatalf("got %+v, want one %s", evs, event)
	}
	return evs[0]
}

func fp(v float64) *float64 { return &v }
func ip(v int) *int         { return &v }

func TestPresetCommandsReplyWithTheListAndTellEveryone(t *testing.T) {
	f := newPresetFixture(t)
	s := Session{Sink: newSink()}

	e := only(t, f.send(t, s, `{"type":"list_presets","req_id":"l1"}`), protocol.EvPresets)
	if e.ReqID != "l1" || len(presetItems(t, e)) != 0 {
		t.Fatalf("empty list %+v", e)
	}
	e = only(t, f.send(t, s, `{"type":"save_preset","req_id":"s1","name":" coder ","system":"You write Go.","model":"qwen",
		"params":{"temperature":0.2,"top_p":0.9,"context_length":8192,"reasoning_effort":"high"}}`), protocol.EvPresets)
	want := []protocol.Preset{{Name: "coder", System: "You write Go.", Model: "qwen",
		Params: protocol.Params{Temperature: fp(0.2), TopP: fp(0.9), ContextLength: ip(8192), ReasoningEffort: "high"}}}
	if got := presetItems(t, e); e.ReqID != "s1" || !reflect.DeepEqual(got, want) {
		t.Fatalf("save replied %+v with %+v", e, got)
	}
	b := f.broadcasts(protocol.EvPresets)
	if len(b) != 1 || b[0].ReqID != "" || !reflect.DeepEqual(presetItems(t, b[0]), want) {
		t.Fatalf("broadcast %+v", b)
	}

	// Saving under the same name replaces the preset.
	e = only(t, f.send(t, s, `{"type":"save_preset","name":"coder","system":"You write Rust."}`), protocol.EvPresets)
	if got := presetItems(t, e); len(got) != 1 || got[0].System != "You write Rust." || got[0].Model != "" ||
		!reflect.DeepEqual(got[0].Params, protocol.Params{}) {
		t.Fatalf("replaced %+v", got)
	}

	e = only(t, f.send(t, s, `{"type":"delete_preset","req_id":"d1","name":"nope"}`), protocol.EvError)
	if e.Reason != protocol.ReasonNotFound || e.ReqID != "d1" {
		t.Fatalf("deleting an unknown preset: %+v", e)
	}
	if n := len(f.broadcasts(protocol.EvPresets)); n != 2 {
		t.Errorf("%d presets broadcasts after a refused delete, want 2", n)
	}
	e = only(t, f.send(t, s, `{"type":"delete_preset","req_id":"d2","name":"coder"}`), protocol.EvPresets)
	if e.ReqID != "d2" || len(presetItems(t, e)) != 0 {
		t.Fatalf("delete replied %+v", e)
	}
	if b := f.broadcasts(protocol.EvPresets); len(b) != 3 || len(presetItems(t, b[2])) != 0 {
		t.Fatalf("delete broadcast %+v", b)
	}
	e = only(t, f.send(t, s, `{"type":"save_preset","name":"x","params":{"temperature":3}}`), protocol.EvError)
	if e.Reason != protocol.ReasonInvalidField {
		t.Errorf("temperature 3: %+v", e)
	}
}

func (f *presetFixture) chat(t *testing.T, id string) store.Chat {
	t.Helper()
	c, err := f.st.GetChat(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// new_chat with a preset takes from it what the frame leaves out; an unknown
// preset creates nothing.
func TestNewChatWithAPreset(t *testing.T) {
	f := newPresetFixture(t)
	s := Session{Sink: newSink()}
	only(t, f.send(t, s, `{"type":"save_preset","name":"coder","system":"You write Go.","model":"qwen",
		"params":{"temperature":0.2,"context_length":8192}}`), protocol.EvPresets)

	e := only(t, f.send(t, s, `{"type":"new_chat","req_id":"n0","preset":"nope"}`), protocol.EvError)
	if e.Reason != protocol.ReasonNotFound || e.ReqID != "n0" {
		t.Fatalf("unknown preset: %+v", e)
	}
	if n := len(f.broadcasts(protocol.EvChatCreated)); n != 0 {
		t.Fatalf("an unknown preset created %d chats", n)
	}

	if evs := f.send(t, s, `{"type":"new_chat","req_id":"n1","preset":"coder","system":"Be brief.","params":{"top_p":0.5}}`); len(evs) != 0 {
		t.Fatalf("new_chat replied %+v itself", evs)
	}
	created := f.broadcasts(protocol.EvChatCreated)
	if len(created) != 1 {
		t.Fatalf("created %+v", created)
	}
	c := f.chat(t, created[0].Chat.ID)
	wantParams := protocol.Params{Temperature: fp(0.2), TopP: fp(0.5), ContextLength: ip(8192)}
	if c.System != "Be brief." || c.Model != "qwen" || c.Preset != "coder" || !reflect.DeepEqual(c.Params, wantParams) {
		t.Fatalf("chat %+v", c)
	}
	if pc := created[0].Chat; pc.Preset != "coder" || !reflect.DeepEqual(pc.Params, wantParams) || pc.System != "Be brief." {
		t.Errorf("chat_created says %+v", pc)
	}

	// Params alone, no preset.
	f.send(t, s, `{"type":"new_chat","params":{"reasoning_effort":"low"}}`)
	created = f.broadcasts(protocol.EvChatCreated)
	if c := f.chat(t, created[1].Chat.ID); c.Params.ReasoningEffort != "low" || c.Preset != "" {
		t.Errorf("chat with params %+v", c)
	}
}

// update_chat applies a preset (copies it), replaces params, and resets
// them with an empty object; chat_updated carries the result.
func TestUpdateChatSettings(t *testing.T) {
	f := newPresetFixture(t)
	s := Session{Sink: newSink()}
	only(t, f.send(t, s, `{"type":"save_preset","name":"coder","system":"You write Go.","model":"qwen",
		"params":{"temperature":0.2,"reasoning_effort":"high"}}`), protocol.EvPresets)
	f.send(t, s, `{"type":"new_chat","system":"old"}`)
	id := f.broadcasts(protocol.EvChatCreated)[0].Chat.ID

	e := only(t, f.send(t, s, `{"type":"update_chat","req_id":"u1","chat_id":"`+id+`","preset":"coder"}`), protocol.EvChatUpdated)
	want := protocol.Params{Temperature: fp(0.2), ReasoningEffort: "high"}
	if e.ReqID != "u1" || e.Chat.System != "You write Go." || e.Chat.Model != "qwen" || e.Chat.Preset != "coder" ||
		!reflect.DeepEqual(e.Chat.Params, want) {
		t.Fatalf("applied preset: %+v", e.Chat)
	}
	if b := f.broadcasts(protocol.EvChatUpdated); len(b) != 1 || b[0].ReqID != "" || b[0].Chat.Preset != "coder" {
		t.Fatalf("chat_updated broadcast %+v", b)
	}

	// Changing the preset later does not change the chat: it was copied.
	f.send(t, s, `{"type":"save_preset","name":"coder","system":"changed"}`)
	if c := f.chat(t, id); c.System != "You write Go." {
		t.Errorf("the chat followed its preset: %+v", c)
	}

	e = only(t, f.send(t, s, `{"type":"update_chat","chat_id":"`+id+`","params":{"context_length":4096}}`), protocol.EvChatUpdated)
	if !reflect.DeepEqual(e.Chat.Params, protocol.Params{ContextLength: ip(4096)}) || e.Chat.System != "You write Go." {
		t.Fatalf("params replaced: %+v", e.Chat)
	}
	e = only(t, f.send(t, s, `{"type":"update_chat","chat_id":"`+id+`","params":{}}`), protocol.EvChatUpdated)
	if !reflect.DeepEqual(e.Chat.Params, protocol.Params{}) {
		t.Fatalf("params reset: %+v", e.Chat.Params)
	}
	if c := f.chat(t, id); !reflect.DeepEqual(c.Params, protocol.Params{}) {
		t.Fatalf("stored params after reset: %+v", c.Params)
	}

	e = only(t, f.send(t, s, `{"type":"update_chat","chat_id":"`+id+`","preset":"gone"}`), protocol.EvError)
	if e.Reason != protocol.ReasonNotFound || e.ChatID != id {
		t.Fatalf("unknown preset: %+v", e)
	}
	e = only(t, f.send(t, s, `{"type":"update_chat","chat_id":"`+id+`","preset":""}`), protocol.EvChatUpdated)
	if e.Chat.Preset != "" || e.Chat.System != "You write Go." {
		t.Errorf("forgetting the preset: %+v", e.Chat)
	}
}
