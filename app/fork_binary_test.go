package app

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// hearth fork copies a chat up to a message into a new chat, and hearth chat
// --regenerate asks again for the last answer, as a user runs them: the real
// binary against a real server and the fake model server.
func TestForkAndRegenerateFromTheCommandLine(t *testing.T) {
	fake := llmtestNew(t)
	fake.On("first question", llmtest.Script{Steps: []llmtest.Step{{Content: "first answer"}}})
	var seconds atomic.Int32
	fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
		if r.LastUser() != "second question" {
			return llmtest.Script{}, false
		}
		n := seconds.Add(1)
		return llmtest.Script{Steps: []llmtest.Step{{Content: "second answer, "}, {Content: fmt.Sprintf("take %d", n)}}}, true
	})
	fake.On("hold on", heldScript(2, 10*time.Millisecond))
	u := newUserEnv(t, fake)
	sp := u.serve(t)
	ws := dialUnix(t, sp.line.Socket, "")

	run := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		c := u.cmd(args...)
		var out, errb bytes.Buffer
		c.Stdout, c.Stderr = &out, &errb
		err := c.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee):
			code = ee.ExitCode()
		default:
			t.Fatalf("hearth %v: %v", args, err)
		}
		return out.String(), errb.String(), code
	}
	history := func(chat string) []map[string]any {
		t.Helper()
		ev := ws.request(map[string]any{"type": "history", "chat_id": chat, "limit": 100})
		if ev["event"] != "history" {
			t.Fatalf("history of %s: %v", chat, ev)
		}
		var out []map[string]any
		for _, it := range ev["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	texts := func(msgs []map[string]any) []string {
		var out []string
		for _, m := range msgs {
			out = append(out, fmt.Sprintf("%s:%s", m["role"], m["content"]))
		}
		return out
	}

	if out, errs, code := run("chat", "first question"); code != 0 || !strings.Contains(out, "first answer") {
		t.Fatalf("hearth chat: %d %q %s", code, out, errs)
	}
	if out, errs, code := run("chat", "--continue", "second question"); code != 0 || !strings.Contains(out, "take 1") {
		t.Fatalf("hearth chat --continue: %d %q %s", code, out, errs)
	}
	list := ws.request(map[string]any{"type": "list_chats"})
	chats, _ := list["items"].([]any)
	if len(chats) != 1 {
		t.Fatalf("list_chats: %v", list)
	}
	chat := str(chats[0].(map[string]any), "id")
	msgs := history(chat)
	if got := strings.Join(texts(msgs), "|"); got != "user:first question|assistant:first answer|user:second question|assistant:second answer, take 1" {
		t.Fatalf("the chat reads %s", got)
	}
	firstAnswer := int64(msgs[1]["id"].(float64))

	// Fork at the first answer: a new chat of exactly that exchange; the
	// chat it came from is unchanged.
	out, errs, code := run("fork", chat, strconv.FormatInt(firstAnswer, 10))
	f := strings.Fields(out)
	if code != 0 || len(f) < 2 || f[0] == chat || !strings.Contains(out, "Fork of") {
		t.Fatalf("hearth fork %s %d: %d %q %s", chat, firstAnswer, code, out, errs)
	}
	forked := f[0]
	if got := strings.Join(texts(history(forked)), "|"); got != "user:first question|assistant:first answer" {
		t.Errorf("the fork at the first answer reads %s", got)
	}
	if n := len(history(chat)); n != 4 {
		t.Errorf("the forked chat has %d messages after the fork, want its 4", n)
	}
	// #ID, as hearth attach prints it, is taken too.
	if out, errs, code := run("fork", chat, "#"+strconv.FormatInt(firstAnswer-1, 10)); code != 0 || len(history(strings.Fields(out)[0])) != 1 {
		t.Errorf("hearth fork %s #%d: %d %q %s", chat, firstAnswer-1, code, out, errs)
	}
	// Without a message: the whole chat as it reads.
	out, errs, code = run("fork", chat)
	if code != 0 || len(strings.Fields(out)) < 2 {
		t.Fatalf("hearth fork %s: %d %q %s", chat, code, out, errs)
	}
	if got := strings.Join(texts(history(strings.Fields(out)[0])), "|"); got != strings.Join(texts(msgs), "|") {
		t.Errorf("the fork of the whole chat reads %s", got)
	}
	// Completion offers the chat's messages, newest first.
	if got, _ := u.complete(t, "fork", chat, ""); len(got) != 4 || !strings.HasPrefix(got[0], fmt.Sprint(msgs[3]["id"])+"\t") ||
		!strings.Contains(got[3], "first question") {
		t.Errorf("__complete fork %s: %q", chat, got)
	}

	// Refusals in words: an unknown message or chat exits 1, a command line
	// that names no message exits 2.
	if _, errs, code := run("fork", chat, "999999"); code != 1 || !strings.Contains(errs, "no message 999999") || !strings.Contains(errs, "hearth attach") {
		t.Errorf("hearth fork at an unknown message: %d %s", code, errs)
	}
	if _, errs, code := run("fork", "no-such-chat"); code != 1 || !strings.Contains(errs, "no-such-chat") {
		t.Errorf("hearth fork of an unknown chat: %d %s", code, errs)
	}
	for _, bad := range [][]string{{"fork", chat, "second"}, {"fork", chat, "0"}, {"fork"}, {"fork", chat, "1", "2"}} {
		if _, errs, code := run(bad...); code != 2 {
			t.Errorf("hearth %v: %d %s; want exit 2", bad, code, errs)
		}
	}

	// Regenerate: the new answer streams to stdout and stands beside the old.
	out, errs, code = run("chat", "--chat", chat, "--regenerate")
	if code != 0 || strings.TrimSpace(out) != "second answer, take 2" {
		t.Fatalf("hearth chat --regenerate: %d %q %s", code, out, errs)
	}
	msgs = history(chat)
	if got := strings.Join(texts(msgs), "|"); got != "user:first question|assistant:first answer|user:second question|assistant:second answer, take 2" {
		t.Fatalf("after --regenerate the chat reads %s", got)
	}
	if i, n := siblingsOf(msgs[3]["siblings"]); i != 1 || n != 2 {
		t.Errorf("the regenerated answer is %d of %d, want 1 of 2: %v", i, n, msgs[3])
	}
	// --continue picks the chat, --model the model that answers.
	out, errs, code = run("chat", "--continue", "--regenerate", "--model", llmtest.ModelR1)
	if code != 0 || !strings.Contains(out, "take 3") {
		t.Fatalf("hearth chat --continue --regenerate: %d %q %s", code, out, errs)
	}
	if reqs := fake.Requests(); reqs[len(reqs)-1].Model != llmtest.ModelR1 {
		t.Errorf("regenerated with model %q, want %s", reqs[len(reqs)-1].Model, llmtest.ModelR1)
	}
	if i, n := siblingsOf(history(chat)[3]["siblings"]); i != 2 || n != 3 {
		t.Errorf("the third answer is %d of %d, want 2 of 3", i, n)
	}

	// What --regenerate cannot do is said in words.
	for _, bad := range [][]string{{"chat", "--regenerate"}, {"chat", "--chat", chat, "--regenerate", "a prompt"},
		{"chat", "--new", "--regenerate"}, {"chat", "--chat", chat, "--regenerate", "--queue"}} {
		if _, errs, code := run(bad...); code != 2 {
			t.Errorf("hearth %v: %d %s; want exit 2", bad, code, errs)
		}
	}
	if _, errs, code := run("chat", "--chat", "no-such-chat", "--regenerate"); code != 1 || !strings.Contains(errs, "no-such-chat") {
		t.Errorf("hearth chat --regenerate in an unknown chat: %d %s", code, errs)
	}
	// While an answer is being written the chat is busy: refused, not queued.
	if ev := ws.request(map[string]any{"type": "message", "chat_id": forked, "content": "hold on"}); ev["event"] != "message_accepted" {
		t.Fatalf("message: %v", ev)
	}
	ws.expect("turn_start")
	if _, errs, code := run("chat", "--chat", forked, "--regenerate"); code != 1 || !strings.Contains(errs, "being written") || strings.Contains(errs, "--queue") {
		t.Errorf("hearth chat --regenerate while a turn runs: %d %s", code, errs)
	}
	if _, errs, code := run("fork", forked); code != 1 || !strings.Contains(errs, "being written") {
		t.Errorf("hearth fork while the last answer is written: %d %s", code, errs)
	}
	ws.request(map[string]any{"type": "cancel", "chat_id": forked})
}
