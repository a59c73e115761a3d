package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A memory store behaves as a file store: chats, messages, the tree,
// history; and nothing of it reaches the disk.
func TestMemoryStoreKeepsNothingOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Chdir(dir)
	s, err := OpenMemory(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := OpenMemory(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateChat(ctx, NewChat{Title: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := s.AppendUserMessage(ctx, c.ID, 1, "hello", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.StartAssistant(ctx, c.ID, "t1", "m", 2, &q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishAssistant(ctx, a.ID, Final{Content: "hi", Status: StatusDone, StreamEndSeq: 3, EndSeq: 4}); err != nil {
		t.Fatal(err)
	}
	msgs, more, err := s.History(ctx, c.ID, 0, 10)
	if err != nil || more || len(msgs) != 2 || msgs[1].Content != "hi" || *msgs[1].ParentID != q.ID {
		t.Fatalf("history %+v %v %v", msgs, more, err)
	}
	if _, err := other.GetChat(ctx, c.ID); err == nil {
		t.Fatal("a second memory store sees the first one's chat")
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Fatalf("files written: %v %v", entries, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ":memory:")); !os.IsNotExist(err) {
		t.Fatalf("a file named :memory: %v", err)
	}
	_ = other.Close()
}
