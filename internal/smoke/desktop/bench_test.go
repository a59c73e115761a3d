//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRecordBenchmarkReplacesOnlyItsSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	before := "# Benchmarks\n\nIntro.\n\n## Store\n\nstore numbers\n\n## Desktop\n\nold desktop numbers\n\n## Server\n\nserver numbers\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	res := result{startToWindow: 1234 * time.Millisecond, load: "0.1 0.2 0.3"}
	for range 2 { // the second run must find and replace the first's section
		if err := recordBenchmark(path, res); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(raw)
	for _, want := range []string{"# Benchmarks\n\nIntro.\n\n## Store\n\nstore numbers\n\n## Desktop\n", "\n\n## Server\n\nserver numbers\n", "1.234s"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "old desktop numbers") || strings.Count(got, "## Desktop") != 1 {
		t.Errorf("section not replaced exactly once:\n%s", got)
	}
}

func TestRecordBenchmarkAppendsOrCreates(t *testing.T) {
	dir := t.TempDir()
	res := result{startToWindow: time.Second, load: "1 1 1"}

	fresh := filepath.Join(dir, "new.md")
	if err := recordBenchmark(fresh, res); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(fresh)
	if !strings.HasPrefix(string(raw), "# Benchmarks\n\n## Desktop\n") {
		t.Errorf("new file:\n%s", raw)
	}

	nested := filepath.Join(dir, "not", "yet", "bench.md")
	if err := recordBenchmark(nested, res); err != nil {
		t.Fatalf("a file in a directory not yet made: %v", err)
	}

	other := filepath.Join(dir, "other.md")
	if err := os.WriteFile(other, []byte("# Benchmarks\n\n## Store\n\nx\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := recordBenchmark(other, res); err != nil {
		t.Fatal(err)
	}
	raw, _ = os.ReadFile(other)
	if !strings.HasPrefix(string(raw), "# Benchmarks\n\n## Store\n\nx\n\n## Desktop\n") {
		t.Errorf("appended:\n%s", raw)
	}
}

func TestDurations(t *testing.T) {
	got := durations([]time.Duration{3 * time.Second, time.Second, 2 * time.Second})
	if got != "min 1s / median 2s / max 3s (n=3)" {
		t.Errorf("got %q", got)
	}
}
