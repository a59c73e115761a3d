package app

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestDeleteDuringRunningTurnWithQueue(t *testing.T) {
	h := startHearth(t)
	h.fake.SetDefault(slowScript(5, time.Millisecond))
	h.fake.On("one", heldScript(200, 20*time.Millisecond))
	a, b := h.dial(t), h.dial(t)
	chat := a.newChat()
	a.request(map[string]any{"type": "message", "chat_id": chat, "content": "one"})
	a.request(map[string]any{"type": "message", "chat_id": chat, "content": "two", "queue": true})
	a.expect("delta")
	b.request(map[string]any{"type": "delete_chat", "chat_id": chat})
	if ev := a.expect("chat_deleted"); ev["chat_id"] != chat {
		t.Fatalf("chat_deleted %v", ev)
	}
	// The upstream request is aborted and the queued turn never starts.
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := h.fake.WaitCancelled(ctx, 1); err != nil {
		t.Fatalf("turn of a deleted chat kept streaming: %v", err)
	}
	if ev := a.request(map[string]any{"type": "message", "chat_id": chat, "content": "three"}); ev["reason"] != "not_found" {
		t.Fatalf("message to a deleted chat: %v", ev)
	}
	list := a.request(map[string]any{"type": "list_chats"})
	if items := list["items"].([]any); len(items) != 0 {
		t.Fatalf("deleted chat still listed: %v", items)
	}
	// The server is fine: a whole turn in another chat runs. Its request is
	// the model's second and last; the deleted chat's queued turn, which would
	// have started when its cancelled turn ended, never made one. (Counted
	// after that turn's end rather than after some sleep.)
	other := a.newChat()
	a.request(map[string]any{"type": "message", "chat_id": other, "content": "hi"})
	if evs := a.collectTurn(); evs[len(evs)-1]["status"] != "done" {
		t.Fatalf("next chat: %v", evs[len(evs)-1])
	}
	h.stop(t) // waits for every turn, so one started late has made its request by now
	reqs := h.fake.Requests()
	if len(reqs) != 2 || reqs[1].LastUser() != "hi" {
		var got []string
		for _, r := range reqs {
			got = append(got, r.LastUser())
		}
		t.Fatalf("model requests %q; the queued turn of a deleted chat ran", got)
	}
}

func TestCancelAQueuedTurnByID(t *testing.T) {
	h := startHearth(t)
	h.fake.SetDefault(slowScript(20, 20*time.Millisecond))
	// "one" is held open until cancelled, so "two" is certainly still queued
	// when its cancel arrives.
	h.fake.On("one", heldScript(20, 20*time.Millisecond))
	a := h.dial(t)
	chat := a.newChat()
	one := a.request(map[string]any{"type": "message", "chat_id": chat, "content": "one"})
	q := a.request(map[string]any{"type": "message", "chat_id": chat, "content": "two", "queue": true})
	a.request(map[string]any{"type": "message", "chat_id": chat, "content": "three", "queue": true})
	a.send(map[string]any{"type": "cancel", "chat_id": chat, "turn_id": q["turn_id"]})
	a.request(map[string]any{"type": "ping"}) // frames are handled in order: the cancel has been
	a.send(map[string]any{"type": "cancel", "chat_id": chat, "turn_id": one["turn_id"]})
	first := a.collectTurn()
	second := a.collectTurn()
	if first[len(first)-1]["status"] != "cancelled" || second[len(second)-1]["status"] != "done" {
		t.Fatalf("turns ended %v and %v, want cancelled and done", first[len(first)-1]["status"], second[len(second)-1]["status"])
	}
	// Only "one" and "three" were answered.
	reqs := h.fake.Requests()
	if len(reqs) != 2 || reqs[1].LastUser() != "three" {
		t.Fatalf("model saw %d requests, last %q", len(reqs), reqs[len(reqs)-1].LastUser())
	}
}

func TestShutdownMidTurnThenQueuedMessageIsAnsweredAfterRestart(t *testing.T) {
	fake := llmtestNew(t)
	fake.SetDefault(heldScript(200, 20*time.Millisecond)) // running when the server stops
	fake.On("two", slowScript(5, time.Millisecond))
	cfg := testConfig(t, fake)
	h := startWith(t, cfg, fake)
	a := h.dial(t)
	chat := a.newChat()
	a.request(map[string]any{"type": "message", "chat_id": chat, "content": "one"})
	q := a.request(map[string]any{"type": "message", "chat_id": chat, "content": "two", "queue": true})
	for range 5 {
		a.expect("delta")
	}
	h.stop(t)
	// Whoever was attached hears how the turn ended before the connection closes.
	end := a.expect("turn_end")
	if end["status"] != "interrupted" {
		t.Fatalf("turn_end on shutdown: %v", end)
	}

	// At the next start the queued message is answered, under the turn id its
	// sender was given.
	h2 := startWith(t, cfg, fake)
	c := h2.dial(t)
	c.send(map[string]any{"type": "attach", "chat_id": chat, "since": 0})
	var resumed map[string]any
	deadline := time.Now().Add(patience)
	for resumed == nil && time.Now().Before(deadline) {
		ev := c.next(time.Until(deadline))
		if ev["event"] == "turn_end" && ev["turn_id"] == q["turn_id"] {
			resumed = ev
		}
	}
	if resumed == nil || resumed["status"] != "done" {
		t.Fatalf("queued turn after restart: %v", resumed)
	}
	hist := c.request(map[string]any{"type": "history", "chat_id": chat})
	var got []string
	for _, it := range hist["items"].([]any) {
		m := it.(map[string]any)
		got = append(got, m["role"].(string)+":"+m["status"].(string))
	}
	want := []string{"user:done", "assistant:interrupted", "user:done", "assistant:done"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("after restart: %v, want %v", got, want)
	}
	if asst := hist["items"].([]any)[1].(map[string]any); len(str(asst, "content")) < len("wa wb ") {
		t.Fatalf("interrupted answer lost its text: %v", asst)
	}
	// Once answered, the queue is gone: a third start runs nothing. A queue
	// is resumed before the server listens, so a chat whose queue came back
	// would be running at the first attach.
	h2.stop(t)
	n := len(fake.Requests())
	h3 := startWith(t, cfg, fake)
	d := h3.dial(t)
	if att := d.request(map[string]any{"type": "attach", "chat_id": chat}); att["status"] != "idle" {
		t.Fatalf("a finished queue ran again at the next start: attached %v", att)
	}
	h3.stop(t)
	if len(fake.Requests()) != n {
		t.Fatal("a finished queue ran again at the next start")
	}
}
