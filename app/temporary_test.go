package app

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// A temporary chat works like any other while it is followed, is marked as
// temporary everywhere, takes no attachments, never reaches the disk, and
// is gone for everyone when its last client leaves.
func TestTemporaryChatIsNeverWrittenAndGoesWithItsLastClient(t *testing.T) {
	h := startHearth(t)
	const secret = "zanzibar-quokka-7431"
	h.fake.On(secret, llmtest.Script{Steps: []llmtest.Step{{Content: "the answer is " + secret}}})
	a, watcher := h.dial(t), h.dial(t)
	att := a.request(map[string]any{"type": "new_chat", "temporary": true})
	chat := str(att, "chat_id")
	if att["event"] != "attached" || att["chat"].(map[string]any)["temporary"] != true {
		t.Fatalf("new temporary chat: %v", att)
	}
	if created, _ := watcher.until("chat_created", patience); str(created, "chat_id") != chat ||
		created["chat"].(map[string]any)["temporary"] != true {
		t.Fatalf("others see %v", created)
	}
	exchange(t, a, chat, "remember "+secret)
	texts, _ := pathOf(t, a.request(map[string]any{"type": "history", "chat_id": chat}))
	if len(texts) != 2 || texts[1] != "assistant:the answer is "+secret {
		t.Fatalf("temporary chat history %v", texts)
	}
	list := watcher.request(map[string]any{"type": "list_chats"})
	found := false
	for _, it := range list["items"].([]any) {
		if c := it.(map[string]any); c["id"] == chat {
			found = c["temporary"] == true
		}
	}
	if !found {
		t.Fatalf("list_chats does not show the temporary chat as such: %v", list)
	}
	// A page holds the temporary chats first, within its limit; paging on
	// reaches the kept ones.
	kept := watcher.newChat()
	page := watcher.request(map[string]any{"type": "list_chats", "limit": 1})
	if items := page["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != chat || page["has_more"] != true {
		t.Fatalf("first page of one: %v", page)
	}
	page = watcher.request(map[string]any{"type": "list_chats", "limit": 1, "before": page["next_before"]})
	if items := page["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != kept {
		t.Fatalf("second page of one: %v", page)
	}
	page = watcher.request(map[string]any{"type": "list_chats", "limit": 2})
	if items := page["items"].([]any); len(items) != 2 || items[0].(map[string]any)["id"] != chat || items[1].(map[string]any)["id"] != kept {
		t.Fatalf("first page of two: %v", page)
	}
	ev := a.request(map[string]any{"type": "message", "chat_id": chat, "content": "see this",
		"media": []map[string]any{{"data_url": "data:image/png;base64,iVBORw0KGgo="}}})
	if ev["event"] != "error" || ev["reason"] != "invalid_media" {
		t.Fatalf("an attachment in a temporary chat: %v", ev)
	}

	// Nothing of it is in the data directory: not in the database, not in
	// its WAL, not among the media files.
	err := filepath.Walk(h.cfg.DataDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte(chat)) {
			t.Errorf("%s holds the temporary chat", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Its last client leaves: everyone is told, and it is gone.
	_ = a.ws.CloseNow()
	if del, _ := watcher.until("chat_deleted", patience); str(del, "chat_id") != chat {
		t.Fatalf("chat_deleted %v", del)
	}
	if ev := watcher.request(map[string]any{"type": "attach", "chat_id": chat}); ev["event"] != "error" || ev["reason"] != "not_found" {
		t.Fatalf("attach to a gone temporary chat: %v", ev)
	}
	list = watcher.request(map[string]any{"type": "list_chats"})
	for _, it := range list["items"].([]any) {
		if it.(map[string]any)["id"] == chat {
			t.Fatalf("list_chats still has it: %v", list)
		}
	}
}
