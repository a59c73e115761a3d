//go:build linux

// Command desktop is the smoke test of Hearth's desktop shell: a real window
// on a private Xvfb display, driven from the outside the way a user and the
// CLI would drive it.
//
// It launches the desktop binary with throw-away XDG directories and the fake
// LLM, waits until the page in the web view has opened its WebSocket to the
// embedded server, runs a turn with `hearth chat` over the unix socket,
// checks that a second launch hands over to the first and exits 0, takes a
// screenshot, and quits the window with SIGTERM, checking that the shutdown
// was clean. It prints the launch-to-connected time and the memory of the
// hearth process tree, and records them in the "## Desktop" section of the
// file named by -bench: `make smoke-desktop` (part of `make test`) names the
// git-ignored .smoke/desktop/bench.md, so a test run never rewrites a tracked
// file; `make bench-desktop-doc` names docs/benchmarks.md on purpose.
//
// Run it with `make smoke-desktop`; see docs/desktop.md.
//
// The steps, in order, are run in this file, so the test reads top to bottom;
// what they lean on is one job per file: xdg.go (the private directories and
// environment), process.go (starting, logging and ending processes),
// launch.go (the fake LLM, Xvfb, the window, and when its page is live),
// relaunch.go (later launches, quitting, a crash), screenshot.go,
// proctree.go (the process tree in /proc), memory.go and bench.go (the
// figures and the benchmarks file).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hearth-app/hearth/internal/hostinfo"
)

// patience is the safety net of each wait: every wait is for an event (a
// process exits, a log line appears, the page connects, the picture
// settles), and this only bounds how long the test hangs when it never
// comes. It is generous so that a machine whose cores are all busy is slow,
// never failing. The times measured are figures, not checks.
const patience = time.Minute

type options struct {
	hearth   string
	fakeLLM  string
	out      string
	bench    string
	want     string
	timeout  time.Duration
	launches int
	keepTemp bool
}

func main() {
	var o options
	flag.StringVar(&o.hearth, "hearth", "bin/hearth", "desktop build of hearth to test")
	flag.StringVar(&o.fakeLLM, "fakellm", "bin/fakellm", "fake LLM server binary (prints {\"url\":…} on stdout)")
	flag.StringVar(&o.out, "out", ".smoke/desktop", "where the screenshot and logs go (git-ignored)")
	flag.StringVar(&o.bench, "bench", "", "file whose \"## Desktop\" section gets the numbers (created if missing); empty to skip")
	flag.StringVar(&o.want, "want", "You said: **hello**", "text the fake model's answer to \"hello\" must contain")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "the whole test fails after this long (a safety net: nothing waits for it)")
	flag.IntVar(&o.launches, "launches", 4, "launches timed in all: the first on a new data dir, then relaunches on it")
	flag.BoolVar(&o.keepTemp, "keep", false, "keep the temporary XDG directories")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	res, err := run(o, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "smoke-desktop: FAIL: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("smoke-desktop: PASS\n")
	fmt.Printf("  launch → web view connected: %s (new data dir)", res.startToWindow.Round(time.Millisecond))
	if len(res.relaunches) > 0 {
		fmt.Printf(", relaunches %s", durations(res.relaunches))
	}
	fmt.Printf("; load average %s\n", res.load)
	fmt.Printf("  RSS at window ready:   %s (%s)\n", mib(res.ready.rss), res.ready.describe())
	fmt.Printf("  RSS after one turn:    %s, PSS %s; hearth's own anonymous memory %s\n", mib(res.afterTurn.rss), mib(res.afterTurn.pss), mib(res.afterTurn.ownAnon))
	fmt.Printf("  launch after a crash: %s\n", res.afterCrash.Round(time.Millisecond))
	fmt.Printf("  second launch exited 0 in %s\n", res.secondLaunch.Round(time.Millisecond))
	fmt.Printf("  clean shutdown in %s\n", res.shutdown.Round(time.Millisecond))
	fmt.Printf("  screenshot: %s\n", res.screenshot)
}

// result is what a passing run measured.
type result struct {
	startToWindow time.Duration
	relaunches    []time.Duration
	afterCrash    time.Duration
	load          string
	secondLaunch  time.Duration
	shutdown      time.Duration
	ready         treeMemory
	afterTurn     treeMemory
	screenshot    string
}

func run(o options, log *slog.Logger) (res result, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()

	for _, p := range []*string{&o.hearth, &o.fakeLLM} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return res, fmt.Errorf("resolve %s: %w", *p, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return res, fmt.Errorf("missing binary: %w", err)
		}
		*p = abs
	}
	for _, tool := range []string{"Xvfb", "import", "convert"} {
		if _, err := exec.LookPath(tool); err != nil {
			return res, fmt.Errorf("%s not found (Debian: apt-get install xvfb imagemagick): %w", tool, err)
		}
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return res, fmt.Errorf("create output dir: %w", err)
	}

	tmp, err := os.MkdirTemp("", "hearth-desktop-smoke-")
	if err != nil {
		return res, fmt.Errorf("temp dir: %w", err)
	}
	defer func() {
		if o.keepTemp {
			log.Info("kept temporary directories", "dir", tmp)
			return
		}
		_ = os.RemoveAll(tmp)
	}()
	x, err := newXDG(tmp)
	if err != nil {
		return res, err
	}

	var procs processes
	defer procs.killAll(log)

	llmURL, err := startFakeLLM(ctx, o.fakeLLM, filepath.Join(o.out, "fakellm.log"), &procs)
	if err != nil {
		return res, err
	}
	display, err := startXvfb(ctx, filepath.Join(o.out, "xvfb.log"), &procs)
	if err != nil {
		return res, err
	}
	log.Info("environment ready", "display", display, "fake_llm", llmURL, "tmp", tmp)

	env := x.env(display)
	hearthArgs := []string{"--provider-url", llmURL + "/v1", "--model", "fake-model"}

	// Launch the window.
	logPath := filepath.Join(o.out, "hearth.log")
	first, err := startHearth(o.hearth, hearthArgs, env, logPath, &procs)
	if err != nil {
		return res, err
	}
	launched := time.Now()
	failWithLog := func(err error) (result, error) {
		return res, fmt.Errorf("%w\n--- hearth stderr (%s), last lines ---\n%s", err, logPath, first.log.tail(40))
	}

	// 1. The page in the web view has connected to the embedded server.
	if err := waitConnected(ctx, x.socket(), first); err != nil {
		return failWithLog(err)
	}
	res.startToWindow = time.Since(launched)
	log.Info("web view connected", "after", res.startToWindow.Round(time.Millisecond))
	if res.ready, err = measureTree(first.cmd.Process.Pid); err != nil {
		return failWithLog(err)
	}

	// 2. A turn from the CLI over the unix socket, beside the window.
	out, err := runCmd(ctx, patience, o.hearth, []string{"chat", "hello"}, env)
	if err != nil {
		return failWithLog(fmt.Errorf("hearth chat: %w", err))
	}
	if !strings.Contains(out.stdout, o.want) {
		return failWithLog(fmt.Errorf("hearth chat printed %q (stderr %q), want it to contain %q", out.stdout, out.stderr, o.want))
	}
	answer, _, _ := strings.Cut(strings.TrimSpace(out.stdout), "\n")
	log.Info("turn over the socket answered", "first_line", answer)
	if res.afterTurn, err = measureTree(first.cmd.Process.Pid); err != nil {
		return failWithLog(err)
	}

	// 3. A second launch hands over to the first and exits 0 (how quickly is
	// a figure).
	start := time.Now()
	out, err = runCmd(ctx, patience, o.hearth, hearthArgs, env)
	res.secondLaunch = time.Since(start)
	if err != nil {
		return failWithLog(fmt.Errorf("second launch: %w", err))
	}
	if first.exited() {
		return failWithLog(errors.New("the first instance exited when the second was launched"))
	}
	if err := first.log.waitFor(ctx, "focus requested by a second launch", patience); err != nil {
		return failWithLog(fmt.Errorf("the first window was not asked to come forward: %w", err))
	}
	ep, err := readEndpoint(x.endpointFile())
	if err != nil {
		return failWithLog(err)
	}
	if ep.PID != first.cmd.Process.Pid {
		return failWithLog(fmt.Errorf("endpoint.json names pid %d, want the first instance %d", ep.PID, first.cmd.Process.Pid))
	}

	// 4. What the user sees.
	res.screenshot = filepath.Join(o.out, "desktop.png")
	if err := screenshot(ctx, display, res.screenshot); err != nil {
		return failWithLog(err)
	}

	// 5. SIGTERM quits cleanly: exit 0, nothing left behind.
	tree := descendants(first.cmd.Process.Pid)
	start = time.Now()
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return failWithLog(fmt.Errorf("send SIGTERM: %w", err))
	}
	code, err := first.wait(patience)
	res.shutdown = time.Since(start)
	if err != nil {
		return failWithLog(err)
	}
	if code != 0 {
		return failWithLog(fmt.Errorf("exit code after SIGTERM: %d, want 0", code))
	}
	for _, leftover := range []string{x.socket(), x.endpointFile()} {
		if _, err := os.Lstat(leftover); !errors.Is(err, os.ErrNotExist) {
			return failWithLog(fmt.Errorf("%s still exists after shutdown", leftover))
		}
	}
	if err := waitGone(tree, patience); err != nil {
		return failWithLog(err)
	}
	if _, err := os.Stat(x.windowState()); err != nil {
		return failWithLog(fmt.Errorf("window state was not saved on close: %w", err))
	}
	log.Info("clean shutdown", "took", res.shutdown.Round(time.Millisecond), "children_checked", len(tree))

	// 6. Relaunches on the same data dir: the everyday start, and proof
	// that a clean shutdown leaves nothing that blocks the next launch.
	// The first relaunch quits through the menu's Ctrl+Q where xdotool is
	// installed: the path a user takes, which must be as clean as SIGTERM.
	keyboard := sigterm()
	if _, err := exec.LookPath("xdotool"); err == nil {
		keyboard = ctrlQ(display)
	} else {
		log.Warn("xdotool not installed: relaunches quit with SIGTERM only; the Ctrl+Q path is not tested")
	}
	for i := 1; i < o.launches; i++ {
		q := sigterm()
		if i == 1 {
			q = keyboard
		}
		d, err := relaunch(ctx, o.hearth, hearthArgs, env, x, filepath.Join(o.out, fmt.Sprintf("hearth-relaunch-%d.log", i)), &procs, q)
		if err != nil {
			return res, fmt.Errorf("relaunch %d: %w", i, err)
		}
		res.relaunches = append(res.relaunches, d)
		log.Info("relaunch connected and quit cleanly", "n", i, "after", d.Round(time.Millisecond), "quit", q.name)
	}

	// 7. A crash (SIGKILL: no OnShutdown, the socket and endpoint.json
	// stay behind) must not block the next launch, and must not leave
	// WebKit's helpers running without their window.
	if res.afterCrash, err = crashAndRecover(ctx, o, hearthArgs, env, x, &procs); err != nil {
		return res, err
	}
	log.Info("launch after a crash connected", "after", res.afterCrash.Round(time.Millisecond))
	res.load = hostinfo.LoadAverage()

	if o.bench != "" {
		if err := recordBenchmark(o.bench, res); err != nil {
			return res, err
		}
		log.Info("numbers recorded", "file", o.bench)
	}
	return res, nil
}
