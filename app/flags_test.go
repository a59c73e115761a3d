package app

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// The forms the help prints, with flags after the arguments, against a real
// server: `hearth chat "q" --chat ID` sends exactly "q" to that chat, and
// `hearth export ID --format json` exports it. (app/cli tests the parsing
// table itself.)
func TestFlagsAfterArgumentsAgainstARunningHearth(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	u := newUserEnv(t, fake)
	u.serve(t)

	if out, err := u.cmd("chat", "first question").Output(); err != nil || strings.TrimSpace(string(out)) != "Hello from llmtest." {
		t.Fatalf("hearth chat: %q %v %s", out, err, errOut(err))
	}
	chat := onlyChat(t, u)

	if out, err := u.cmd("chat", "q", "--chat", chat).Output(); err != nil || strings.TrimSpace(string(out)) != "Hello from llmtest." {
		t.Fatalf("hearth chat q --chat ID: %q %v %s", out, err, errOut(err))
	}
	// A prompt that starts with a dash goes after --, flags before it.
	if out, err := u.cmd("chat", "--chat", chat, "--", "-3 is less than 0?").Output(); err != nil {
		t.Fatalf("hearth chat --chat ID -- -3…: %q %v %s", out, err, errOut(err))
	}
	if again := onlyChat(t, u); again != chat {
		t.Fatalf("the follow-ups went to chat %s, not %s", again, chat)
	}

	js, err := u.cmd("export", chat, "--format", "json").Output()
	if err != nil {
		t.Fatalf("hearth export ID --format json: %v %s", err, errOut(err))
	}
	var export struct {
		Messages []struct{ Role, Content string }
	}
	if err := json.Unmarshal(js, &export); err != nil {
		t.Fatalf("export is not JSON (was --format after the id ignored?): %v\n%s", err, js)
	}
	var asked []string
	for _, m := range export.Messages {
		if m.Role == "user" {
			asked = append(asked, m.Content)
		}
	}
	if strings.Join(asked, "|") != "first question|q|-3 is less than 0?" {
		t.Fatalf("the chat's questions are %q", asked)
	}

	md, err := u.cmd("export", chat, "--format", "md").Output()
	if err != nil || !strings.Contains(string(md), "-3 is less than 0?") || json.Valid(md) {
		t.Fatalf("hearth export ID --format md: %v %s\n%s", err, errOut(err), md)
	}
}

// onlyChat is the id of the one chat hearth ls lists.
func onlyChat(t *testing.T, u *userEnv) string {
	t.Helper()
	out, err := u.cmd("ls").Output()
	if err != nil {
		t.Fatalf("hearth ls: %v %s", err, errOut(err))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("hearth ls lists %d chats, want 1:\n%s", len(lines)-1, out)
	}
	return strings.Fields(lines[1])[0]
}
