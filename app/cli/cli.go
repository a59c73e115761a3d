// Package cli is hearth's command line: the command tree (spf13/cobra), the
// shared flags, the commands that talk to a running Hearth over its unix
// socket, and shell completion. The two commands that run Hearth itself — the
// window and `serve` — are handed in by package app as Shells, so this
// package never assembles a backend.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/protocol"
)

func init() {
	// Hearth is double-clicked on Windows too: cobra's "this is a command line
	// tool" splash for programs started from Explorer would stop the window
	// from ever opening.
	cobra.MousetrapHelpText = ""
}

// Shells are the two ways to run Hearth itself. Both get the resolved
// configuration and a logger on stderr; Serve also gets stdout for its
// listening line. Each returns when ctx ends (Ctrl-C, SIGTERM) or the user
// closes the window.
type Shells struct {
	Window func(ctx context.Context, cfg config.Config, log *slog.Logger) error
	Serve  func(ctx context.Context, cfg config.Config, stdout io.Writer, log *slog.Logger) error
}

// Build names this binary for `hearth version`.
type Build struct {
	Version, Commit string
}

// IO is the process's streams, so that a test can run a command in-process.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Run runs hearth with args (without the program name) and returns the exit
// code: 0, 1 when a command failed, 2 for a command line that cannot be run
// (an unknown command or flag, a missing argument, a configuration error),
// 3 when no Hearth runs, 130 when Ctrl-C cancelled a turn.
func Run(args []string, streams IO, shells Shells, build Build) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, streams, shells, build)
}

func run(ctx context.Context, args []string, streams IO, shells Shells, build Build) int {
	h := newHearth(streams, shells, build)
	root := h.root()
	// cobra reads os.Args when given nil.
	root.SetArgs(append([]string{}, args...))
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	var ex exit
	var fail failure
	switch {
	case errors.As(err, &ex):
		if ex.msg != "" {
			fmt.Fprintf(streams.Err, "hearth: %s\n", ex.msg)
		}
		return ex.code
	case errors.As(err, &fail):
		fmt.Fprintf(streams.Err, "hearth: %v\n", fail.err)
		return 1
	default:
		// Everything cobra refuses before a command runs: the command line
		// itself is wrong.
		fmt.Fprintf(streams.Err, "hearth: %v\n", err)
		if name := singleDash(root, cmd, args); name != "" {
			fmt.Fprintf(streams.Err, "Long flags take two dashes: --%s\n", name)
		}
		fmt.Fprintf(streams.Err, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return 2
	}
}

// singleDash finds a long flag given with one dash (-data-dir), which the Go
// flag package that hearth used to parse with accepted, and which pflag reads
// as a row of one-letter flags.
func singleDash(root, cmd *cobra.Command, args []string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		if len(a) < 3 || a[0] != '-' || a[1] == '-' {
			continue
		}
		name, _, _ := strings.Cut(a[1:], "=")
		if cmd.Flags().Lookup(name) != nil || root.PersistentFlags().Lookup(name) != nil {
			return name
		}
	}
	return ""
}

// exit carries a specific exit status, and the message to print, out of a
// command.
type exit struct {
	code int
	msg  string
}

func (e exit) Error() string { return e.msg }

// usage is a command line a command cannot run: exit status 2.
func usage(format string, args ...any) exit {
	return exit{code: 2, msg: fmt.Sprintf(format, args...)}
}

// failure marks an error returned by a running command, which exits 1, apart
// from cobra's own refusals of a command line, which exit 2.
type failure struct{ err error }

func (f failure) Error() string { return f.err.Error() }
func (f failure) Unwrap() error { return f.err }

// hearth is one run of the command line: the streams, the shells, and the
// shared flags' values once cobra has parsed them.
type hearth struct {
	io     IO
	shells Shells
	build  Build
	ov     *config.Overrides
	shared *pflag.FlagSet
}

func newHearth(streams IO, shells Shells, build Build) *hearth {
	gfs := flag.NewFlagSet("hearth", flag.ContinueOnError)
	ov := config.RegisterFlags(gfs)
	shared := pflag.NewFlagSet("hearth", pflag.ContinueOnError)
	gfs.VisitAll(func(f *flag.Flag) { shared.AddFlag(sharedFlag(f)) })
	return &hearth{io: streams, shells: shells, build: build, ov: ov, shared: shared}
}

// sharedFlag carries one of config's flags over to pflag. config keeps them
// as Go flags (it records whether each was given at all), and pflag's own
// conversion would show their Go type names in the help.
func sharedFlag(f *flag.Flag) *pflag.Flag {
	typ, noValue := "string", ""
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		typ, noValue = "bool", "true"
	}
	return &pflag.Flag{Name: f.Name, Usage: f.Usage, Value: typedValue{Value: f.Value, typ: typ},
		DefValue: f.Value.String(), NoOptDefVal: noValue}
}

type typedValue struct {
	flag.Value
	typ string
}

func (v typedValue) Type() string { return v.typ }

// action adapts a command to cobra: it resolves the configuration (defaults
// < config file < environment < the shared flags) when the command runs, not
// before, so that help and completion work even with a broken config file.
func (h *hearth) action(fn func(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cfg, err := h.config()
		if err != nil {
			return usage("%v", err)
		}
		if err := fn(cmd.Context(), cfg, newLogger(h.io.Err, cfg.LogLevel), args); err != nil {
			var ex exit
			if errors.As(err, &ex) {
				return ex
			}
			return failure{err}
		}
		return nil
	}
}

func (h *hearth) config() (config.Config, error) {
	return config.Load(os.LookupEnv, h.ov)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

const (
	groupChats = "chats"
	groupMove  = "move"
	groupRun   = "run"
)

// root builds the command tree. The names and flags are fixed by the design's
// command-line contract: outside tests run them.
func (h *hearth) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "hearth",
		Short: "your local agent chats",
		Long: `Hearth — your local agent chats.

With no command, hearth opens the desktop window (the backend runs inside it).
The other commands talk to the running Hearth (window or serve) over its unix
socket.

Flags may stand before or after a command's arguments. After -- everything is
an argument, so a prompt that starts with a dash goes after it:
  hearth chat -- "-3 is less than 0?"`,
		Example: `  hearth serve &
  hearth chat "why is the sky blue?"
  echo "and at sunset?" | hearth chat --continue
  hearth export c3x… --format json > chat.json`,
		// No Args: cobra's default for a root with commands refuses an unknown
		// command and suggests the nearest one.
		ValidArgsFunction: cobra.NoFileCompletions,
		SilenceErrors:     true,
		SilenceUsage:      true,
		RunE: h.action(func(ctx context.Context, cfg config.Config, log *slog.Logger, _ []string) error {
			return h.shells.Window(ctx, cfg, log)
		}),
	}
	root.SetIn(h.io.In)
	root.SetOut(h.io.Out)
	root.SetErr(h.io.Err)
	root.PersistentFlags().AddFlagSet(h.shared)
	h.completeSharedFlags(root)
	root.AddGroup(
		&cobra.Group{ID: groupChats, Title: "Chats (in the running Hearth):"},
		&cobra.Group{ID: groupMove, Title: "Chats in and out:"},
		&cobra.Group{ID: groupRun, Title: "Running Hearth:"},
	)
	root.AddCommand(
		h.serveCmd(),
		h.chatCmd(),
		h.lsCmd(),
		h.attachCmd(),
		h.modelsCmd(),
		h.pullCmd(),
		h.searchCmd(),
		h.openCmd(),
		h.forkCmd(),
		h.exportCmd(),
		h.importCmd(),
		h.backupCmd(),
		h.mcpCmd(),
		h.agentsCmd(),
		h.versionCmd(),
	)
	// cobra's own completion command, made runnable so that a shell it cannot
	// write for is refused rather than answered with help.
	root.InitDefaultCompletionCmd()
	if comp, _, err := root.Find([]string{"completion"}); err == nil && comp != root {
		comp.Use = "completion bash|zsh|fish|powershell"
		comp.Short = "print the shell completion script (chat ids and models come from the running Hearth)"
		comp.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
	return root
}

func (h *hearth) serveCmd() *cobra.Command {
	var newToken bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "run the backend without a window",
		Long: `Runs the backend without a window. Once listening it prints one JSON line to stdout with the URL to open in a browser ("ui"), the socket and the token; it logs to stderr and stops on Ctrl-C or SIGTERM.

A restart keeps the address and the token, so open browser tabs reconnect by themselves: the token is stored in the state dir, and the port of the last run is taken again when it is free. If another program took it, Hearth listens elsewhere, says so ("moved_from" in the JSON line), and open tabs need the new link.`,
		GroupID:           groupRun,
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: h.action(func(ctx context.Context, cfg config.Config, log *slog.Logger, _ []string) error {
			cfg.NewToken = newToken
			return h.shells.Serve(ctx, cfg, h.io.Out, log)
		}),
	}
	cmd.Flags().BoolVar(&newToken, "new-token", false, "replace the stored access token: pages and clients holding the old one are refused until they open the new link")
	return cmd
}

func (h *hearth) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "version",
		Short:             "version, commit, protocol version",
		GroupID:           groupRun,
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			commit := h.build.Commit
			if commit == "" {
				commit = "unknown"
			}
			_, err := fmt.Fprintf(h.io.Out, "hearth %s (commit %s, protocol %d)\n", h.build.Version, commit, protocol.Version)
			return err
		},
	}
}

// noArgs refuses arguments with the command's own words, where cobra's would
// call a stray argument an unknown command.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%s takes no arguments (got %q)", cmd.Name(), args[0])
	}
	return nil
}

// exactArgs refuses a command line without exactly n arguments, naming them
// as the usage line does.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("usage: %s", cmd.UseLine())
		}
		return nil
	}
}
