package store

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/ids"
)

func TestSettings(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	if v, ok, err := s.GetSetting(ctx, "theme"); err != nil || ok || v != "" {
		t.Fatalf("unset: %q %v %v", v, ok, err)
	}
	for _, v := range []string{"dark", "", "light"} {
		if err := s.SetSetting(ctx, "theme", v); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.GetSetting(ctx, "theme"); err != nil || !ok || got != v {
			t.Fatalf("after set %q: %q %v %v", v, got, ok, err)
		}
	}
}

func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	img := mustMedia(t, s, "pic", "image/png")
	c := mustChat(t, s, NewChat{Title: "kept"})
	mustUser(t, s, c.ID, 1, "aardvark before the backup", img.ID)
	if err := s.SetSetting(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}

	// A writer keeps committing while the copy is taken.
	busy := mustChat(t, s, NewChat{ID: "busy"})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for seq := int64(1); ; seq++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.AppendUserMessage(ctx, busy.ID, seq, "tick", nil, ""); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	dest := filepath.Join(t.TempDir(), "copy.db")
	err := s.Backup(ctx, dest)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dest); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v %v", st, err)
	}
	wantErr(t, s.Backup(ctx, dest), fs.ErrExist)
	wantErr(t, s.Backup(ctx, s.Path()), ErrInvalid)

	b := openAt(t, dest)
	var ok string
	if err := b.w.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
	ftsIntegrity(t, b)
	got, err := b.Transcript(ctx, c.ID)
	if err != nil || len(got) != 1 || got[0].Content != "aardvark before the backup" || len(got[0].Media) != 1 {
		t.Fatalf("backup transcript %+v %v", got, err)
	}
	if v, _, _ := b.GetSetting(ctx, "k"); v != "v" {
		t.Errorf("setting %q", v)
	}
	if hits, err := b.Search(ctx, "aardvark", 5); err != nil || len(hits) != 1 {
		t.Errorf("search in backup: %v %v", hits, err)
	}
	// The copy is one snapshot: the busy chat's counters agree with its rows.
	bc, err := b.GetChat(ctx, busy.ID)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := b.Transcript(ctx, busy.ID)
	if bc.MessageCount != len(rows) || (len(rows) > 0 && rows[len(rows)-1].Seq != bc.LastSeq) {
		t.Errorf("busy chat in backup: count %d rows %d last_seq %d", bc.MessageCount, len(rows), bc.LastSeq)
	}
	t.Logf("backup caught %d of the concurrent writes", len(rows))
}

func TestImportChat(t *testing.T) {
	ctx := context.Background()
	s, clk := openTest(t)
	img := mustMedia(t, s, "pic", "image/png")
	src := mustChat(t, s, NewChat{Title: "orig", Model: "m", System: "sys"})
	if _, err := s.UpdateChat(ctx, src.ID, ChatPatch{Pinned: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	u := mustUser(t, s, src.ID, 4, "question", img.ID)
	a, _ := s.StartAssistant(ctx, src.ID, "t1", "m", 5, &u.ID)
	rs := clk.now()
	if err := s.FinishAssistant(ctx, a.ID, Final{Content: "answer", Reasoning: "thought", ReasoningStartedAt: &rs,
		ReasoningEndedAt: &rs, Status: StatusDone, Usage: &Usage{TotalTokens: 9}, LatencyMS: 5,
		ReasoningEndSeq: 7, StreamEndSeq: 30, EndSeq: 31}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartAssistant(ctx, src.ID, "t2", "m", 40, nil); err != nil {
		t.Fatal(err)
	}
	chat, _ := s.GetChat(ctx, src.ID)
	msgs, _ := s.Transcript(ctx, src.ID)
	clk.advance(time.Hour)

	imp, err := s.ImportChat(ctx, chat, msgs)
	if err != nil {
		t.Fatal(err)
	}
	if imp.ID == src.ID || !ids.ValidChat(imp.ID) {
		t.Errorf("import reused or invalid id %q", imp.ID)
	}
	if imp.Title != "orig" || imp.Model != "m" || imp.System != "sys" || !imp.Pinned || imp.LastSeq != 8 ||
		imp.SeqHWM != 8 || imp.MessageCount != 3 || !imp.CreatedAt.Equal(chat.CreatedAt) || !imp.UpdatedAt.Equal(chat.UpdatedAt) {
		t.Errorf("imported chat %+v", imp)
	}
	got, err := s.Transcript(ctx, imp.ID)
	if err != nil || len(got) != 3 {
		t.Fatalf("imported transcript %v %v", got, err)
	}
	// Numbered as if streamed: user 1; answer 2, reasoning_end 3, stream_end 4,
	// turn_end 5; the interrupted answer 6, stream_end 7, turn_end 8.
	wantSeqs := [][4]int64{{1, 0, 0, 1}, {2, 3, 4, 5}, {6, 0, 7, 8}}
	for i, m := range got {
		if (m.Seq != wantSeqs[i][0] || m.ReasoningEndSeq != wantSeqs[i][1] || m.StreamEndSeq != wantSeqs[i][2] || m.EndSeq != wantSeqs[i][3]) ||
			m.Content != msgs[i].Content || m.Role != msgs[i].Role {
			t.Errorf("message %d: %+v", i, m)
		}
	}
	if len(got[0].Media) != 1 || got[0].Media[0] != img {
		t.Errorf("media %v", got[0].Media)
	}
	if got[1].ParentID == nil || *got[1].ParentID != got[0].ID || got[1].Reasoning != "thought" ||
		got[1].Usage.TotalTokens != 9 || !got[1].ReasoningStartedAt.Equal(rs) || got[1].Status != StatusDone {
		t.Errorf("assistant %+v", got[1])
	}
	if got[2].Status != StatusInterrupted {
		t.Errorf("streaming row imported as %q", got[2].Status)
	}
	if hits, _ := s.Search(ctx, "answer", 10); len(hits) != 2 {
		t.Errorf("search finds %d copies of the answer", len(hits))
	}

	fresh := chat
	fresh.ID = "imported-1"
	if c, err := s.ImportChat(ctx, fresh, nil); err != nil || c.ID != "imported-1" || c.LastSeq != 0 {
		t.Errorf("import with free id: %+v %v", c, err)
	}

	before := count(t, s, `SELECT count(*) FROM chats`)
	bad := []Message{{Role: "robot", Content: "x"}}
	_, err = s.ImportChat(ctx, chat, bad)
	wantErr(t, err, ErrInvalid)
	missing := []Message{{Role: RoleUser, Content: "x"}, {Role: RoleUser, Media: []MediaRef{{ID: "f00"}}}}
	_, err = s.ImportChat(ctx, chat, missing)
	wantErr(t, err, ErrMissingMedia)
	if after := count(t, s, `SELECT count(*) FROM chats`); after != before {
		t.Errorf("failed imports left chats behind: %d -> %d", before, after)
	}
	ftsIntegrity(t, s)
}

func TestSettingsPrefixAndDelete(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	for k, v := range map[string]string{"queue:a": "1", "queue:b": "2", "queuex": "3", "media_secret": "s"} {
		if err := s.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.SettingsWithPrefix(ctx, "queue:")
	if err != nil || len(got) != 2 || got["queue:a"] != "1" || got["queue:b"] != "2" {
		t.Fatalf("prefix: %v %v", got, err)
	}
	if err := s.DeleteSetting(ctx, "queue:a"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSetting(ctx, "never-set"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.GetSetting(ctx, "queue:a"); ok {
		t.Fatal("deleted setting still there")
	}
	if got, _ := s.SettingsWithPrefix(ctx, "queue:"); len(got) != 1 {
		t.Fatalf("after delete: %v", got)
	}
}
