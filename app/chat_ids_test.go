package app

import (
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A connection's default chat is created on first use, so after it is deleted
// the next plain message brings it back under the same id. A client that
// followed the old chat must never see one of its seqs again.
func TestDeletedDefaultChatComesBackWithHigherSeqs(t *testing.T) {
	h := startHearth(t)
	c := h.dial(t)
	chat := str(c.ready, "chat_id")
	c.sendRaw(websocket.MessageText, []byte("first life"))
	if acc := c.expect("message_accepted"); acc["chat_id"] != chat {
		t.Fatalf("message went to %v, want the default chat %s", acc["chat_id"], chat)
	}
	var oldMax int64
	for _, ev := range c.collectTurn() {
		oldMax = max(oldMax, seqOf(ev))
	}
	if oldMax == 0 {
		t.Fatal("no seqs seen")
	}
	if ev := c.request(map[string]any{"type": "delete_chat", "chat_id": chat}); ev["event"] != "chat_deleted" {
		t.Fatalf("delete: %v", ev)
	}

	c.sendRaw(websocket.MessageText, []byte("second life"))
	if acc := c.expect("message_accepted"); acc["chat_id"] != chat {
		t.Fatalf("message went to %v, want the re-created default chat %s", acc["chat_id"], chat)
	}
	b := h.dial(t)
	b.send(map[string]any{"type": "attach", "chat_id": chat, "since": 0})
	_, evs := b.until("attached", 10*time.Second)
	var first map[string]any
	for _, ev := range evs {
		if ev["chat_id"] != chat || seqOf(ev) == 0 {
			continue
		}
		if first == nil {
			first = ev
		}
		if s := seqOf(ev); s <= oldMax {
			t.Fatalf("re-created chat replays seq %d (%v); the deleted one went up to %d", s, ev["event"], oldMax)
		}
	}
	if first == nil || first["event"] != "user_message" {
		t.Fatalf("first event of the re-created chat: %v; want its user_message", first)
	}
}
