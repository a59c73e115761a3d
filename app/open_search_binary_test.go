package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// `hearth search` prints the matched words as the message has them, the
// message's own markdown as text (no highlight markers in a pipe), and
// `hearth open ID` prints the link that opens that chat in a browser tab;
// an unknown chat is refused.
func TestSearchAndOpenAsAUserWould(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	u := newUserEnv(t, fake)
	p := u.serve(t)
	doc := map[string]any{
		"format": "hearth.chat.v1",
		"chat":   map[string]any{"id": "", "title": "Pets"},
		"messages": []map[string]any{
			{"id": 1, "role": "user", "content": "Tell me about the **axolotl**, please", "status": "done"},
			{"id": 2, "role": "assistant", "content": "It is a salamander.", "status": "done"},
		},
	}
	b, _ := json.Marshal(doc)
	file := filepath.Join(u.home, "pets.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := u.cmd("import", file).Output()
	if err != nil {
		t.Fatalf("import: %v %s", err, errOut(err))
	}
	imported := string(out)

	out, err = u.cmd("search", "axolotl").Output()
	if err != nil {
		t.Fatalf("search: %v %s", err, errOut(err))
	}
	line := strings.TrimSpace(string(out))
	chatID := strings.Fields(line)[0]
	if !strings.Contains(line, "Tell me about the **axolotl**, please") || strings.ContainsAny(line, "\x1b\uE000\uE001") ||
		!strings.Contains(imported, chatID) {
		t.Errorf("search printed %q, want the chat %s and the snippet as the message has it, without markers", line, chatID)
	}

	out, err = u.cmd("open", chatID).Output()
	if err != nil {
		t.Fatalf("open: %v %s", err, errOut(err))
	}
	want := p.line.URL + "#token=" + p.line.Token + "&chat=" + chatID
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("open printed %q, want %q", got, want)
	}
	_, err = u.cmd("open", "cnosuchchatxxxxx").Output()
	if err == nil || !strings.Contains(errOut(err), "hearth ls") {
		t.Errorf("open of an unknown chat: %v %s", err, errOut(err))
	}
}
