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
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// xdg is a private set of XDG base directories, so the test never sees or
// touches the user's chats, config or running instance.
type xdg struct{ runtime, data, config, state string }

func newXDG(root string) (xdg, error) {
	x := xdg{
		runtime: filepath.Join(root, "runtime"),
		data:    filepath.Join(root, "data"),
		config:  filepath.Join(root, "config"),
		state:   filepath.Join(root, "state"),
	}
	for _, d := range []string{x.runtime, x.data, x.config, x.state} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return x, fmt.Errorf("create %s: %w", d, err)
		}
	}
	return x, nil
}

func (x xdg) socket() string       { return filepath.Join(x.runtime, "hearth", "hearth.sock") }
func (x xdg) endpointFile() string { return filepath.Join(x.runtime, "hearth", "endpoint.json") }
func (x xdg) windowState() string  { return filepath.Join(x.state, "hearth", "window.json") }

// env is the caller's environment minus everything that could point Hearth,
// GTK or WebKit elsewhere (a real display, session bus or instance).
func (x xdg) env(display string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "XDG_"), strings.HasPrefix(k, "HEARTH_"), strings.HasPrefix(k, "OPENAI_"),
			k == "OLLAMA_HOST", k == "DISPLAY", k == "WAYLAND_DISPLAY", k == "DBUS_SESSION_BUS_ADDRESS",
			k == "GDK_BACKEND":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"DISPLAY="+display,
		"GDK_BACKEND=x11",
		"NO_AT_BRIDGE=1", // no accessibility bus on a private display
		"XDG_RUNTIME_DIR="+x.runtime,
		"XDG_DATA_HOME="+x.data,
		"XDG_CONFIG_HOME="+x.config,
		"XDG_STATE_HOME="+x.state,
	)
}

// processes are the long-running helpers, killed in reverse order however
// the test ends.
type processes struct {
	mu    sync.Mutex
	procs []*proc
}

type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	log  *lineLog
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait returns the exit code; a death by signal is an error.
func (p *proc) wait(timeout time.Duration) (int, error) {
	select {
	case <-p.done:
	case <-time.After(timeout):
		return -1, fmt.Errorf("%s did not exit within %s", p.name, timeout)
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -1, fmt.Errorf("%s was killed by %s", p.name, ws.Signal())
		}
		return ee.ExitCode(), nil
	}
	if p.err != nil {
		return -1, fmt.Errorf("%s: %w", p.name, p.err)
	}
	return 0, nil
}

func (ps *processes) start(name string, cmd *exec.Cmd, log *lineLog) (*proc, error) {
	// Each helper gets its own process group, so a failed run can kill a
	// process together with whatever it spawned (WebKit's helpers).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), log: log}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	ps.mu.Lock()
	ps.procs = append(ps.procs, p)
	ps.mu.Unlock()
	return p, nil
}

func (ps *processes) killAll(log *slog.Logger) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for i := len(ps.procs) - 1; i >= 0; i-- {
		p := ps.procs[i]
		pid := p.cmd.Process.Pid
		kids := descendants(pid)
		if !p.exited() {
			log.Debug("stopping", "process", p.name, "pid", pid)
		}
		// The group outlives its leader when children remain.
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		for _, k := range kids {
			_ = syscall.Kill(k.pid, syscall.SIGKILL)
		}
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			log.Warn("process did not die", "process", p.name, "pid", pid)
		}
	}
}

func startFakeLLM(ctx context.Context, bin, logPath string, ps *processes) (string, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", logPath, err)
	}
	cmd := exec.Command(bin)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", fmt.Errorf("fake LLM stdout: %w", err)
	}
	if _, err := ps.start("fakellm", cmd, nil); err != nil {
		return "", err
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(logf, stdout)
	}()
	select {
	case line, ok := <-lines:
		if !ok {
			return "", errors.New("fake LLM exited without printing its URL")
		}
		var v struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil || v.URL == "" {
			return "", fmt.Errorf("fake LLM printed %q, want {\"url\":…}", line)
		}
		return strings.TrimSuffix(v.URL, "/"), nil
	case <-ctx.Done():
		return "", fmt.Errorf("fake LLM did not print its URL: %w", ctx.Err())
	}
}

// startXvfb picks a free display itself (-displayfd), so parallel runs and
// a developer's own X server never collide.
func startXvfb(ctx context.Context, logPath string, ps *processes) (string, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", logPath, err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return "", fmt.Errorf("pipe: %w", err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stdout, cmd.Stderr = logf, logf
	if _, err := ps.start("Xvfb", cmd, nil); err != nil {
		w.Close()
		return "", err
	}
	w.Close()
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
	}()
	select {
	case n := <-num:
		if _, err := strconv.Atoi(n); err != nil {
			return "", fmt.Errorf("Xvfb did not report a display number (got %q); see %s", n, logPath)
		}
		return ":" + n, nil
	case <-ctx.Done():
		return "", fmt.Errorf("Xvfb did not start: %w", ctx.Err())
	}
}

func startHearth(bin string, args, env []string, logPath string, ps *processes) (*proc, error) {
	ll, err := newLineLog(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout = ll
	cmd.Stderr = ll
	return ps.start("hearth", cmd, ll)
}

// waitConnected polls the instance's status over its unix socket until the
// server counts a WebSocket client: the page in the window, since nothing
// else has been started yet.
func waitConnected(ctx context.Context, socket string, p *proc) error {
	hc := &http.Client{
		Timeout: 2 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		}},
	}
	defer hc.CloseIdleConnections()
	last := "socket not there yet"
	for {
		if p.exited() {
			return fmt.Errorf("hearth exited before its window connected (%s)", last)
		}
		if n, err := statusClients(ctx, hc); err != nil {
			last = err.Error()
		} else if n > 0 {
			return nil
		} else {
			last = "backend up, no WebSocket client yet"
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the web view never connected to the backend (%s): %w", last, ctx.Err())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func statusClients(ctx context.Context, hc *http.Client) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://hearth/api/status", nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /api/status: %s", resp.Status)
	}
	var st struct {
		Clients *int `json:"clients"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return 0, fmt.Errorf("GET /api/status: %w", err)
	}
	if st.Clients == nil {
		return 0, errors.New("GET /api/status has no \"clients\" field")
	}
	return *st.Clients, nil
}

type cmdOutput struct{ stdout, stderr string }

func runCmd(ctx context.Context, timeout time.Duration, bin string, args, env []string) (cmdOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	err := cmd.Run()
	out := cmdOutput{stdout: stdout.String(), stderr: stderr.String()}
	if ctx.Err() != nil {
		return out, fmt.Errorf("%s %s timed out after %s (stderr: %s)", filepath.Base(bin), strings.Join(args, " "), timeout, out.stderr)
	}
	if err != nil {
		return out, fmt.Errorf("%s %s: %w (stderr: %s)", filepath.Base(bin), strings.Join(args, " "), err, out.stderr)
	}
	return out, nil
}

// relaunch starts the window again, times it to the connected web view and
// quits it, with the same exit checks as the first run.
func relaunch(ctx context.Context, bin string, args, env []string, x xdg, logPath string, ps *processes, q quitter) (time.Duration, error) {
	p, err := startHearth(bin, args, env, logPath, ps)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	withLog := func(err error) error {
		return fmt.Errorf("%w\n--- hearth stderr (%s), last lines ---\n%s", err, logPath, p.log.tail(40))
	}
	if err := waitConnected(ctx, x.socket(), p); err != nil {
		return 0, withLog(err)
	}
	d := time.Since(start)
	tree := descendants(p.cmd.Process.Pid)
	if err := q.quit(ctx, p); err != nil {
		return 0, withLog(fmt.Errorf("quit with %s: %w", q.name, err))
	}
	code, err := p.wait(patience)
	if err != nil {
		return 0, withLog(fmt.Errorf("after %s: %w", q.name, err))
	}
	if code != 0 {
		return 0, withLog(fmt.Errorf("exit code after %s: %d, want 0", q.name, code))
	}
	for _, leftover := range []string{x.socket(), x.endpointFile()} {
		if _, err := os.Lstat(leftover); !errors.Is(err, os.ErrNotExist) {
			return 0, withLog(fmt.Errorf("%s still exists after %s", leftover, q.name))
		}
	}
	if err := waitGone(tree, patience); err != nil {
		return 0, withLog(err)
	}
	return d, nil
}

// quitter ends a running window the way a user or the session would.
type quitter struct {
	name string
	quit func(ctx context.Context, p *proc) error
}

func sigterm() quitter {
	return quitter{name: "SIGTERM", quit: func(_ context.Context, p *proc) error {
		return p.cmd.Process.Signal(syscall.SIGTERM)
	}}
}

// ctrlQ presses the menu's Quit accelerator. Xvfb has no window manager,
// so keyboard focus follows the pointer: the pointer is put on the window
// first.
func ctrlQ(display string) quitter {
	return quitter{name: "Ctrl+Q", quit: func(ctx context.Context, p *proc) error {
		env := append(os.Environ(), "DISPLAY="+display)
		run := func(args ...string) (string, error) {
			ctx, cancel := context.WithTimeout(ctx, patience)
			defer cancel()
			cmd := exec.CommandContext(ctx, "xdotool", args...)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				return "", fmt.Errorf("xdotool %s: %w: %s", strings.Join(args, " "), err, out)
			}
			return string(out), nil
		}
		ids, err := run("search", "--sync", "--onlyvisible", "--pid", strconv.Itoa(p.cmd.Process.Pid), "--name", "^Hearth$")
		if err != nil {
			return err
		}
		id, _, _ := strings.Cut(strings.TrimSpace(ids), "\n")
		if _, err := run("mousemove", "--sync", "--window", id, "300", "300"); err != nil {
			return err
		}
		_, err = run("key", "--clearmodifiers", "ctrl+q")
		return err
	}}
}

func crashAndRecover(ctx context.Context, o options, args, env []string, x xdg, ps *processes) (time.Duration, error) {
	logPath := filepath.Join(o.out, "hearth-crashed.log")
	p, err := startHearth(o.hearth, args, env, logPath, ps)
	if err != nil {
		return 0, err
	}
	if err := waitConnected(ctx, x.socket(), p); err != nil {
		return 0, fmt.Errorf("before the crash: %w\n%s", err, p.log.tail(40))
	}
	tree := descendants(p.cmd.Process.Pid)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return 0, fmt.Errorf("kill: %w", err)
	}
	if _, err := p.wait(patience); err == nil {
		return 0, errors.New("hearth survived SIGKILL")
	}
	if err := waitGone(tree, patience); err != nil {
		return 0, fmt.Errorf("after the window process was killed: %w", err)
	}
	if _, err := os.Lstat(x.socket()); err != nil {
		// Not a failure of Hearth, but then this step tests less than it says.
		return 0, fmt.Errorf("expected the killed instance's socket to remain: %w", err)
	}
	d, err := relaunch(ctx, o.hearth, args, env, x, filepath.Join(o.out, "hearth-after-crash.log"), ps, sigterm())
	if err != nil {
		return 0, fmt.Errorf("launch after a crash: %w", err)
	}
	return d, nil
}

// durations prints min / median / max.
func durations(ds []time.Duration) string {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	r := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	if len(s) == 1 {
		return r(s[0])
	}
	return fmt.Sprintf("min %s / median %s / max %s (n=%d)", r(s[0]), r(s[len(s)/2]), r(s[len(s)-1]), len(s))
}

type endpoint struct {
	PID int `json:"pid"`
}

func readEndpoint(path string) (endpoint, error) {
	var ep endpoint
	raw, err := os.ReadFile(path)
	if err != nil {
		return ep, fmt.Errorf("endpoint file: %w", err)
	}
	if err := json.Unmarshal(raw, &ep); err != nil {
		return ep, fmt.Errorf("endpoint file %s: %w", path, err)
	}
	return ep, nil
}

// screenshot grabs the whole display once the picture has settled: painted
// (not one flat colour: the page paints a moment after its WebSocket opens,
// later still on a loaded machine) and two grabs in a row alike. It waits for
// that, not for a time; a picture still flat at the safety net fails the
// test: a window that never painted leaves the root window one flat colour.
func screenshot(ctx context.Context, display, path string) error {
	raw := path + ".ppm"
	defer os.Remove(raw)
	grab := func() ([]byte, error) {
		gctx, cancel := context.WithTimeout(ctx, patience)
		defer cancel()
		if out, err := exec.CommandContext(gctx, "import", "-window", "root", "-display", display, "-depth", "8", "ppm:"+raw).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("screenshot: %w: %s", err, out)
		}
		return os.ReadFile(raw)
	}
	shot, err := grab()
	if err != nil {
		return err
	}
	// Two grabs alike is best effort (a blinking caret may keep them apart);
	// a painted picture is what the test waits for and requires.
	flat := func(b []byte) (float64, bool, error) {
		sd, err := ppmStdDev(b)
		return sd, sd < 2, err
	}
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); {
		time.Sleep(300 * time.Millisecond) // the pace of grabbing, not a wait for anything
		cur, err := grab()
		if err != nil {
			return err
		}
		same := bytes.Equal(cur, shot)
		shot = cur
		if _, isFlat, err := flat(shot); err != nil {
			return fmt.Errorf("inspect screenshot: %w", err)
		} else if same && !isFlat {
			break
		}
	}
	sd, _, err := flat(shot)
	if err != nil {
		return fmt.Errorf("inspect screenshot: %w", err)
	}
	if sd < 2 {
		return fmt.Errorf("screenshot is a flat colour (standard deviation %.2f of 255): no window on the display", sd)
	}
	cctx, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	if err := os.WriteFile(raw, shot, 0o644); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if out, err := exec.CommandContext(cctx, "convert", raw, "-strip", path).CombinedOutput(); err != nil {
		return fmt.Errorf("convert screenshot: %w: %s", err, out)
	}
	return nil
}

// ppmStdDev is the standard deviation of all channel values of a binary
// PPM (P6, 8 bit) image, as ImageMagick's import writes it.
func ppmStdDev(img []byte) (float64, error) {
	fields := make([]int, 0, 3)
	i := 2
	if len(img) < 2 || string(img[:2]) != "P6" {
		return 0, errors.New("not a binary PPM")
	}
	for len(fields) < 3 {
		for i < len(img) && (img[i] == ' ' || img[i] == '\n' || img[i] == '\r' || img[i] == '\t') {
			i++
		}
		if i < len(img) && img[i] == '#' {
			for i < len(img) && img[i] != '\n' {
				i++
			}
			continue
		}
		j := i
		for j < len(img) && img[j] >= '0' && img[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(string(img[i:j]))
		if err != nil {
			return 0, fmt.Errorf("PPM header: %w", err)
		}
		fields = append(fields, n)
		i = j
	}
	i++ // the single whitespace byte after maxval
	w, h, maxval := fields[0], fields[1], fields[2]
	if maxval != 255 {
		return 0, fmt.Errorf("PPM maxval %d, want 255", maxval)
	}
	px := img[min(i, len(img)):]
	if len(px) < w*h*3 || w*h == 0 {
		return 0, fmt.Errorf("PPM has %d bytes of pixels, want %d", len(px), w*h*3)
	}
	px = px[:w*h*3]
	var sum, sumSq float64
	for _, v := range px {
		f := float64(v)
		sum += f
		sumSq += f * f
	}
	n := float64(len(px))
	mean := sum / n
	return math.Sqrt(max(0, sumSq/n-mean*mean)), nil
}

// lineLog is hearth's stderr, kept in a file and searchable while it runs.
type lineLog struct {
	mu      sync.Mutex
	f       *os.File
	buf     bytes.Buffer
	changed chan struct{}
}

func newLineLog(path string) (*lineLog, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &lineLog{f: f, changed: make(chan struct{})}, nil
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	close(l.changed)
	l.changed = make(chan struct{})
	return l.f.Write(p)
}

func (l *lineLog) waitFor(ctx context.Context, needle string, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		found := bytes.Contains(l.buf.Bytes(), []byte(needle))
		changed := l.changed
		l.mu.Unlock()
		if found {
			return nil
		}
		select {
		case <-changed:
		case <-deadline:
			return fmt.Errorf("no %q in the log within %s", needle, timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (l *lineLog) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := strings.Split(strings.TrimRight(l.buf.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// A process in /proc, for the memory sum and the leftover check.
type procInfo struct {
	pid  int
	name string
}

// descendants lists every process below pid, found through the parent
// links in /proc (WebKit's network and web processes, for the window).
func descendants(pid int) []procInfo {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := map[int]int{}
	name := map[int]string{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name is in parentheses and may itself hold spaces.
		s := string(raw)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 2 {
			continue
		}
		pp, _ := strconv.Atoi(fields[1])
		parent[p] = pp
		name[p] = s[open+1 : closing]
	}
	var out []procInfo
	var walk func(int)
	walk = func(root int) {
		for p, pp := range parent {
			if pp == root {
				out = append(out, procInfo{pid: p, name: name[p]})
				walk(p)
			}
		}
	}
	walk(pid)
	sort.Slice(out, func(i, j int) bool { return out[i].pid < out[j].pid })
	return out
}

// waitGone waits until none of the processes runs any more. A zombie has
// ended; it only waits to be reaped by whoever inherited it.
func waitGone(ps []procInfo, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var alive []string
		for _, p := range ps {
			if state, ok := procState(p.pid); ok && state != "Z" && state != "X" {
				alive = append(alive, fmt.Sprintf("%s[%d]", p.name, p.pid))
			}
		}
		if len(alive) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("left running after shutdown: %s", strings.Join(alive, ", "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func procState(pid int) (string, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", false
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", false
	}
	f := strings.Fields(s[i+1:])
	if len(f) == 0 {
		return "", false
	}
	return f[0], true
}

// treeMemory is the memory of hearth and its WebKit helpers. RSS counts the
// pages the processes share (libraries, WebKit's shared memory) once per
// process, so the sum overstates; PSS splits shared pages fairly and is the
// honest total. Both are reported.
type treeMemory struct {
	rss, pss int64 // bytes
	// ownAnon is hearth's private, anonymous memory (Go heap, SQLite
	// cache, GTK state): most of its RSS is WebKitGTK and GTK libraries
	// mapped from disk and shared with the WebKit processes.
	ownAnon int64
	parts   []string
}

func (m treeMemory) describe() string { return strings.Join(m.parts, " + ") }

func measureTree(pid int) (treeMemory, error) {
	var m treeMemory
	all := append([]procInfo{{pid: pid, name: "hearth"}}, descendants(pid)...)
	for i, p := range all {
		rss, err := procKB(fmt.Sprintf("/proc/%d/status", p.pid), "VmRSS:")
		if err == nil {
			var pss int64
			if pss, err = procKB(fmt.Sprintf("/proc/%d/smaps_rollup", p.pid), "Pss:"); err == nil {
				m.pss += pss * 1024
			}
		}
		if err != nil {
			// GLib forks short-lived helpers; one may be gone (or a zombie,
			// which has no memory lines) between the listing and the read.
			// hearth itself must be there.
			if i > 0 && (errors.Is(err, os.ErrNotExist) || errors.Is(err, errNoField)) {
				continue
			}
			return m, fmt.Errorf("memory of %s[%d]: %w", p.name, p.pid, err)
		}
		if i == 0 {
			anon, err := procKB(fmt.Sprintf("/proc/%d/smaps_rollup", p.pid), "Anonymous:")
			if err != nil {
				return m, fmt.Errorf("memory of hearth[%d]: %w", p.pid, err)
			}
			m.ownAnon = anon * 1024
		}
		m.rss += rss * 1024
		m.parts = append(m.parts, fmt.Sprintf("%s %s", p.name, mib(rss*1024)))
	}
	return m, nil
}

func procKB(path, key string) (int64, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("%w: %s in %s", errNoField, key, path)
}

var errNoField = errors.New("no such field")

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// recordBenchmark replaces the "## Desktop" section of the benchmarks file
// (or appends one), leaving every other section as it was.
func recordBenchmark(path string, res result) error {
	raw, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	doc := string(raw)
	if doc == "" {
		doc = "# Benchmarks\n"
	}
	section := benchmarkSection(res)

	lines := strings.SplitAfter(doc, "\n")
	start, end := -1, len(lines)
	for i, l := range lines {
		h := strings.TrimRight(l, "\r\n")
		if start < 0 && h == "## Desktop" {
			start = i
			continue
		}
		if start >= 0 && strings.HasPrefix(h, "## ") {
			end = i
			break
		}
	}
	var b strings.Builder
	if start < 0 {
		b.WriteString(strings.TrimRight(doc, "\n"))
		b.WriteString("\n\n")
		b.WriteString(section)
	} else {
		b.WriteString(strings.Join(lines[:start], ""))
		b.WriteString(section)
		if end < len(lines) {
			b.WriteString("\n")
			b.WriteString(strings.Join(lines[end:], ""))
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func benchmarkSection(res result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Desktop\n\n")
	fmt.Fprintf(&b, "Measured by `make smoke-desktop` on %s (%s, %d cores, %s/%s, Xvfb, WebKitGTK software rendering; load average %s).\n\n",
		time.Now().UTC().Format("2006-01-02"), hostinfo.CPUModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, res.load)
	fmt.Fprintf(&b, "| measure | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| launch → web view connected, new data dir | %s |\n", res.startToWindow.Round(time.Millisecond))
	if len(res.relaunches) > 0 {
		fmt.Fprintf(&b, "| launch → web view connected, relaunch | %s |\n", durations(res.relaunches))
	}
	fmt.Fprintf(&b, "| RSS sum, hearth + WebKit processes, window ready | %s |\n", mib(res.ready.rss))
	fmt.Fprintf(&b, "| RSS sum after one streamed turn | %s |\n", mib(res.afterTurn.rss))
	fmt.Fprintf(&b, "| PSS sum after one streamed turn (shared pages counted once) | %s |\n", mib(res.afterTurn.pss))
	fmt.Fprintf(&b, "| hearth process, anonymous memory after one turn | %s |\n", mib(res.afterTurn.ownAnon))
	fmt.Fprintf(&b, "| launch → web view connected, after a SIGKILLed instance | %s |\n", res.afterCrash.Round(time.Millisecond))
	fmt.Fprintf(&b, "| second launch hands over and exits | %s |\n", res.secondLaunch.Round(time.Millisecond))
	fmt.Fprintf(&b, "| SIGTERM → clean exit | %s |\n\n", res.shutdown.Round(time.Millisecond))
	fmt.Fprintf(&b, "Processes at window ready: %s.\n\n", res.ready.describe())
	fmt.Fprintf(&b, "\"Launch\" is the moment the desktop binary is started; \"connected\" is the first\n")
	fmt.Fprintf(&b, "poll of `GET /api/status` on the unix socket (every 25 ms) that counts a WebSocket\n")
	fmt.Fprintf(&b, "client, i.e. the page in the window has its endpoint and is live. RSS is summed over\n")
	fmt.Fprintf(&b, "`/proc/PID/status` of hearth and every descendant; PSS from `/proc/PID/smaps_rollup`.\n")
	fmt.Fprintf(&b, "Most of the hearth process's RSS is the WebKitGTK/GTK libraries, mapped from disk\n")
	fmt.Fprintf(&b, "and shared with the WebKit processes; its anonymous memory is what Hearth itself adds.\n\n")
	fmt.Fprintf(&b, "Reproduce: `make bench-desktop-doc` (needs Xvfb, ImageMagick and the GTK/WebKit\n")
	fmt.Fprintf(&b, "headers; see docs/desktop.md). It rewrites this section only. `make test` runs the\n")
	fmt.Fprintf(&b, "same smoke test but writes its figures to `.smoke/desktop/bench.md` (git-ignored).\n")
	return b.String()
}
