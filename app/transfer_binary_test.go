package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
	"github.com/hearth-app/hearth/backend/store"
)

func TestExportImportBackup(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	u := newUserEnv(t, fake)
	p := u.serve(t)

	// A chat with an image, a reasoning answer.
	c := dialUnix(t, p.line.Socket, "")
	chat := c.newChat()
	pic := pngBytes(t)
	c.request(map[string]any{"type": "message", "chat_id": chat, "content": "look at this",
		"media": []any{map[string]any{"data_url": "data:image/png;base64," + b64(pic), "name": "dot.png"}}})
	c.collectTurn()

	md, err := u.cmd("export", chat).Output()
	if err != nil {
		t.Fatalf("export md: %v %s", err, errOut(err))
	}
	for _, want := range []string{"look at this", "Hello from llmtest.", "Thought for", "dot.png"} {
		if !strings.Contains(string(md), want) {
			t.Fatalf("markdown export lacks %q:\n%s", want, md)
		}
	}
	js, err := u.cmd("export", "--format", "json", chat).Output()
	if err != nil {
		t.Fatalf("export json: %v", err)
	}
	file := filepath.Join(u.home, "chat.json")
	if err := os.WriteFile(file, js, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := u.cmd("import", file).Output()
	if err != nil {
		t.Fatalf("import: %v %s", err, errOut(err))
	}
	newID := strings.Fields(string(out))[0]
	if newID == chat {
		t.Fatalf("import reused the id of an existing chat")
	}
	// The imported chat reads back the same.
	js2, err := u.cmd("export", "--format", "json", newID).Output()
	if err != nil {
		t.Fatal(err)
	}
	var a, b struct {
		Messages []struct {
			Role, Content, Reasoning string
			Media                    []struct{ Data []byte }
		}
	}
	_ = json.Unmarshal(js, &a)
	_ = json.Unmarshal(js2, &b)
	if len(a.Messages) != 2 || len(b.Messages) != 2 {
		t.Fatalf("messages: %d then %d", len(a.Messages), len(b.Messages))
	}
	for i := range a.Messages {
		x, y := a.Messages[i], b.Messages[i]
		if x.Role != y.Role || x.Content != y.Content || x.Reasoning != y.Reasoning || len(x.Media) != len(y.Media) {
			t.Fatalf("message %d differs after import: %+v vs %+v", i, x, y)
		}
	}
	if !bytes.Equal(b.Messages[0].Media[0].Data, pic) {
		t.Fatal("attachment bytes differ after import")
	}
	// Attaching from the start replays the imported turn like any other.
	c.send(map[string]any{"type": "attach", "chat_id": newID, "since": 0})
	_, seen := c.until("attached", 5*time.Second)
	var replay []map[string]any
	for _, e := range seen {
		if e["chat_id"] == newID && seqOf(e) > 0 {
			replay = append(replay, e)
		}
	}
	if got := names(replay); strings.Join(got, ",") != "user_message,turn_start,reasoning_end,stream_end,turn_end" {
		t.Fatalf("replay of an imported chat: %v", got)
	}
	if str(replay[3], "text") != "Hello from llmtest." {
		t.Fatalf("imported stream_end %v", replay[3])
	}
	// A non-export is refused with a reason.
	bad := filepath.Join(u.home, "bad.json")
	_ = os.WriteFile(bad, []byte(`{"format":"something else"}`), 0o600)
	if _, err := u.cmd("import", bad).Output(); err == nil || !strings.Contains(errOut(err), "not a Hearth chat export") {
		t.Fatalf("bad import: %v %s", err, errOut(err))
	}

	dest := filepath.Join(u.home, "backup")
	if out, err := u.cmd("backup", dest).Output(); err != nil || !strings.Contains(string(out), "1 media files") {
		t.Fatalf("backup: %s %v %s", out, err, errOut(err))
	}
	st, err := store.Open(context.Background(), filepath.Join(dest, "hearth.db"), store.Options{})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer st.Close()
	chats, err := st.ListChats(context.Background(), store.ListChats{Limit: 10})
	if err != nil || len(chats) != 2 {
		t.Fatalf("backup has %d chats, %v", len(chats), err)
	}
	if _, err := u.cmd("backup", dest).Output(); err == nil || !strings.Contains(errOut(err), "not empty") {
		t.Fatalf("backup over a non-empty dir: %v %s", err, errOut(err))
	}
}
