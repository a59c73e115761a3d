// Package app is the composition root: it parses the command line, builds the
// backend from its parts, and runs the desktop window, the headless server or a
// CLI command.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/hearth-app/hearth/backend/config"
)

// env bundles the process's streams so commands can be run from tests.
type env struct {
	ui     fs.FS
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	usage   string
	summary string
	run     func(ctx context.Context, e env, cfg config.Config, fs *flag.FlagSet, log *slog.Logger) error
	flags   func(fs *flag.FlagSet)
}

func commands() []command {
	return []command{
		{name: "serve", usage: "hearth serve [flags]", summary: "run the backend without a window", run: runServe},
		{name: "chat", usage: "hearth chat [--chat ID | --continue] [--new] [--model M] [PROMPT]", summary: "send a prompt and stream the answer", run: runChat, flags: chatFlags},
		{name: "ls", usage: "hearth ls", summary: "list chats", run: runLs},
		{name: "attach", usage: "hearth attach ID", summary: "print a chat's history, then follow it live", run: runAttach},
		{name: "models", usage: "hearth models", summary: "models the configured provider offers", run: runModels},
		{name: "search", usage: "hearth search QUERY", summary: "full-text search across chats", run: runSearch},
		{name: "export", usage: "hearth export ID [--format md|json]", summary: "write one chat to stdout", run: runExport, flags: exportFlags},
		{name: "import", usage: "hearth import FILE", summary: "bring back a chat exported as JSON", run: runImport},
		{name: "backup", usage: "hearth backup DEST", summary: "consistent copy of the database and media, while running", run: runBackup},
		{name: "version", usage: "hearth version", summary: "version, commit, protocol version", run: runVersion},
	}
}

// Main runs hearth with args (without the program name) and returns the exit code.
func Main(args []string, ui fs.FS, stdin io.Reader, stdout, stderr io.Writer) int {
	sub, err := fs.Sub(ui, "frontend/dist")
	if err != nil {
		sub = ui
	}
	e := env{ui: sub, stdin: stdin, stdout: stdout, stderr: stderr}
	name := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		usage(stdout)
		return 0
	}
	cmd := command{name: "", usage: "hearth [flags]", summary: "open the desktop window", run: runDesktopCmd}
	if name != "" {
		found := false
		for _, c := range commands() {
			if c.name == name {
				cmd, found = c, true
			}
		}
		if !found {
			fmt.Fprintf(stderr, "hearth: unknown command %q\n\n", name)
			usage(stderr)
			return 2
		}
	}
	fset := flag.NewFlagSet("hearth "+cmd.name, flag.ContinueOnError)
	fset.SetOutput(stderr)
	ov := config.RegisterFlags(fset)
	if cmd.flags != nil {
		cmd.flags(fset)
	}
	fset.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s\n\n%s\n\nflags:\n", cmd.usage, cmd.summary)
		fset.PrintDefaults()
	}
	if err := parseInterspersed(fset, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	cfg, err := config.Load(os.LookupEnv, ov)
	if err != nil {
		fmt.Fprintf(stderr, "hearth: %v\n", err)
		return 2
	}
	log := newLogger(stderr, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cmd.run(ctx, e, cfg, fset, log); err != nil {
		var ec exitCode
		if errors.As(err, &ec) {
			if ec.msg != "" {
				fmt.Fprintf(stderr, "hearth: %s\n", ec.msg)
			}
			return ec.code
		}
		fmt.Fprintf(stderr, "hearth: %v\n", err)
		return 1
	}
	return 0
}

// parseInterspersed parses flags that stand before or after a command's
// arguments (`hearth export ID --format json` as well as
// `hearth export --format json ID`); the arguments stay in fs.Args() in
// their order. After "--" everything is an argument, so a prompt may start
// with a dash.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if at := len(args) - len(rest); at > 0 && args[at-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

// exitCode carries a specific exit status out of a command.
type exitCode struct {
	code int
	msg  string
}

func (e exitCode) Error() string { return e.msg }

func usage(w io.Writer) {
	fmt.Fprintln(w, "Hearth — your local agent chats.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage:")
	fmt.Fprintf(w, "  %-68s %s\n", "hearth [flags]", "open the desktop window")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-68s %s\n", c.usage, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "common flags: --data-dir --socket --listen --provider --provider-url --provider-idle-timeout --model --api-key --allow-remote --token --log-level --config")
	fmt.Fprintln(w, "run `hearth COMMAND -h` for a command's flags; docs/ has the rest.")
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

func runDesktopCmd(ctx context.Context, e env, cfg config.Config, _ *flag.FlagSet, log *slog.Logger) error {
	return runDesktop(ctx, cfg, e.ui, log)
}
