//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

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
