// Command chaos is Hearth's failure suite. It runs the real `hearth serve`
// (a nodesktop build) against a fake model server and
//
//   - the crash run: SIGKILLs the server again and again at seeded, randomly
//     drawn points while answers stream and messages queue up behind them,
//     and after each kill checks the database the dead server left
//     (PRAGMA integrity_check, opened read-only; every acknowledged message
//     stored; every cut answer's checkpoint a prefix of what the model said
//     and of what a client was streamed; the seq high-water mark above every
//     seq a client saw) and, after the restart, the protocol: the restart is
//     not blocked, every cut answer is `interrupted` with its checkpointed
//     text, every new seq is above every seq seen before, and every
//     acknowledged queued message is answered;
//   - the load run: many connections over many chats, one client per chat
//     that stops reading, a long turn in every chat, then every client
//     reconnecting at once with since: no delta lost or doubled for anyone
//     who reads, the stalled ones dropped with 1013, the server's RSS bounded.
//
// Where a kill lands is counted in protocol events (the n-th delta, the n-th
// queued acknowledgement, …), not in time, and every wait is for an event or
// a condition; the timeouts are safety nets only. The seed is printed; run
// again with -seed to replay the same plan.
//
// `make chaos` runs the long form, `make chaos-short` (part of `make test`)
// a short one; see docs/testing.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hearth-app/hearth/internal/hostinfo"
)

type options struct {
	hearth     string
	work       string
	report     string
	keep       bool
	seed       uint64
	kills      int
	crashChats int
	kindOffset int

	loadConns, loadChats int
	loadChunk, loadBurst int
	loadBigMiB           int
	maxRSSMiB            int

	startTimeout, stepTimeout, roundTimeout, settleTimeout, dropTimeout, deadline time.Duration
}

type failures struct {
	mu   sync.Mutex
	list []string
}

func (f *failures) add(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	f.mu.Lock()
	f.list = append(f.list, msg)
	f.mu.Unlock()
	fmt.Fprintf(os.Stderr, "chaos: FAIL: %s\n", msg)
}

func (f *failures) all() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.list...)
}

func main() {
	var o options
	flag.StringVar(&o.hearth, "hearth", "bin/hearth-chaos", "hearth binary to run (`go build -tags nodesktop`)")
	flag.StringVar(&o.work, "work", ".smoke/chaos", "directory for the logs and the report (git-ignored); the data directories live in a temporary one")
	flag.StringVar(&o.report, "report", "", "markdown file for the figures (default WORK/report.md)")
	flag.BoolVar(&o.keep, "keep", false, "keep the data directories (their path is printed)")
	flag.Uint64Var(&o.seed, "seed", 0, "random seed; 0 draws one (printed either way)")
	flag.IntVar(&o.kills, "kills", 24, "SIGKILLs in the crash run (0 skips it)")
	flag.IntVar(&o.crashChats, "crash-chats", 4, "chats streaming and queueing at each kill")
	flag.IntVar(&o.loadConns, "load-conns", 1000, "connections in the load run (0 skips it)")
	flag.IntVar(&o.loadChats, "load-chats", 50, "chats the load run's connections are spread over")
	flag.IntVar(&o.loadChunk, "load-chunk", 512, "bytes per streamed chunk in the load run")
	flag.IntVar(&o.loadBurst, "load-burst", 600, "chunks per burst in the load run (two bursts per turn)")
	flag.IntVar(&o.loadBigMiB, "load-big", 20, "MiB of the answer a paused client falls behind on in the load run's 1013 check (0 skips it; over the 16 MiB send bound)")
	flag.IntVar(&o.maxRSSMiB, "max-rss", 768, "the server's RSS bound during the load run, MiB")
	flag.DurationVar(&o.startTimeout, "start-timeout", 60*time.Second, "safety net: a (re)start that takes longer is a blocked restart")
	flag.DurationVar(&o.stepTimeout, "step-timeout", 2*time.Minute, "safety net for one request/reply")
	flag.DurationVar(&o.roundTimeout, "round-timeout", 5*time.Minute, "safety net: a kill point not reached by then fails the round")
	flag.DurationVar(&o.settleTimeout, "settle-timeout", 5*time.Minute, "safety net for queued turns to finish after a restart, and for the load run's turns")
	flag.DurationVar(&o.dropTimeout, "drop-timeout", 3*time.Minute, "safety net for stalled clients to be dropped")
	flag.DurationVar(&o.deadline, "deadline", 45*time.Minute, "safety net for the whole run")
	flag.Parse()
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano())&(1<<53-1) | 1
	}
	if o.report == "" {
		o.report = filepath.Join(o.work, "report.md")
	}
	rng := rand.New(rand.NewPCG(o.seed, o.seed^0x9e3779b97f4a7c15))
	o.kindOffset = rng.IntN(len(triggerKinds))
	os.Exit(run(o, rng))
}

func run(o options, rng *rand.Rand) int {
	logf := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "chaos: "+format+"\n", a...)
	}
	repro := fmt.Sprintf("bin/chaos -hearth %s -seed %d -kills %d -crash-chats %d -load-conns %d -load-chats %d -load-chunk %d -load-burst %d -load-big %d -max-rss %d",
		o.hearth, o.seed, o.kills, o.crashChats, o.loadConns, o.loadChats, o.loadChunk, o.loadBurst, o.loadBigMiB, o.maxRSSMiB)
	logf("seed %d (reproduce: %s)", o.seed, repro)
	if _, err := os.Stat(o.hearth); err != nil {
		logf("no hearth binary: %v (build it with: CGO_ENABLED=0 go build -tags nodesktop -o %s .)", err, o.hearth)
		return 2
	}
	if abs, err := filepath.Abs(o.hearth); err == nil {
		o.hearth = abs
	}
	if err := os.MkdirAll(o.work, 0o755); err != nil {
		logf("%v", err)
		return 2
	}
	// A unix socket path must fit in ~107 bytes: keep the data under a short
	// temporary directory and only logs and the report in -work.
	tmp, err := os.MkdirTemp("", "chaos")
	if err != nil {
		logf("%v", err)
		return 2
	}
	if o.keep {
		logf("data directories kept under %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	logs := o.work
	o.work = tmp
	if need := uint64(2*o.loadConns + 256); o.loadConns > 0 {
		if lim, err := raiseFileLimit(need); err != nil {
			logf("%v", err)
			return 2
		} else {
			logf("open-file limit %d", lim)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), o.deadline)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	fails := &failures{}
	began := time.Now()
	load0 := hostinfo.LoadAverage()
	var cs *crashSuite
	var ls loadStats
	var runErr error
	if o.kills > 0 {
		cs, err = newCrashSuite(o, rng, fails, logf)
		if err == nil {
			err = cs.run(ctx)
		}
		if err != nil {
			runErr = fmt.Errorf("crash run: %w", err)
		}
	}
	if runErr == nil && o.loadConns > 0 {
		ls, err = runLoad(ctx, o, fails, logf)
		if err != nil {
			runErr = fmt.Errorf("load run: %w", err)
		}
	}
	took := time.Since(began)
	copyLogs(o.work, logs)
	rep := report(o, cs, ls, took, load0, repro)
	fmt.Print(rep)
	list := fails.all()
	if runErr != nil {
		list = append(list, runErr.Error())
		fmt.Fprintf(os.Stderr, "chaos: ERROR: %v\n", runErr)
	}
	if len(list) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "\nFAILED with seed %d: %d problem(s):\n\n", o.seed, len(list))
		for _, l := range list {
			fmt.Fprintf(&b, "- %s\n", l)
		}
		rep += b.String()
	}
	if err := os.WriteFile(filepath.Join(logs, filepath.Base(o.report)), []byte(rep), 0o644); err == nil && filepath.Dir(o.report) != logs {
		_ = os.MkdirAll(filepath.Dir(o.report), 0o755)
		_ = os.WriteFile(o.report, []byte(rep), 0o644)
	}
	if len(list) > 0 {
		fmt.Fprintf(os.Stderr, "\nchaos: FAILED with seed %d: %d problem(s); logs in %s\nreproduce: %s\n", o.seed, len(list), logs, repro)
		for _, l := range list {
			fmt.Fprintf(os.Stderr, "  - %s\n", l)
		}
		return 1
	}
	fmt.Fprintf(os.Stderr, "chaos: passed (seed %d) in %v\n", o.seed, took.Round(time.Second))
	return 0
}

// copyLogs keeps the hearth logs of this run next to the report.
func copyLogs(from, to string) {
	for _, name := range []string{"crash-hearth.log", "load-hearth.log"} {
		b, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			b = nil // not run this time: no stale log from an earlier run
		}
		_ = os.WriteFile(filepath.Join(to, name), b, 0o644)
	}
}

func report(o options, cs *crashSuite, ls loadStats, took time.Duration, load0, repro string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Failure suite (`make chaos`)\n\n")
	fmt.Fprintf(&b, "Measured on %s (%s, %d cores, %s/%s; load average %s at the start, %s at the end), seed %d, %v in all.\n\n",
		time.Now().UTC().Format("2006-01-02"), hostinfo.CPUModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, load0, hostinfo.LoadAverage(), o.seed, took.Round(time.Second))
	if cs != nil {
		st := cs.stats
		fmt.Fprintf(&b, "| crash run | |\n|---|---|\n")
		fmt.Fprintf(&b, "| SIGKILLs (each followed by read-only `integrity_check` and a restart) | %d |\n", st.kills)
		fmt.Fprintf(&b, "| restart → listening line | %s |\n", st.restartSummary())
		fmt.Fprintf(&b, "| messages acknowledged (of them queued) | %d (%d) |\n", st.acked, st.ackedQueued)
		fmt.Fprintf(&b, "| answers cut mid-stream, found `interrupted` with their checkpoint (of them with text kept) | %d (%d) |\n", st.cut, st.cutWithText)
		fmt.Fprintf(&b, "| queued turns answered by a restarted server | %d |\n", st.resumed)
		fmt.Fprintf(&b, "| messages stored whose acknowledgement never arrived (allowed) | %d |\n\n", st.committedOnly)
	}
	if ls.conns > 0 {
		fmt.Fprintf(&b, "| load run | |\n|---|---|\n")
		if ls.pausedCode != "" {
			fmt.Fprintf(&b, "| a client paused %d MiB behind, reading again, gets | %s, %v after the answer began |\n", o.loadBigMiB, ls.pausedCode, ls.pausedAfter.Round(time.Millisecond))
		}
		fmt.Fprintf(&b, "| connections / chats / stalled clients | %d / %d / %d |\n", ls.conns, ls.chats, ls.stalled)
		fmt.Fprintf(&b, "| all connected and attached | %v |\n", ls.connect.Round(time.Millisecond))
		fmt.Fprintf(&b, "| stalled clients dropped, after the turns began | %d, %v |\n", ls.dropped, ls.dropAfter.Round(time.Millisecond))
		fmt.Fprintf(&b, "| how the stalled clients' connections ended | %s |\n", codes(ls.closeCodes))
		fmt.Fprintf(&b, "| all reconnected at once with `since` and attached | %v |\n", ls.reconnect.Round(time.Millisecond))
		fmt.Fprintf(&b, "| rest of the turns after the reconnect | %v |\n", ls.finish.Round(time.Millisecond))
		fmt.Fprintf(&b, "| answer per chat | %d KiB |\n", ls.bytesPerChat>>10)
		fmt.Fprintf(&b, "| delta frames read by clients | %d |\n", ls.deltasRead)
		fmt.Fprintf(&b, "| readers with the whole answer, nothing lost or doubled | %d of %d |\n", ls.readersOK, ls.readersOK+ls.readersWithErrors)
		fmt.Fprintf(&b, "| server RSS: idle / all connected / peak / end | %d / %d / %d / %d MiB |\n\n",
			ls.rssStart>>10, ls.rssConnected>>10, ls.rssPeak>>10, ls.rssEnd>>10)
	}
	fmt.Fprintf(&b, "Reproduce: `%s`\n", repro)
	return b.String()
}

func codes(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, v))
	}
	return strings.Join(parts, ", ")
}
