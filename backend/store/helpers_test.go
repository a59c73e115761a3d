package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeClock makes updated_at ordering deterministic in tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// openTest opens a store in a fresh temp dir with a fake clock.
func openTest(t testing.TB) (*Store, *fakeClock) {
	t.Helper()
	s := openAt(t, filepath.Join(t.TempDir(), "data", "hearth.db"))
	clk := &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	s.now = clk.now
	return s, clk
}

func openAt(t testing.TB, path string) *Store {
	t.Helper()
	var opts Options
	if _, bench := t.(*testing.B); !bench { // keep benchmark output readable
		opts.Logger = testLogger(t)
	}
	s, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func mustChat(t testing.TB, s *Store, nc NewChat) Chat {
	t.Helper()
	c, err := s.CreateChat(context.Background(), nc)
	if err != nil {
		t.Fatalf("CreateChat: %v", err)
	}
	return c
}

func mustUser(t testing.TB, s *Store, chatID string, seq int64, content string, media ...string) Message {
	t.Helper()
	m, err := s.AppendUserMessage(context.Background(), chatID, seq, content, media, "m1")
	if err != nil {
		t.Fatalf("AppendUserMessage(seq %d): %v", seq, err)
	}
	return m
}

func mustMedia(t testing.TB, s *Store, data, mime string) MediaRef {
	t.Helper()
	sum := sha256.Sum256([]byte(data))
	r := MediaRef{ID: hex.EncodeToString(sum[:]), MIME: mime, Name: data + ".bin", Size: int64(len(data))}
	if err := s.PutMedia(context.Background(), r); err != nil {
		t.Fatalf("PutMedia: %v", err)
	}
	return r
}

// count runs a count(*) style query on the writer (sees everything committed).
func count(t testing.TB, s *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.w.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func hashFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ftsIntegrity asks FTS5 to compare its index with the content view.
func ftsIntegrity(t testing.TB, s *Store) {
	t.Helper()
	if _, err := s.w.Exec(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Fatalf("fts integrity-check: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
