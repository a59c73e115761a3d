package app

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// hearth chat --system TEXT and --preset NAME start a new chat with that
// system prompt, or with the preset's system prompt, model and parameters;
// the model server gets them.
func TestChatSystemAndPresetFlags(t *testing.T) {
	fake := llmtestNew(t)
	u := newUserEnv(t, fake)
	sp := u.serve(t)
	ws := dialUnix(t, sp.line.Socket, "")
	if ev := ws.request(map[string]any{"type": "save_preset", "name": "terse", "system": "Answer briefly.",
		"model": "preset-model", "params": map[string]any{"temperature": 0.2, "top_p": 0.8}}); ev["event"] != "presets" {
		t.Fatalf("save_preset: %v", ev)
	}
	run := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		c := u.cmd(append([]string{"chat"}, args...)...)
		var out, errb bytes.Buffer
		c.Stdout, c.Stderr = &out, &errb
		err := c.Run()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			code = ee.ExitCode()
		case err != nil:
			t.Fatalf("hearth chat %v: %v", args, err)
		}
		return out.String(), errb.String(), code
	}
	asked := func(prompt string) llmtest.RecordedRequest {
		t.Helper()
		for _, r := range fake.Requests() {
			if r.LastUser() == prompt {
				return r
			}
		}
		t.Fatalf("the model server was never asked %q", prompt)
		return llmtest.RecordedRequest{}
	}
	system := func(r llmtest.RecordedRequest) string {
		if len(r.Messages) > 0 && r.Messages[0].Role == "system" {
			return r.Messages[0].Content
		}
		return ""
	}

	// Flags may follow the prompt.
	if out, errs, code := run("from the preset", "--preset", "terse"); code != 0 || out == "" {
		t.Fatalf("--preset: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	r := asked("from the preset")
	if system(r) != "Answer briefly." || r.Model != "preset-model" || r.Temperature == nil || *r.Temperature != 0.2 ||
		r.TopP == nil || *r.TopP != 0.8 {
		t.Errorf("--preset: the model got %s", r.Body)
	}

	if _, errs, code := run("--system", "Answer in French.", "a system prompt"); code != 0 {
		t.Fatalf("--system: exit %d, stderr %q", code, errs)
	}
	r = asked("a system prompt")
	if system(r) != "Answer in French." || r.Model != "fake-model" || r.Temperature != nil {
		t.Errorf("--system: the model got %s", r.Body)
	}

	// --system wins over the preset's, the rest still comes from it.
	if _, errs, code := run("--preset", "terse", "--system", "Only yes or no.", "both"); code != 0 {
		t.Fatalf("--preset --system: exit %d, stderr %q", code, errs)
	}
	if r = asked("both"); system(r) != "Only yes or no." || r.Model != "preset-model" {
		t.Errorf("--preset --system: the model got %s", r.Body)
	}

	if _, errs, code := run("--preset", "nope", "x"); code != 1 || !strings.Contains(errs, `"nope"`) {
		t.Errorf("unknown preset: exit %d, stderr %q; want 1 naming it", code, errs)
	}
	// The shell completes --preset from the running Hearth's presets.
	out, err := u.cmd("__complete", "chat", "--preset", "te").Output()
	if err != nil || !strings.Contains(string(out), "terse\tpreset-model Answer briefly.") {
		t.Errorf("completing --preset: %v %q", err, out)
	}

	chat := ws.newChat()
	if _, errs, code := run("--chat", chat, "--system", "x", "y"); code != 2 || !strings.Contains(errs, "new chat") {
		t.Errorf("--chat with --system: exit %d, stderr %q; want 2", code, errs)
	}
}
