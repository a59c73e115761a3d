package server

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// A clean stop removes its own socket, and never a file that has taken its
// place at the path since.
func TestShutdownRemovesOnlyItsOwnSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "hss")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "h.sock")

	s := New(Options{Logger: slog.New(slog.DiscardHandler)})
	if err := s.ListenUnix(path); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Fatalf("own socket left behind: %v", err)
	}

	s = New(Options{Logger: slog.New(slog.DiscardHandler)})
	if err := s.ListenUnix(path); err != nil {
		t.Fatal(err)
	}
	// Someone removes the socket and puts a file there.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "notes" {
		t.Fatalf("the file at the socket path was removed: %q %v", b, err)
	}
}
