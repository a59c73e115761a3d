package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hearth-app/hearth/backend/config"
)

// isolate points every directory and setting hearth reads from the
// environment at a fresh temp dir, so that no test sees the developer's own
// Hearth, config file or model server.
func isolate(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "hc") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, k := range []string{"HOME", "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"} {
		p := filepath.Join(dir, strings.ToLower(k))
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		t.Setenv(k, p)
	}
	// Empty counts as unset for config.
	for _, k := range []string{"HEARTH_CONFIG", "HEARTH_DATA_DIR", "HEARTH_SOCKET", "HEARTH_LISTEN", "HEARTH_PROVIDER",
		"HEARTH_PROVIDER_URL", "HEARTH_MODEL", "HEARTH_API_KEY", "HEARTH_TOKEN", "HEARTH_LOG_LEVEL", "HEARTH_ALLOW_REMOTE",
		"HEARTH_PROVIDER_IDLE_TIMEOUT", "OPENAI_BASE_URL", "OPENAI_API_KEY", "OLLAMA_HOST"} {
		t.Setenv(k, "")
	}
	return dir
}

// shellCalls records what the command line asked of the window and serve.
type shellCalls struct {
	window, serve []config.Config
	serveOut      io.Writer
}

func (s *shellCalls) shells() Shells {
	return Shells{
		Window: func(_ context.Context, cfg config.Config, _ *slog.Logger) error {
			s.window = append(s.window, cfg)
			return nil
		},
		Serve: func(_ context.Context, cfg config.Config, out io.Writer, _ *slog.Logger) error {
			s.serve, s.serveOut = append(s.serve, cfg), out
			return nil
		},
	}
}

type result struct {
	code        int
	stdout, err string
}

func runWith(t *testing.T, shells Shells, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, IO{In: strings.NewReader(stdin), Out: &out, Err: &errb}, shells, Build{Version: "v-test", Commit: "abc"})
	return result{code, out.String(), errb.String()}
}

func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	var s shellCalls
	return runWith(t, s.shells(), "", args...)
}

// The table the hand-rolled parser was held to, now through cobra and the
// real export command: flags before or after the arguments, and after --
// everything is an argument.
func TestFlagsMayStandBeforeOrAfterArguments(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		args       []string
		wantFormat string
		wantArgs   []string
	}{
		{[]string{"c1", "--format", "json"}, "json", []string{"c1"}},
		{[]string{"--format", "json", "c1"}, "json", []string{"c1"}},
		{[]string{"c1", "--format=json", "extra"}, "json", []string{"c1", "extra"}},
		{[]string{"c1"}, "md", []string{"c1"}},
		{[]string{"--", "-1 is less than 0", "--format", "json"}, "md", []string{"-1 is less than 0", "--format", "json"}},
		{[]string{"--format", "json", "hello", "--", "--not-a-flag"}, "json", []string{"hello", "--not-a-flag"}},
	} {
		format, args, err := parseExport(t, tc.args)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if format != tc.wantFormat || !slices.Equal(args, tc.wantArgs) {
			t.Errorf("%v: format %q args %q, want %q %q", tc.args, format, args, tc.wantFormat, tc.wantArgs)
		}
	}
	if _, _, err := parseExport(t, []string{"c1", "--nope"}); err == nil {
		t.Error("an unknown flag after an argument was accepted")
	}
}

// parseExport runs `hearth export ARGS…` with the command's work replaced by
// a record of what cobra handed it (and any argument count let through, so
// that parsing alone is under test).
func parseExport(t *testing.T, args []string) (format string, got []string, err error) {
	t.Helper()
	h := newHearth(IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, Shells{}, Build{})
	root := h.root()
	export, _, err := root.Find([]string{"export"})
	if err != nil || export.Name() != "export" {
		t.Fatalf("no export command: %v", err)
	}
	export.Args = cobra.ArbitraryArgs
	export.RunE = func(cmd *cobra.Command, a []string) error {
		got = a
		format, err = cmd.Flags().GetString("format")
		return err
	}
	root.SetArgs(append([]string{"export"}, args...))
	err = root.Execute()
	return format, got, err
}

// `hearth` alone is the window, with the shared flags resolved into its
// configuration; `hearth serve` is the server, with stdout for its line.
func TestNoCommandOpensTheWindowAndServeRunsTheServer(t *testing.T) {
	dir := isolate(t)
	var s shellCalls
	data := filepath.Join(dir, "d1")
	if r := runWith(t, s.shells(), "", "--data-dir", data, "--model", "m1"); r.code != 0 || len(s.window) != 1 || len(s.serve) != 0 {
		t.Fatalf("hearth: %+v, window %d serve %d", r, len(s.window), len(s.serve))
	}
	if cfg := s.window[0]; cfg.DataDir != data || cfg.Model != "m1" {
		t.Errorf("the window got data dir %q model %q", cfg.DataDir, cfg.Model)
	}
	// Flags after the command name, and the environment below them.
	t.Setenv("HEARTH_MODEL", "from-env")
	if r := runWith(t, s.shells(), "", "serve", "--data-dir", data); r.code != 0 || len(s.serve) != 1 || len(s.window) != 1 {
		t.Fatalf("hearth serve: %+v, window %d serve %d", r, len(s.window), len(s.serve))
	}
	if cfg := s.serve[0]; cfg.DataDir != data || cfg.Model != "from-env" || s.serveOut == nil {
		t.Errorf("serve got data dir %q model %q out %v", cfg.DataDir, cfg.Model, s.serveOut)
	}
	if r := runWith(t, s.shells(), "", "serve", "now"); r.code != 2 || !strings.Contains(r.err, "serve takes no arguments") || len(s.serve) != 1 {
		t.Errorf("serve with an argument: %+v", r)
	}
}

// `hearth serve --new-token` asks the server to replace its stored token; a
// plain `hearth serve` keeps it, and the window never rotates it.
func TestServeNewToken(t *testing.T) {
	dir := isolate(t)
	var s shellCalls
	data := filepath.Join(dir, "d1")
	if r := runWith(t, s.shells(), "", "serve", "--data-dir", data); r.code != 0 || len(s.serve) != 1 || s.serve[0].NewToken {
		t.Fatalf("hearth serve: %+v, calls %d", r, len(s.serve))
	}
	if r := runWith(t, s.shells(), "", "serve", "--new-token", "--data-dir", data); r.code != 0 || len(s.serve) != 2 || !s.serve[1].NewToken {
		t.Fatalf("hearth serve --new-token: %+v, calls %d", r, len(s.serve))
	}
	if s.serve[1].StateDir == "" || s.serve[1].TokenFile() == "" {
		t.Errorf("serve got no state dir: %q", s.serve[1].StateDir)
	}
	if r := runWith(t, s.shells(), "", "--new-token"); r.code != 2 || len(s.window) != 0 {
		t.Errorf("hearth --new-token (the window): %+v", r)
	}
}

// The contract's commands and shared flags, as `hearth --help` lists them.
var (
	contractCommands = []string{"serve", "chat", "ls", "attach", "fork", "models", "search", "export", "import", "backup", "mcp", "version", "completion", "help"}
	sharedFlags      = []string{"--data-dir", "--socket", "--listen", "--provider-url", "--model", "--api-key", "--provider", "--allow-remote",
		"--config", "--token", "--log-level", "--provider-idle-timeout", "--mcp-config"}
)

func TestHelpListsCommandsAndFlags(t *testing.T) {
	isolate(t)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := runCLI(t, args...)
		if r.code != 0 {
			t.Fatalf("hearth %v: %+v", args, r)
		}
		for _, name := range contractCommands {
			if !regexpLine(r.stdout, "  "+name+" ") {
				t.Errorf("hearth %v does not list %s:\n%s", args, name, r.stdout)
			}
		}
		for _, f := range append(sharedFlags, "--help") {
			if !strings.Contains(r.stdout, f) {
				t.Errorf("hearth %v does not list %s", args, f)
			}
		}
		if !strings.Contains(r.stdout, "opens the desktop window") || !strings.Contains(r.stdout, `hearth chat -- "-3`) {
			t.Errorf("hearth %v does not say what hearth alone does, or how to send a prompt with a dash:\n%s", args, r.stdout)
		}
	}
	for _, args := range [][]string{{"help", "chat"}, {"chat", "--help"}, {"chat", "-h"}, {"--socket", "/x", "chat", "-h", "question"}} {
		r := runCLI(t, args...)
		if r.code != 0 {
			t.Fatalf("hearth %v: %+v", args, r)
		}
		for _, f := range append([]string{"hearth chat [--chat ID | --continue | --new] [--model M] [PROMPT]",
			"--chat ID", "--continue", "--new", "--effort", "--queue", "Global Flags"}, sharedFlags...) {
			if !strings.Contains(r.stdout, f) {
				t.Errorf("hearth %v does not show %q:\n%s", args, f, r.stdout)
			}
		}
	}
	if r := runCLI(t, "help", "export"); r.code != 0 || !strings.Contains(r.stdout, "--format string") || !strings.Contains(r.stdout, `md or json (default "md")`) {
		t.Errorf("hearth help export: %+v", r)
	}
}

// regexpLine reports whether some line of text starts with prefix.
func regexpLine(text, prefix string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// A command line that cannot run exits 2 and says why, before anything is
// dialled or started.
func TestCommandLinesThatCannotRun(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, `unknown command "nope" for "hearth"`},
		{[]string{"chta", "hi"}, "Did you mean this?"},
		{[]string{"chat", "--nope", "hi"}, "unknown flag: --nope"},
		{[]string{"chat", "hi", "--chat"}, "flag needs an argument: --chat"},
		{[]string{"chat", "--chat", "c1", "--new", "hi"}, "[chat new] were all set"},
		{[]string{"chat", "--continue", "--new", "hi"}, "[continue new] were all set"},
		{[]string{"attach"}, "usage: hearth attach ID"},
		{[]string{"attach", "c1", "c2"}, "usage: hearth attach ID"},
		{[]string{"export"}, "usage: hearth export ID [--format md|json]"},
		{[]string{"import"}, "usage: hearth import FILE"},
		{[]string{"backup"}, "usage: hearth backup DEST"},
		{[]string{"ls", "extra"}, "ls takes no arguments"},
		{[]string{"--allow-remote=maybe"}, `invalid argument "maybe" for "--allow-remote"`},
		// One dash, as Go's flag package allowed: said plainly.
		{[]string{"-data-dir", "x"}, "Long flags take two dashes: --data-dir"},
		{[]string{"export", "c1", "-format=json"}, "Long flags take two dashes: --format"},
		{[]string{"chat", "hi", "-chat", "c1"}, "Long flags take two dashes: --chat"},
	} {
		r := runCLI(t, tc.args...)
		if r.code != 2 || !strings.Contains(r.err, tc.want) || !strings.Contains(r.err, "--help' for usage") {
			t.Errorf("hearth %q: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.err, tc.want)
		}
	}
	// Checked by the command once the line parsed.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "c1", "--format", "pdf"}, "--format must be md or json"},
		{[]string{"search", " "}, "usage: hearth search QUERY"},
		{[]string{"chat", "  "}, "the prompt is empty"},
		{[]string{"ls", "--listen", "0.0.0.0:80"}, "listen"},
	} {
		if r := runCLI(t, tc.args...); r.code != 2 || !strings.Contains(r.err, tc.want) {
			t.Errorf("hearth %q: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.err, tc.want)
		}
	}
}

// Without a running Hearth, a client command says so and exits 3; so does a
// completion, silently, with nothing to offer.
func TestClientsWithoutARunningHearth(t *testing.T) {
	dir := isolate(t)
	sock := filepath.Join(dir, "none.sock")
	for _, args := range [][]string{{"ls"}, {"models"}, {"chat", "hi"}, {"attach", "c1"}, {"search", "sky"}, {"export", "c1"}, {"backup", dir + "/b"}} {
		r := runCLI(t, append(args, "--socket", sock)...)
		if r.code != 3 || !strings.Contains(r.err, "Hearth is not running (no socket at "+sock+")") {
			t.Errorf("hearth %q: %+v", args, r)
		}
	}
	r := runCLI(t, "__complete", "attach", "--socket", sock, "")
	if r.code != 0 || strings.TrimSpace(r.stdout) != ":36" {
		t.Errorf("completion without a Hearth: %+v", r)
	}
}

func TestVersion(t *testing.T) {
	isolate(t)
	// No configuration needed: it works beside a broken config file too.
	dir := t.TempDir()
	bad := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(bad, []byte("listen = ["), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "version", "--config", bad); r.code != 0 || r.stdout != "hearth v-test (commit abc, protocol 1)\n" {
		t.Errorf("version: %+v", r)
	}
	if r := runCLI(t, "ls", "--config", bad); r.code != 2 || !strings.Contains(r.err, "config") {
		t.Errorf("ls with a broken config file: %+v", r)
	}
}

func TestCompletionScripts(t *testing.T) {
	isolate(t)
	for shell, want := range map[string]string{
		"bash":       "__start_hearth",
		"zsh":        "#compdef hearth",
		"fish":       "complete -c hearth",
		"powershell": "Register-ArgumentCompleter",
	} {
		r := runCLI(t, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "__complete") {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %q", shell, r.code, len(r.stdout), r.err)
		}
		if shell == "bash" || shell == "zsh" || shell == "fish" {
			checkSyntax(t, shell, r.stdout)
		}
	}
	if r := runCLI(t, "completion", "tcsh"); r.code != 2 {
		t.Errorf("completion for a shell cobra cannot write: %+v", r)
	}
	if r := runCLI(t, "help", "completion"); r.code != 0 || !strings.Contains(r.stdout, "bash") || !strings.Contains(r.stdout, "fish") {
		t.Errorf("help completion: %+v", r)
	}
}

// checkSyntax has the shell parse the script without running it, where that
// shell is installed.
func checkSyntax(t *testing.T, shell, script string) {
	t.Helper()
	bin, err := exec.LookPath(shell)
	if err != nil {
		t.Logf("%s not installed: its script's syntax is not checked", shell)
		return
	}
	f := filepath.Join(t.TempDir(), "hearth."+shell)
	if err := os.WriteFile(f, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-n", f).CombinedOutput(); err != nil {
		t.Errorf("%s -n on the completion script: %v\n%s", shell, err, out)
	}
}

// Fixed flag values complete without a running Hearth.
func TestCompletionOfFixedValues(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"export", "c1", "--format", ""}, []string{"md", "json"}},
		{[]string{"chat", "--effort", ""}, []string{"low", "medium", "high"}},
		{[]string{"ls", "--provider", ""}, []string{"openai", "ollama"}},
		{[]string{"--log-level", ""}, []string{"debug", "info", "warn", "error"}},
		{[]string{""}, contractCommands},
	} {
		r := runCLI(t, append([]string{"__complete"}, tc.args...)...)
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if !strings.HasPrefix(l, ":") {
				got = append(got, strings.SplitN(l, "\t", 2)[0])
			}
		}
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("__complete %q: %q lacks %q", tc.args, got, w)
			}
		}
	}
}
