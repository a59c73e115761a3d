package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// A database written by the v3 build (chats as flat lists, queued
// questions listed in settings 'queue:<chat>') opens as trees: each chat one
// path in seq order, its queued questions waiting outside it.
func TestMigrateV3ChatsBecomePaths(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	migs := realMigrations(t)
	old, err := open(ctx, path, Options{}, migs[:3])
	if err != nil {
		t.Fatal(err)
	}
	if old.SchemaVersion() != 3 {
		t.Fatalf("built schema v%d", old.SchemaVersion())
	}
	rawExec(t, old.w,
		`INSERT INTO chats (id, title, created_at, updated_at, last_seq, seq_hwm) VALUES
			('alpha', 'Alpha', 1, 1, 9, 9), ('beta', 'Beta', 2, 2, 4, 20), ('gamma', 'Empty', 3, 3, 0, 0)`,
		// alpha: two answered questions (each answer under its question, as
		// v3 recorded it), then a question nobody answered.
		`INSERT INTO messages (id, chat_id, seq, end_seq, turn_id, role, content, status, parent_id, parts, created_at, updated_at) VALUES
			(10, 'alpha', 1, 1, '',   'user',      'alpha q1', 'done',  NULL, 0, 1, 1),
			(11, 'alpha', 2, 2, 't1', 'assistant', '',         'streaming', 10, 0, 1, 1),
			(12, 'alpha', 5, 5, '',   'user',      'alpha q2', 'done',  NULL, 0, 1, 1),
			(13, 'alpha', 6, 8, 't2', 'assistant', 'alpha a2', 'error', 12,   0, 1, 1),
			(14, 'alpha', 9, 9, '',   'user',      'alpha q3', 'done',  NULL, 0, 1, 1)`,
		// An answer saved in checkpoints, finished as the v3 build did.
		`INSERT INTO message_parts (message_id, part, content) VALUES (11, 0, 'alpha '), (11, 1, 'a1')`,
		`UPDATE messages SET status = 'done', parts = 2, end_seq = 4 WHERE id = 11`,
		`INSERT INTO messages_fts (rowid, content, reasoning) VALUES (11, 'alpha a1', '')`,
		// beta: a turn still streaming, two questions queued behind it.
		`INSERT INTO messages (id, chat_id, seq, end_seq, turn_id, role, content, status, parent_id, created_at, updated_at) VALUES
			(20, 'beta', 1, 1, '',   'user',      'beta q1',     'done',      NULL, 2, 2),
			(21, 'beta', 2, 2, 't1', 'assistant', '',            'streaming', 20,   2, 2),
			(22, 'beta', 3, 3, '',   'user',      'beta queued', 'done',      NULL, 2, 2),
			(23, 'beta', 4, 4, '',   'user',      'beta queued too', 'done',  NULL, 2, 2)`,
		`INSERT INTO settings (key, value) VALUES
			('queue:beta', '[{"user_seq":3,"turn_id":"t2","model":"m1"},{"user_seq":4,"turn_id":"t3"}]'),
			('queue:gamma', 'not json'),
			('queue:alpha', '[]')`,
	)
	ftsIntegrity(t, old)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s := openAt(t, path)
	if s.SchemaVersion() != len(migs) || len(migs) < 4 {
		t.Fatalf("SchemaVersion = %d", s.SchemaVersion())
	}
	type want struct {
		id, parent      int64
		onPath, waiting bool
	}
	rowsOf := func(chat string) []want {
		rows, _ := treeRows(t, s, chat)
		var out []want
		for _, r := range rows {
			out = append(out, want{r.id, r.parent.Int64, r.onPath, r.waiting})
		}
		return out
	}
	if got, w := rowsOf("alpha"), []want{
		{10, 0, true, false}, {11, 10, true, false}, {12, 11, true, false}, {13, 12, true, false}, {14, 13, true, false},
	}; !slices.Equal(got, w) {
		t.Errorf("alpha = %v, want %v", got, w)
	}
	if got, w := rowsOf("beta"), []want{
		{20, 0, true, false}, {21, 20, true, false}, {22, 0, false, true}, {23, 0, false, true},
	}; !slices.Equal(got, w) {
		t.Errorf("beta = %v, want %v", got, w)
	}
	if p := checkTree(t, s, "alpha", "alpha migrated"); !slices.Equal(p, []int64{10, 11, 12, 13, 14}) {
		t.Errorf("alpha path = %v", p)
	}
	if p := checkTree(t, s, "beta", "beta migrated"); !slices.Equal(p, []int64{20, 21}) {
		t.Errorf("beta path = %v", p)
	}
	if p := checkTree(t, s, "gamma", "gamma migrated"); len(p) != 0 {
		t.Errorf("gamma path = %v", p)
	}
	for id, leaf := range map[string]int64{"alpha": 14, "beta": 21, "gamma": 0} {
		c, err := s.GetChat(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.ActiveLeaf != leaf || c.BranchSeq != 0 || c.Archived || c.Preset != "" || c.Params.Temperature != nil {
			t.Errorf("chat %s = %+v, want active leaf %d", id, c, leaf)
		}
	}
	tr, err := s.Transcript(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 5 || tr[1].Content != "alpha a1" || tr[3].Content != "alpha a2" || tr[3].Status != StatusError {
		t.Errorf("alpha transcript = %+v", tr)
	}
	// A client catching up on beta gets the waiting questions too.
	since, err := s.MessagesSince(ctx, "beta", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(msgIDs(since), []int64{20, 21, 22, 23}) {
		t.Errorf("beta since 0 = %v", msgIDs(since))
	}

	// The queue carries on as the engine would after a restart: the
	// interrupted turn ends, the queued questions open in order.
	if _, err := s.RecoverInterrupted(ctx); err != nil {
		t.Fatal(err)
	}
	c, _ := s.GetChat(ctx, "beta")
	seq := c.LastSeq
	q, a, err := s.OpenQueued(ctx, "beta", 22, seq+1, "t2", "m1", seq+2, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkTree(t, s, "beta", "first queued opened")
	wantParent(t, q, &Message{ID: 21})
	if err := s.FinishAssistant(ctx, a.ID, Final{Content: "beta a2", Status: StatusDone, EndSeq: seq + 3}); err != nil {
		t.Fatal(err)
	}
	q2, a2, err := s.OpenQueued(ctx, "beta", 23, seq+4, "t3", "m1", seq+5, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantParent(t, q2, &a)
	wantParent(t, a2, &q2)
	if p := checkTree(t, s, "beta", "second queued opened"); !slices.Equal(p, []int64{20, 21, 22, a.ID, 23, a2.ID}) {
		t.Errorf("beta path = %v", p)
	}
	// And alpha goes on after its unanswered question.
	m, err := s.StartAssistant(ctx, "alpha", "t3", "m1", 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantParent(t, m, &Message{ID: 14})
	checkTree(t, s, "alpha", "alpha answered")
	ftsIntegrity(t, s)
}
