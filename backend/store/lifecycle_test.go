package store

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// A deleted chat's id can come back (a connection's default chat, an import
// keeping its id); a client that saw the old chat's seqs must never see one of
// them again.
func TestRecreatedChatIDContinuesAboveItsOldSeqs(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c := mustChat(t, s, NewChat{ID: "default-1"})
	mustUser(t, s, c.ID, 1, "one")
	mustUser(t, s, c.ID, 2, "two")
	// Deltas reserve seqs ahead of what is committed; those may have been seen.
	if err := s.ReserveSeq(ctx, c.ID, 1030); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteChat(ctx, c.ID); err != nil {
		t.Fatal(err)
	}

	again := mustChat(t, s, NewChat{ID: c.ID})
	if again.LastSeq < 1030 || again.SeqHWM < 1030 {
		t.Fatalf("re-created chat starts at last_seq %d, hwm %d; want both >= 1030", again.LastSeq, again.SeqHWM)
	}
	if _, err := s.AppendUserMessage(ctx, c.ID, 1, "reused seq", nil, "m"); err == nil {
		t.Fatal("seq 1 was accepted again in a re-created chat")
	} else {
		wantErr(t, err, ErrSeq)
	}
	mustUser(t, s, c.ID, 1031, "three")

	// A second deletion keeps the highest mark, and the marks do not pile up.
	if err := s.DeleteChat(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := mustChat(t, s, NewChat{ID: c.ID}); got.LastSeq < 1031 {
		t.Fatalf("after a second delete: last_seq %d, want >= 1031", got.LastSeq)
	}
	if n := count(t, s, `SELECT count(*) FROM chat_tombstones`); n != 0 {
		t.Fatalf("%d tombstones left for a chat that exists again", n)
	}
}

func TestImportKeepingADeletedIDContinuesAboveItsOldSeqs(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c := mustChat(t, s, NewChat{ID: "kept"})
	mustUser(t, s, c.ID, 1, "one")
	if err := s.ReserveSeq(ctx, c.ID, 500); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteChat(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	out, err := s.ImportChat(ctx, Chat{ID: "kept", Title: "back"}, []Message{
		{Role: RoleUser, Content: "q"},
		{Role: RoleAssistant, Content: "a", Status: StatusDone},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.ID != "kept" {
		t.Fatalf("import took id %q, want the freed id", out.ID)
	}
	msgs, err := s.Transcript(ctx, out.ID)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("transcript %v %v", msgs, err)
	}
	if msgs[0].Seq <= 500 {
		t.Fatalf("imported messages start at seq %d, reusing seqs of the deleted chat", msgs[0].Seq)
	}
	if out.LastSeq != msgs[1].EndSeq || out.SeqHWM < out.LastSeq {
		t.Fatalf("chat last_seq %d hwm %d, last message ends at %d", out.LastSeq, out.SeqHWM, msgs[1].EndSeq)
	}
}

func TestDeleteChatFreesMediaNoOtherMessageUses(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	only := mustMedia(t, s, "only in the deleted chat", "image/png")
	shared := mustMedia(t, s, "shared by two chats", "image/png")
	pending := mustMedia(t, s, "uploaded, not sent yet", "image/png")

	gone := mustChat(t, s, NewChat{})
	mustUser(t, s, gone.ID, 1, "pictures", only.ID, shared.ID)
	mustUser(t, s, gone.ID, 2, "the same again", only.ID)
	keep := mustChat(t, s, NewChat{})
	mustUser(t, s, keep.ID, 1, "a shared picture", shared.ID)

	freed, err := s.DeleteChatMedia(ctx, gone.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(freedIDs(freed), []string{only.ID}) {
		t.Fatalf("freed %v, want only %s", freed, only.ID)
	}
	if _, err := s.GetMedia(ctx, only.ID); err == nil {
		t.Fatal("media of the deleted chat is still recorded")
	}
	for _, m := range []MediaRef{shared, pending} {
		if _, err := s.GetMedia(ctx, m.ID); err != nil {
			t.Fatalf("media %s (%s) was dropped: %v", m.ID, m.Name, err)
		}
	}
	// The shared one goes with its last chat.
	freed, err = s.DeleteChatMedia(ctx, keep.ID)
	if err != nil || !slices.Equal(freedIDs(freed), []string{shared.ID}) {
		t.Fatalf("deleting the last chat using it freed %v, %v", freed, err)
	}
}

// The same bytes uploaded again for a message not sent yet share the row of
// a deleted chat's attachment: deleting that chat must not pull it from under
// the pending message.
func TestDeleteChatKeepsMediaUploadedAgainForAnUnsentMessage(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	img := mustMedia(t, s, "a photo", "image/png")
	c := mustChat(t, s, NewChat{})
	mustUser(t, s, c.ID, 1, "look", img.ID)
	mustMedia(t, s, "a photo", "image/png") // the composer of another chat

	freed, err := s.DeleteChatMedia(ctx, c.ID)
	if err != nil || len(freed) != 0 {
		t.Fatalf("freed %v, %v; want nothing", freed, err)
	}
	other := mustChat(t, s, NewChat{})
	mustUser(t, s, other.ID, 1, "sent at last", img.ID)
	if freed, err := s.DeleteChatMedia(ctx, other.ID); err != nil || !slices.Equal(freedIDs(freed), []string{img.ID}) {
		t.Fatalf("freed %v, %v; want %s", freed, err, img.ID)
	}
}

func TestSweepMediaDropsOnlyOldUnusedUploads(t *testing.T) {
	ctx := context.Background()
	s, clk := openTest(t)
	old := mustMedia(t, s, "uploaded two days ago, never sent", "image/png")
	used := mustMedia(t, s, "uploaded two days ago, sent", "image/png")
	c := mustChat(t, s, NewChat{})
	mustUser(t, s, c.ID, 1, "x", used.ID)
	refreshed := mustMedia(t, s, "uploaded long ago and again today", "image/png")
	clk.advance(48 * time.Hour)
	mustMedia(t, s, "uploaded long ago and again today", "image/png")
	recent := mustMedia(t, s, "uploaded an hour ago", "image/png")
	clk.advance(time.Hour)

	swept, err := s.SweepMedia(ctx, clk.now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(freedIDs(swept), []string{old.ID}) {
		t.Fatalf("swept %v, want only %s", swept, old.ID)
	}
	if want := clk.now().Add(-49 * time.Hour); !swept[0].StoredAt.Equal(want) {
		t.Errorf("swept row was stored at %v, want %v", swept[0].StoredAt, want)
	}
	for _, m := range []MediaRef{used, refreshed, recent} {
		if _, err := s.GetMedia(ctx, m.ID); err != nil {
			t.Errorf("%q was swept: %v", m.Name, err)
		}
	}
	ids, err := s.MediaIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	want := []string{used.ID, refreshed.ID, recent.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("MediaIDs = %v, want %v", ids, want)
	}
}

// A v1 database's unused media may be uploads about to be sent: the upgrade
// marks them pending and dates them from their upload, so the sweep gives
// them the same grace as new ones.
func TestUpgradeToV2KeepsUnsentUploadsPending(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	migs := realMigrations(t)
	s, err := open(ctx, path, Options{}, migs[:1])
	if err != nil {
		t.Fatal(err)
	}
	used, unsent := strings.Repeat("a", 64), strings.Repeat("b", 64)
	for _, q := range []string{
		`INSERT INTO chats (id, created_at, updated_at, last_seq, seq_hwm) VALUES ('c', 1, 1, 1, 1)`,
		`INSERT INTO media (id, mime, size, created_at) VALUES ('` + used + `', 'image/png', 1, 1000), ('` + unsent + `', 'image/png', 1, 2000)`,
		`INSERT INTO messages (chat_id, seq, role, status, end_seq, created_at, updated_at) VALUES ('c', 1, 'user', 'done', 1, 1, 1)`,
		`INSERT INTO message_media (message_id, media_id, position) VALUES (1, '` + used + `', 0)`,
	} {
		if _, err := s.w.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = open(ctx, path, Options{}, migs)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for id, want := range map[string][2]int64{used: {1000, 0}, unsent: {2000, 1}} {
		var storedAt, pending int64
		if err := s.w.QueryRow(`SELECT stored_at, pending FROM media WHERE id = ?`, id).Scan(&storedAt, &pending); err != nil {
			t.Fatal(err)
		}
		if storedAt != want[0] || pending != want[1] {
			t.Errorf("media %s…: stored_at %d pending %d, want %v", id[:4], storedAt, pending, want)
		}
	}
}

func freedIDs(fs []FreedMedia) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}
