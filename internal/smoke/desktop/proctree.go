//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

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
