package app

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/app/assembly"
)

// `--socket ~/hearth.sock`: the home directory keeps its mode, and the log
// says why that is fine.
func TestSocketInAnExistingDirectoryLeavesItsModeAlone(t *testing.T) {
	fake := llmtestNew(t)
	cfg := testConfig(t, fake)
	home, err := os.MkdirTemp("", "hh")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(home) })
	if err := os.Chmod(home, 0o755); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(home, "notes.txt")
	if err := os.WriteFile(notes, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}

	// A file that is not a socket is refused, and kept.
	cfg.Socket = notes
	if b, err := assembly.Start(context.Background(), cfg, nil, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), assembly.Options{}); err == nil {
		_ = b.Shutdown(context.Background())
		t.Fatal("started on a regular file")
	} else if !strings.Contains(err.Error(), notes) || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("error %q should name the file and say it is not a socket", err)
	}
	if b, err := os.ReadFile(notes); err != nil || string(b) != "keep me" {
		t.Fatalf("notes.txt: %q %v", b, err)
	}

	cfg.Socket = filepath.Join(home, "hearth.sock")
	var logs syncBuffer
	b, err := assembly.Start(context.Background(), cfg, nil, slog.New(slog.NewTextHandler(&logs, nil)), assembly.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := &testHearth{Backend: b, cfg: cfg, fake: fake}
	t.Cleanup(func() { h.stop(t) })
	if fi, err := os.Stat(home); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("home directory mode %v %v, want 0755 kept", fi.Mode().Perm(), err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "not private") {
		t.Errorf("no warning about the shared directory:\n%s", logs.String())
	}
	h.dial(t) // and it serves
}
