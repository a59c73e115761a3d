package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// Shell completion asks the running Hearth for chat ids and model names, as
// the shells do: through `hearth __complete …`, and through the real bash
// script where bash is installed.
func TestCompletionFromTheRunningHearth(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	u := newUserEnv(t, fake)
	// The chats are found by their first words: no titles from the model.
	cfgDir := filepath.Join(u.home, "config", "hearth")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte("auto_titles = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// Nothing runs yet: nothing to offer, and no error for the shell to show.
	if got, directive := u.complete(t, "attach", ""); len(got) != 0 || directive != ":36" {
		t.Fatalf("completion with no Hearth running: %q %s", got, directive)
	}

	u.serve(t)
	for _, q := range []string{"why is the sky blue", "why is the sea salty"} {
		if out, err := u.cmd("chat", q).Output(); err != nil {
			t.Fatalf("hearth chat: %q %v %s", out, err, errOut(err))
		}
	}
	ls, err := u.cmd("ls").Output()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{} // title → id
	for _, l := range strings.Split(strings.TrimSpace(string(ls)), "\n")[1:] {
		f := strings.Fields(l)
		ids[strings.Join(f[1:5], " ")] = f[0]
	}
	sky, sea := ids["why is the sky"], ids["why is the sea"]
	if sky == "" || sea == "" {
		t.Fatalf("chats not listed: %s", ls)
	}

	for _, line := range [][]string{
		{"attach", ""},
		{"export", ""},
		{"export", "--format", "json", ""},
		{"chat", "--chat", ""},
		{"chat", "more", "--chat", ""},
		{"--socket", filepath.Join(u.home, "run", "hearth", "hearth.sock"), "attach", ""},
	} {
		got, directive := u.complete(t, line...)
		// Most recent first, each with its title.
		want := []string{sea + "\twhy is the sea salty", sky + "\twhy is the sky blue"}
		if !slices.Equal(got, want) || directive != ":36" {
			t.Errorf("__complete %q: %q %s, want %q :36", line, got, directive, want)
		}
	}
	// The typed prefix narrows the ids; a second argument gets none.
	if got, _ := u.complete(t, "attach", sky[:len(sky)-1]); len(got) != 1 || !strings.HasPrefix(got[0], sky+"\t") {
		t.Errorf("__complete attach PREFIX: %q, want only %s", got, sky)
	}
	if got, _ := u.complete(t, "export", sky, ""); len(got) != 0 {
		t.Errorf("__complete export ID '': %q, want nothing", got)
	}

	for _, line := range [][]string{
		{"chat", "--model", ""},
		{"chat", "a question", "--model", ""},
		{"--model", ""},
		{"chat", "--model", "llmtest-r"},
	} {
		got, directive := u.complete(t, line...)
		want := []string{llmtest.ModelChat, llmtest.ModelR1}
		if strings.HasSuffix(line[len(line)-1], "r") {
			want = want[1:]
		}
		if !slices.Equal(got, want) || directive != ":4" {
			t.Errorf("__complete %q: %q %s, want %q :4", line, got, directive, want)
		}
	}

	u.bashCompletes(t, []string{"attach", ""}, []string{sea, sky})
	u.bashCompletes(t, []string{"chat", "--model", ""}, []string{llmtest.ModelChat, llmtest.ModelR1})
	u.bashCompletes(t, []string{"exp"}, []string{"export"})
}

// complete runs `hearth __complete ARGS…` and returns the choices and the
// directive line.
func (u *userEnv) complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	out, err := u.cmd(append([]string{"__complete"}, args...)...).Output()
	if err != nil {
		t.Fatalf("hearth __complete %q: %v %s", args, err, errOut(err))
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

// bashCompletes sources `hearth completion bash` in a real bash, presses Tab
// after `hearth WORDS…` and checks what bash would offer.
func (u *userEnv) bashCompletes(t *testing.T, words, want []string) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Log("bash not installed: the bash script is not exercised")
		return
	}
	// cobra's bash script builds on the bash-completion package, as every
	// interactive bash that completes anything has it.
	lib := ""
	for _, p := range []string{"/usr/share/bash-completion/bash_completion", "/etc/bash_completion", "/opt/homebrew/etc/profile.d/bash_completion.sh", "/usr/local/etc/profile.d/bash_completion.sh"} {
		if _, err := os.Stat(p); err == nil {
			lib = p
			break
		}
	}
	if lib == "" {
		t.Log("bash-completion not installed: the bash script is not exercised")
		return
	}
	script, err := u.cmd("completion", "bash").Output()
	if err != nil {
		t.Fatalf("hearth completion bash: %v %s", err, errOut(err))
	}
	f := filepath.Join(u.home, "hearth.bash")
	if err := os.WriteFile(f, script, 0o600); err != nil {
		t.Fatal(err)
	}
	// The script calls the program named by the first word.
	all := append([]string{u.bin}, words...)
	quoted := make([]string, len(all))
	for i, w := range all {
		quoted[i] = "'" + w + "'"
	}
	prog := `source "$1"
source "$2"
COMP_WORDS=(` + strings.Join(quoted, " ") + `)
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
COMP_TYPE=9
__start_hearth
printf '%s\n' "${COMPREPLY[@]}"`
	c := exec.Command(bash, "--norc", "--noprofile", "-c", prog, "bash", lib, f)
	c.Env = u.env
	out, err := c.Output()
	if err != nil {
		t.Fatalf("bash completion of %q: %v %s", words, err, errOut(err))
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		// Where bash shows several, cobra appends each one's description.
		got = append(got, strings.Fields(l)[0])
	}
	if !slices.Equal(got, want) {
		t.Errorf("bash offers %q after hearth %q, want %q", got, words, want)
	}
}
