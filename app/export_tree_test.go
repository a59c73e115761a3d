package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/client"
	"github.com/hearth-app/hearth/backend/ingest"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/store"
)

// treeRow is one message of the branchy test chat; parent is an index into
// the rows (-1: a root).
type treeRow struct {
	role, content, status, model, reasoning, errText string
	parent                                           int
}

// A chat with branches: the first question edited (two roots), its answer
// regenerated, a follow-up edited, an answer that failed, one cancelled.
// The active path is 0 → 2 → 3 → 4, not the newest messages.
var branchyRows = []treeRow{
	{role: "user", content: "Name a French city.", status: "done", parent: -1},
	{role: "assistant", content: "Lyon.", status: "done", model: "m-a", reasoning: "a big one?", parent: 0},
	{role: "assistant", content: "Paris.", status: "done", model: "m-b", parent: 0},
	{role: "user", content: "And its river?", status: "done", parent: 2},
	{role: "assistant", content: "The Seine.", status: "done", model: "m-b", parent: 3},
	{role: "user", content: "And its population?", status: "done", parent: 2},
	{role: "assistant", status: "error", model: "m-b", errText: "model server gone", parent: 5},
	{role: "user", content: "Name a German city.", status: "done", parent: -1},
	{role: "assistant", content: "Berl", status: "cancelled", model: "m-a", parent: 7},
}

const branchyLeaf = 4

var branchyPath = map[int]bool{0: true, 2: true, 3: true, 4: true}

// seedBranchyChat writes the chat straight into the database Hearth will
// open: the engine that makes branches is not what is under test here.
func seedBranchyChat(t *testing.T, dbPath, mediaDir string, limits media.Limits, pic []byte) (chatID string, created, updated time.Time) {
	t.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.CreateChat(ctx, store.NewChat{Title: "Cities", Model: "m-b", System: "Be brief."})
	if err != nil {
		t.Fatal(err)
	}
	files, err := media.NewFiles(mediaDir)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := (&ingest.Ingester{Store: st, Files: files, Limits: limits}).Blobs(ctx, []ingest.Blob{{Where: "seed", Name: "map.png", Data: pic}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	created = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	updated = created.Add(26 * time.Hour)
	exec := func(q string, args ...any) sql.Result {
		t.Helper()
		r, err := db.Exec(q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return r
	}
	ids := make([]int64, len(branchyRows))
	seq := int64(0)
	for i, r := range branchyRows {
		var parent any
		if r.parent >= 0 {
			parent = ids[r.parent]
		}
		at := created.Add(time.Duration(i) * time.Minute).UnixMilli()
		s, rEnd, sEnd, end := seq+1, int64(0), int64(0), seq+1
		var rStart, rStop, usage any
		var latency int64
		if r.role == "assistant" {
			n := s + 1
			if r.reasoning != "" {
				rEnd, n = n, n+1
				rStart, rStop = at+100, at+2600
			}
			sEnd, end = n, n+1
			usage, latency = `{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}`, 480
		}
		seq = end + 7 // gaps, as left by refused or cancelled commands
		res := exec(`INSERT INTO messages (chat_id, seq, end_seq, reasoning_end_seq, stream_end_seq, turn_id, role,
			content, reasoning, reasoning_started_at, reasoning_ended_at, model, status, error, usage, parent_id,
			latency_ms, created_at, updated_at, on_path, waiting)
			VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
			c.ID, s, end, rEnd, sEnd, r.role, r.content, r.reasoning, rStart, rStop, r.model, r.status, r.errText,
			usage, parent, latency, at, at, boolInt(branchyPath[i]))
		if ids[i], err = res.LastInsertId(); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO message_media (message_id, media_id, position) VALUES (?, ?, 0)`, ids[0], refs[0].ID)
	exec(`UPDATE chats SET active_leaf = ?, last_seq = ?, seq_hwm = ?, archived = 1, pinned = 1,
		params = '{"temperature":0.3,"context_length":8192,"reasoning_effort":"low"}', preset = 'Terse',
		created_at = ?, updated_at = ? WHERE id = ?`,
		ids[branchyLeaf], seq, seq, created.UnixMilli(), updated.UnixMilli(), c.ID)
	return c.ID, created, updated
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// export reads a chat through the HTTP API on the unix socket.
func (h *testHearth) export(t *testing.T, chatID, format string) []byte {
	t.Helper()
	resp, err := client.UnixHTTP(h.Socket).Get("http://hearth/api/chats/" + chatID + "/export?format=" + format)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export %s: %d %s", chatID, resp.StatusCode, b)
	}
	return b
}

// importDoc posts an export; it returns the status and the reply.
func (h *testHearth) importDoc(t *testing.T, doc []byte) (int, map[string]any) {
	t.Helper()
	resp, err := client.UnixHTTP(h.Socket).Post("http://hearth/api/import", "application/json", bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("import reply %q: %v", b, err)
	}
	return resp.StatusCode, v
}

// storedMessage is a message row as the test reads it from the database.
type storedMessage struct {
	id, seq int64
	parent  *int64
	onPath  bool
	waiting bool
}

func readTree(t *testing.T, db *sql.DB, chatID string) (rows []storedMessage, leaf sql.NullInt64, created, updated int64) {
	t.Helper()
	if err := db.QueryRow(`SELECT active_leaf, created_at, updated_at FROM chats WHERE id = ?`, chatID).
		Scan(&leaf, &created, &updated); err != nil {
		t.Fatal(err)
	}
	q, err := db.Query(`SELECT id, seq, parent_id, on_path, waiting FROM messages WHERE chat_id = ? ORDER BY seq`, chatID)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for q.Next() {
		var m storedMessage
		var p sql.NullInt64
		if err := q.Scan(&m.id, &m.seq, &p, &m.onPath, &m.waiting); err != nil {
			t.Fatal(err)
		}
		if p.Valid {
			m.parent = &p.Int64
		}
		rows = append(rows, m)
	}
	return rows, leaf, created, updated
}

// normalized is an export with what an import is allowed to change removed:
// the ids, the seq counter and the time of the export itself.
func normalized(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	delete(v, "exported_at")
	chat := v["chat"].(map[string]any)
	delete(chat, "id")
	delete(chat, "last_seq")
	for _, m := range v["messages"].([]any) {
		delete(m.(map[string]any), "id")
	}
	return v
}

func countMediaFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// A chat with branches goes out and comes back exactly: export → import →
// export reads the same but for ids and seqs, and the store holds the same
// tree (parents, active leaf, active path, dates, settings).
func TestExportImportKeepsTheTree(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	cfg := testConfig(t, fake)
	pic := pngBytes(t)
	src, created, updated := seedBranchyChat(t, cfg.DBPath(), cfg.MediaDir(), media.Limits(cfg.Media), pic)
	h := startWith(t, cfg, fake)

	first := h.export(t, src, "json")
	var doc struct {
		Format string
		Chat   struct {
			ActiveLeaf *int `json:"active_leaf"`
			Archived   bool
			Preset     string
			UpdatedAt  time.Time `json:"updated_at"`
		}
		Messages []struct {
			Parent  *int
			Content string
		}
	}
	if err := json.Unmarshal(first, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Format != "hearth.chat.v2" || doc.Chat.ActiveLeaf == nil || *doc.Chat.ActiveLeaf != branchyLeaf ||
		!doc.Chat.Archived || doc.Chat.Preset != "Terse" || !doc.Chat.UpdatedAt.Equal(updated) || len(doc.Messages) != len(branchyRows) {
		t.Fatalf("export of the branchy chat: %s", first)
	}
	for i, m := range doc.Messages {
		want := branchyRows[i].parent
		if (m.Parent == nil) != (want < 0) || (m.Parent != nil && *m.Parent != want) {
			t.Fatalf("message %d exported with parent %v, want %d", i, m.Parent, want)
		}
	}

	code, reply := h.importDoc(t, first)
	if code != http.StatusCreated {
		t.Fatalf("import: %d %v", code, reply)
	}
	imported := reply["chat"].(map[string]any)["id"].(string)
	if imported == src {
		t.Fatal("import reused the id of a chat that exists")
	}
	second := h.export(t, imported, "json")
	a, b := normalized(t, first), normalized(t, second)
	if !reflect.DeepEqual(a, b) {
		ja, _ := json.MarshalIndent(a, "", " ")
		jb, _ := json.MarshalIndent(b, "", " ")
		t.Fatalf("export → import → export differs:\n%s\n---\n%s", ja, jb)
	}

	db, err := sql.Open("sqlite", "file:"+cfg.DBPath()+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, leaf, gotCreated, gotUpdated := readTree(t, db, imported)
	if gotCreated != created.UnixMilli() || gotUpdated != updated.UnixMilli() {
		t.Errorf("imported chat created %d updated %d, want %d %d", gotCreated, gotUpdated, created.UnixMilli(), updated.UnixMilli())
	}
	if len(rows) != len(branchyRows) {
		t.Fatalf("%d messages imported, want %d", len(rows), len(branchyRows))
	}
	at := map[int64]int{}
	for i, m := range rows {
		at[m.id] = i
		want := branchyRows[i].parent
		switch {
		case want < 0 && m.parent != nil, want >= 0 && (m.parent == nil || *m.parent != rows[want].id):
			t.Errorf("message %d: parent_id %v, want the message at %d", i, m.parent, want)
		case want >= 0 && rows[want].seq >= m.seq:
			t.Errorf("message %d: seq %d not above its parent's %d", i, m.seq, rows[want].seq)
		case i > 0 && m.seq <= rows[i-1].seq:
			t.Errorf("message %d: seqs do not increase", i)
		case m.onPath != branchyPath[i] || m.waiting:
			t.Errorf("message %d: on_path %v waiting %v", i, m.onPath, m.waiting)
		}
	}
	if !leaf.Valid || at[leaf.Int64] != branchyLeaf {
		t.Errorf("active_leaf %v, want message %d (id %d)", leaf, branchyLeaf, rows[branchyLeaf].id)
	}

	// Markdown is the conversation the chat shows.
	md := string(h.export(t, imported, "md"))
	for i, r := range branchyRows {
		if r.content == "" {
			continue
		}
		if got := strings.Contains(md, r.content); got != branchyPath[i] {
			t.Errorf("markdown has %q: %v, want %v", r.content, got, branchyPath[i])
		}
	}
	if !strings.Contains(md, "other branches") || !strings.Contains(md, "map.png") {
		t.Errorf("markdown export:\n%s", md)
	}
}

// A file exported before chats had branches imports as one path, the last
// message the active leaf (the parent_id such files carried is not trusted:
// it named only an answer's question, by an id of the other store).
func TestImportOfAnExportWithoutTreeIsOnePath(t *testing.T) {
	h := startHearth(t)
	old := `{"format":"hearth.chat.v1","exported_at":"2025-12-01T10:00:00Z",
		"chat":{"id":"","title":"Old","model":"m","system":"","pinned":false,"created_at":"2025-11-30T08:00:00Z","updated_at":"2025-11-30T09:30:00Z","last_seq":9,"message_count":4},
		"messages":[
		 {"id":17,"role":"user","content":"one","status":"done","created_at":"2025-11-30T08:00:00Z"},
		 {"id":18,"parent_id":17,"role":"assistant","content":"two","status":"done","created_at":"2025-11-30T08:01:00Z"},
		 {"id":19,"role":"user","content":"three","status":"done","created_at":"2025-11-30T09:00:00Z"},
		 {"id":20,"parent_id":19,"role":"assistant","content":"four","status":"streaming","created_at":"2025-11-30T09:01:00Z"}]}`
	code, reply := h.importDoc(t, []byte(old))
	if code != http.StatusCreated {
		t.Fatalf("import of a v1 file: %d %v", code, reply)
	}
	id := reply["chat"].(map[string]any)["id"].(string)
	db, err := sql.Open("sqlite", "file:"+h.cfg.DBPath()+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, leaf, _, updated := readTree(t, db, id)
	if len(rows) != 4 || !leaf.Valid || leaf.Int64 != rows[3].id {
		t.Fatalf("rows %+v leaf %v", rows, leaf)
	}
	for i, m := range rows {
		if (i == 0) != (m.parent == nil) || (i > 0 && *m.parent != rows[i-1].id) || !m.onPath || m.waiting {
			t.Errorf("message %d of a v1 import: %+v", i, m)
		}
	}
	if want := time.Date(2025, 11, 30, 9, 30, 0, 0, time.UTC).UnixMilli(); updated != want {
		t.Errorf("updated_at %d, want the exported %d", updated, want)
	}
	// Exported again, it is a v2 file with the path spelled out.
	var doc struct {
		Chat struct {
			ActiveLeaf *int `json:"active_leaf"`
		}
		Messages []struct{ Parent *int }
	}
	_ = json.Unmarshal(h.export(t, id, "json"), &doc)
	if doc.Chat.ActiveLeaf == nil || *doc.Chat.ActiveLeaf != 3 || doc.Messages[0].Parent != nil {
		t.Fatalf("re-export %+v", doc)
	}
	for i := 1; i < 4; i++ {
		if p := doc.Messages[i].Parent; p == nil || *p != i-1 {
			t.Errorf("message %d re-exported with parent %v", i, p)
		}
	}
}

// A file whose tree does not hold together is refused before anything is
// written: no chat, no attachment file, no media row.
func TestRefusedTreeImportLeavesNothing(t *testing.T) {
	h := startHearth(t)
	pic := b64(pngBytes(t))
	msg := func(parent string, withPic bool) string {
		m := `{"id":1,"parent":` + parent + `,"role":"user","content":"x","status":"done","created_at":"2026-01-01T00:00:00Z"`
		if withPic {
			m += `,"media":[{"mime":"image/png","name":"p.png","data":"` + pic + `"}]`
		}
		return m + `}`
	}
	doc := func(chat string, msgs ...string) []byte {
		return []byte(`{"format":"hearth.chat.v2","exported_at":"2026-01-01T00:00:00Z","chat":{"title":"T","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"` +
			chat + `},"messages":[` + strings.Join(msgs, ",") + `]}`)
	}
	db, err := sql.Open("sqlite", "file:"+h.cfg.DBPath()+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	chats, mediaRows, files := count(`SELECT count(*) FROM chats`), count(`SELECT count(*) FROM media`), countMediaFiles(t, h.cfg.MediaDir())
	for name, c := range map[string]struct {
		doc    []byte
		reason string
	}{
		"parent after the message": {doc(`,"active_leaf":1`, msg(`null`, true), msg(`2`, false), msg(`0`, false)), "invalid_field"},
		"parent is itself":         {doc(`,"active_leaf":1`, msg(`null`, true), msg(`1`, false)), "invalid_field"},
		"parent out of range":      {doc(`,"active_leaf":0`, msg(`-3`, true)), "invalid_field"},
		"leaf out of range":        {doc(`,"active_leaf":2`, msg(`null`, true), msg(`0`, false)), "invalid_field"},
		"leaf missing":             {doc(``, msg(`null`, true)), "missing_field"},
		"bad params":               {doc(`,"active_leaf":0,"params":{"temperature":7}`, msg(`null`, true)), "invalid_field"},
		"bad status":               {doc(`,"active_leaf":0`, strings.Replace(msg(`null`, true), `"done"`, `"finished"`, 1)), "invalid_field"},
	} {
		code, reply := h.importDoc(t, c.doc)
		e, _ := reply["error"].(map[string]any)
		if code != http.StatusBadRequest || e["reason"] != c.reason {
			t.Errorf("%s: %d %v, want 400 %s", name, code, reply, c.reason)
		}
	}
	if n := count(`SELECT count(*) FROM chats`); n != chats {
		t.Errorf("refused imports left %d chats", n-chats)
	}
	if n := count(`SELECT count(*) FROM media`); n != mediaRows {
		t.Errorf("refused imports left %d media rows", n-mediaRows)
	}
	if n := countMediaFiles(t, h.cfg.MediaDir()); n != files {
		t.Errorf("refused imports left %d media files", n-files)
	}
}

// A temporary chat is never written to disk, but it can be downloaded: the
// export reads it from memory, and the file imports as a chat that is kept.
func TestTemporaryChatExportsAndImportsAsAKeptChat(t *testing.T) {
	h := startHearth(t)
	c := h.dial(t)
	ev := c.request(map[string]any{"type": "new_chat", "temporary": true})
	if ev["event"] != "attached" {
		t.Fatalf("new_chat temporary: %v", ev)
	}
	tmp := str(ev, "chat_id")
	c.request(map[string]any{"type": "message", "chat_id": tmp, "content": "keep this one"})
	c.collectTurn()

	js := h.export(t, tmp, "json")
	var doc struct {
		Chat struct {
			Temporary  bool `json:"temporary"`
			ActiveLeaf *int `json:"active_leaf"`
		}
		Messages []struct {
			Parent  *int
			Content string
		}
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	if !doc.Chat.Temporary || len(doc.Messages) != 2 || doc.Messages[0].Content != "keep this one" ||
		doc.Chat.ActiveLeaf == nil || *doc.Chat.ActiveLeaf != 1 || doc.Messages[1].Parent == nil || *doc.Messages[1].Parent != 0 {
		t.Fatalf("export of a temporary chat: %s", js)
	}
	code, reply := h.importDoc(t, js)
	if code != http.StatusCreated {
		t.Fatalf("import: %d %v", code, reply)
	}
	chat := reply["chat"].(map[string]any)
	if id := chat["id"].(string); id == tmp || strings.HasPrefix(id, "tmp") || chat["temporary"] == true {
		t.Fatalf("the import of a temporary chat's export is temporary: %v", chat)
	}
}
