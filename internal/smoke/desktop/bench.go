//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/hearth-app/hearth/internal/hostinfo"
)

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
