package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// A checkpointed answer keeps its parts as its text: the final write adds
// only the tail, reads and search see the whole text, and deleting it leaves
// the search index consistent.
func TestCheckpointedAnswerKeepsItsParts(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, filepath.Join(t.TempDir(), "hearth.db"))
	c := mustChat(t, s, NewChat{ID: "p"})
	u := mustUser(t, s, c.ID, 1, "tell me a story")
	m, err := s.StartAssistant(ctx, c.ID, "t", "m", 2, &u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range []Checkpoint{
		{Content: "Once upon a time ", Reasoning: "a story "},
		{Content: "a marmalade ", Reasoning: "about jam"},
		{Content: "fox "},
	} {
		if err := s.CheckpointAssistant(ctx, m.ID, i, p); err != nil {
			t.Fatal(err)
		}
	}
	full := "Once upon a time a marmalade fox jumped over the quixotic moon."
	if err := s.FinishAssistant(ctx, m.ID, Final{Content: full, Reasoning: "a story about jam", Status: StatusDone, StreamEndSeq: 3, EndSeq: 4}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetMessage(ctx, m.ID)
	if err != nil || got.Content != full || got.Reasoning != "a story about jam" {
		t.Fatalf("read back %q / %q (%v)", got.Content, got.Reasoning, err)
	}
	// Written once: the row holds none of it, the parts hold all of it.
	if n := count(t, s, `SELECT octet_length(content) FROM messages WHERE id = ?`, m.ID); n != 0 {
		t.Fatalf("the row holds %d bytes of a text kept in parts", n)
	}
	if n := count(t, s, `SELECT count(*) FROM message_parts WHERE message_id = ?`, m.ID); n != 4 {
		t.Fatalf("%d parts, want 3 checkpoints and the tail", n)
	}
	hist, _, err := s.History(ctx, c.ID, 0, 10)
	if err != nil || len(hist) != 2 || hist[1].Content != full {
		t.Fatalf("history %+v %v", hist, err)
	}
	for _, word := range []string{"marmalade", "quixotic", "jam"} {
		hits, err := s.Search(ctx, word, 10)
		if err != nil || len(hits) != 1 || hits[0].MessageID != m.ID {
			t.Fatalf("search %q: %+v %v", word, hits, err)
		}
		if !strings.Contains(hits[0].Snippet, word) {
			t.Errorf("snippet for %q: %q", word, hits[0].Snippet)
		}
	}
	ftsIntegrity(t, s)
	if err := s.DeleteChat(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	ftsIntegrity(t, s)
	if hits, err := s.Search(ctx, "marmalade", 10); err != nil || len(hits) != 0 {
		t.Fatalf("search after delete: %+v %v", hits, err)
	}
	if n := count(t, s, `SELECT count(*) FROM message_parts`); n != 0 {
		t.Fatalf("%d parts left after the delete", n)
	}
}

// Parts that are not a prefix of the final text give way to it.
func TestFinalTextThatDisagreesWithItsPartsReplacesThem(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, filepath.Join(t.TempDir(), "hearth.db"))
	c := mustChat(t, s, NewChat{ID: "q"})
	m, err := s.StartAssistant(ctx, c.ID, "t", "m", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckpointAssistant(ctx, m.ID, 0, Checkpoint{Content: "draft"}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishAssistant(ctx, m.ID, Final{Content: "final words", Status: StatusDone, EndSeq: 2}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetMessage(ctx, m.ID)
	if got.Content != "final words" {
		t.Fatalf("content %q", got.Content)
	}
	if n := count(t, s, `SELECT count(*) FROM message_parts`); n != 0 {
		t.Fatalf("%d parts kept beside a whole text", n)
	}
	ftsIntegrity(t, s)
}

// An answer cut by a crash keeps its parts as its text and is searchable.
func TestRecoveredAnswerIsIndexedWithItsParts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	s := openAt(t, path)
	c := mustChat(t, s, NewChat{ID: "r"})
	m, err := s.StartAssistant(ctx, c.ID, "t", "m", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range []string{"the zebra ", "crossed the ", "xylophone"} {
		if err := s.CheckpointAssistant(ctx, m.ID, i, Checkpoint{Content: p}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path)
	rec, err := s.RecoverInterrupted(ctx)
	if err != nil || len(rec) != 1 || rec[0].Content != "the zebra crossed the xylophone" || rec[0].Status != StatusInterrupted {
		t.Fatalf("recovered %+v %v", rec, err)
	}
	for _, w := range []string{"zebra", "xylophone"} {
		if hits, err := s.Search(ctx, w, 10); err != nil || len(hits) != 1 {
			t.Fatalf("search %q: %+v %v", w, hits, err)
		}
	}
	ftsIntegrity(t, s)
}
