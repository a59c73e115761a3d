package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// The model server stops and starts again on its address while two clients
// are connected: both are told each change (provider_status) over their
// sockets, without asking — the failed reply makes Hearth look at once, and
// its own probes find the server back with its models.
func TestProviderStatusFollowsTheModelServer(t *testing.T) {
	fake := llmtest.New()
	addr := strings.TrimPrefix(fake.URL, "http://")
	h := startWith(t, testConfig(t, fake), fake)
	c := h.dial(t)
	watcher := h.dial(t)

	if ev := c.request(map[string]any{"type": "list_models"}); ev["event"] != "models" {
		t.Fatalf("list_models: %v", ev)
	}
	up := watcher.expect("provider_status")
	if up["state"] != "ok" || !strings.Contains(fmt.Sprint(up["items"]), "llmtest-chat") || str(up, "provider_url") != fake.URL+"/v1" {
		t.Fatalf("first status: %v", up)
	}

	fake.Close()
	chat := c.newChat()
	c.send(map[string]any{"type": "message", "chat_id": chat, "content": "are you there?"})
	end, _ := c.until("turn_end", patience)
	if end["status"] != "error" {
		t.Fatalf("the reply to a dead server: %v", end)
	}
	down := watcher.expect("provider_status")
	if down["state"] != "unreachable" || down["reason"] != "provider_unreachable" || !strings.Contains(str(down, "detail"), addr) || down["items"] != nil {
		t.Fatalf("status with the server gone: %v", down)
	}

	back, err := llmtest.Listen(addr)
	if err != nil {
		t.Fatalf("restart the model server on %s: %v", addr, err)
	}
	t.Cleanup(back.Close)
	back.SetModels("returned-model")
	again := watcher.expect("provider_status")
	items, _ := again["items"].([]any)
	if again["state"] != "ok" || len(items) != 1 || items[0].(map[string]any)["id"] != "returned-model" {
		t.Fatalf("status with the server back: %v", again)
	}
	// The client whose reply failed is told as well (its unreachable status
	// may have come before or after its turn_end).
	for {
		ev := c.expect("provider_status")
		if ev["state"] == "ok" {
			break
		}
		if ev["state"] != "unreachable" {
			t.Fatalf("the sender's status: %v", ev)
		}
	}
}
