package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/protocol"
)

// treeRow is a message as the tree sees it, read straight from the table.
type treeRow struct {
	id, seq         int64
	parent          sql.NullInt64
	onPath, waiting bool
	role            string
}

func treeRows(t testing.TB, s *Store, chatID string) ([]treeRow, map[int64]treeRow) {
	t.Helper()
	rows, err := s.w.Query(`SELECT id, seq, parent_id, on_path, waiting, role FROM messages
		WHERE chat_id = ? ORDER BY seq`, chatID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var all []treeRow
	byID := map[int64]treeRow{}
	for rows.Next() {
		var r treeRow
		if err := rows.Scan(&r.id, &r.seq, &r.parent, &r.onPath, &r.waiting, &r.role); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
		byID[r.id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return all, byID
}

// kids are the children of parent (0: the chat's roots) that take part in
// the tree (not waiting), in seq order: what Siblings must say.
func kids(all []treeRow, parent int64) []int64 {
	var out []int64
	for _, r := range all {
		if !r.waiting && r.parent.Int64 == parent && r.parent.Valid == (parent != 0) {
			out = append(out, r.id)
		}
	}
	return out
}

func msgIDs(ms []Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// checkTree recomputes the active path from chats.active_leaf by parent
// links and checks it against everything the store keeps and returns: the
// on_path flag of every row, ActivePath, History, Chat.ActiveLeaf, and the
// Siblings of every message read. It also checks the invariants the store
// relies on (a child's seq above its parent's, waiting questions outside
// the tree). It returns the path, root first.
func checkTree(t testing.TB, s *Store, chatID, when string) []int64 {
	t.Helper()
	ctx := context.Background()
	all, byID := treeRows(t, s, chatID)
	var leaf sql.NullInt64
	if err := s.w.QueryRow(`SELECT active_leaf FROM chats WHERE id = ?`, chatID).Scan(&leaf); err != nil {
		t.Fatalf("%s: active_leaf: %v", when, err)
	}
	var walk []int64
	seen := map[int64]bool{}
	for id := leaf; id.Valid; {
		r, ok := byID[id.Int64]
		if !ok {
			t.Fatalf("%s: path reaches message %d, which is not in chat %s", when, id.Int64, chatID)
		}
		if seen[r.id] {
			t.Fatalf("%s: parent links loop at %d", when, r.id)
		}
		seen[r.id] = true
		if r.waiting {
			t.Errorf("%s: waiting question %d is on the walk from the active leaf", when, r.id)
		}
		walk = append(walk, r.id)
		id = r.parent
	}
	slices.Reverse(walk)
	for _, r := range all {
		if r.onPath != seen[r.id] {
			t.Errorf("%s: message %d (seq %d) on_path = %v, but it is %son the walk from active leaf %d",
				when, r.id, r.seq, r.onPath, map[bool]string{true: "", false: "not "}[seen[r.id]], leaf.Int64)
		}
		if r.waiting && (r.parent.Valid || r.onPath) {
			t.Errorf("%s: waiting question %d has parent %v, on_path %v", when, r.id, r.parent, r.onPath)
		}
		if r.parent.Valid {
			p, ok := byID[r.parent.Int64]
			switch {
			case !ok:
				t.Errorf("%s: message %d has parent %d outside chat %s", when, r.id, r.parent.Int64, chatID)
			case p.seq >= r.seq:
				t.Errorf("%s: message %d (seq %d) is under %d with a seq not below it (%d)", when, r.id, r.seq, p.id, p.seq)
			case p.waiting:
				t.Errorf("%s: message %d is under waiting question %d", when, r.id, p.id)
			}
		}
	}
	ap, err := s.ActivePath(ctx, chatID)
	if err != nil {
		t.Fatalf("%s: ActivePath: %v", when, err)
	}
	if !slices.Equal(msgIDs(ap), walk) {
		t.Errorf("%s: ActivePath = %v, walk from the leaf = %v", when, msgIDs(ap), walk)
	}
	hist, more, err := s.History(ctx, chatID, 0, 500)
	if err != nil {
		t.Fatalf("%s: History: %v", when, err)
	}
	if !slices.Equal(msgIDs(hist), walk) || more {
		t.Errorf("%s: History = %v more %v, walk from the leaf = %v", when, msgIDs(hist), more, walk)
	}
	for _, m := range hist {
		checkSiblings(t, all, m, when)
	}
	// The windows (a search result opening its chat, paging down) read the
	// same path, from anywhere in it.
	for i, id := range walk {
		seq := byID[id].seq
		around, older, newer, err := s.HistoryAround(ctx, chatID, seq, 0, 2)
		if err != nil {
			t.Fatalf("%s: HistoryAround: %v", when, err)
		}
		lo, hi := max(0, min(i-1, len(walk)-2)), min(len(walk), max(i-1, 0)+2)
		if !slices.Equal(msgIDs(around), walk[lo:hi]) || older != (lo > 0) || newer != (hi < len(walk)) {
			t.Errorf("%s: HistoryAround(seq %d) = %v older %v newer %v, want %v of %v", when, seq,
				msgIDs(around), older, newer, walk[lo:hi], walk)
		}
		after, older, newer, err := s.HistoryAfter(ctx, chatID, seq, 0, 2)
		if err != nil {
			t.Fatalf("%s: HistoryAfter: %v", when, err)
		}
		want := walk[i+1 : min(len(walk), i+3)]
		if !slices.Equal(msgIDs(after), want) || !older || newer != (i+3 < len(walk)) {
			t.Errorf("%s: HistoryAfter(seq %d) = %v older %v newer %v, want %v of %v", when, seq,
				msgIDs(after), older, newer, want, walk)
		}
	}
	// Catching up: the path and the waiting questions, in seq order, and
	// the same a page at a time.
	var catchUp []int64
	for _, r := range all {
		if r.onPath || r.waiting {
			catchUp = append(catchUp, r.id)
		}
	}
	since, err := s.MessagesSince(ctx, chatID, 0)
	if err != nil {
		t.Fatalf("%s: MessagesSince: %v", when, err)
	}
	if !slices.Equal(msgIDs(since), catchUp) {
		t.Errorf("%s: MessagesSince(0) = %v, want %v", when, msgIDs(since), catchUp)
	}
	var paged []int64
	for after := int64(0); ; {
		page, err := s.MessagesSincePage(ctx, chatID, 0, after, 2)
		if err != nil {
			t.Fatalf("%s: MessagesSincePage: %v", when, err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, msgIDs(page)...)
		after = page[len(page)-1].Seq
	}
	if !slices.Equal(paged, catchUp) {
		t.Errorf("%s: MessagesSincePage = %v, want %v", when, paged, catchUp)
	}
	c, err := s.GetChat(ctx, chatID)
	if err != nil {
		t.Fatalf("%s: GetChat: %v", when, err)
	}
	if c.ActiveLeaf != leaf.Int64 {
		t.Errorf("%s: Chat.ActiveLeaf = %d, column = %d", when, c.ActiveLeaf, leaf.Int64)
	}
	return walk
}

func checkSiblings(t testing.TB, all []treeRow, m Message, when string) {
	t.Helper()
	want := protocol.Siblings{Index: 0, Count: 1, IDs: []int64{m.ID}}
	if !m.Waiting {
		p := int64(0)
		if m.ParentID != nil {
			p = *m.ParentID
		}
		kin := kids(all, p)
		want = protocol.Siblings{Index: slices.Index(kin, m.ID), Count: len(kin), IDs: kin}
	}
	if m.Siblings.Index != want.Index || m.Siblings.Count != want.Count || !slices.Equal(m.Siblings.IDs, want.IDs) {
		t.Errorf("%s: siblings of %d = %+v, want %+v", when, m.ID, m.Siblings, want)
	}
}

// chatTree drives one chat through the store as the turn engine would,
// keeping the seqs, and checks the tree after every step.
type chatTree struct {
	t    *testing.T
	s    *Store
	ctx  context.Context
	chat string
	seq  int64
}

func newChatTree(t *testing.T, s *Store, nc NewChat) *chatTree {
	c := mustChat(t, s, nc)
	return &chatTree{t: t, s: s, ctx: context.Background(), chat: c.ID}
}

func (h *chatTree) next() int64 { h.seq++; return h.seq }

func (h *chatTree) check(when string) []int64 {
	h.t.Helper()
	return checkTree(h.t, h.s, h.chat, when)
}

func (h *chatTree) commit(um UserMessage) Message {
	h.t.Helper()
	um.ChatID, um.Seq = h.chat, h.next()
	m, _, err := h.s.CommitUserMessage(h.ctx, um)
	if err != nil {
		h.t.Fatalf("CommitUserMessage %q: %v", um.Content, err)
	}
	h.check("after question " + um.Content)
	return m
}

func (h *chatTree) ask(text string) Message {
	h.t.Helper()
	return h.commit(UserMessage{Content: text})
}

func (h *chatTree) edit(beside int64, text string) Message {
	h.t.Helper()
	return h.commit(UserMessage{Content: text, Beside: &beside})
}

// start opens a streaming answer under q.
func (h *chatTree) start(q int64) Message {
	h.t.Helper()
	a, err := h.s.StartAssistant(h.ctx, h.chat, fmt.Sprintf("turn-%d", h.seq+1), "m1", h.next(), &q)
	if err != nil {
		h.t.Fatalf("StartAssistant under %d: %v", q, err)
	}
	h.check(fmt.Sprintf("after starting an answer under %d", q))
	return a
}

func (h *chatTree) finish(a Message, text, status string) Message {
	h.t.Helper()
	if err := h.s.FinishAssistant(h.ctx, a.ID, Final{Content: text, Status: status, EndSeq: h.next()}); err != nil {
		h.t.Fatalf("FinishAssistant %d: %v", a.ID, err)
	}
	h.check("after finishing " + text)
	m, err := h.s.GetMessage(h.ctx, a.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return m
}

// answer is a whole turn under q.
func (h *chatTree) answer(q int64, text string) Message {
	h.t.Helper()
	return h.finish(h.start(q), text, StatusDone)
}

func (h *chatTree) switchTo(id int64) int64 {
	h.t.Helper()
	leaf, err := h.s.SwitchBranch(h.ctx, h.chat, id, h.next())
	if err != nil {
		h.t.Fatalf("SwitchBranch(%d): %v", id, err)
	}
	h.check(fmt.Sprintf("after switching to %d", id))
	return leaf
}

func (h *chatTree) path() []int64 {
	h.t.Helper()
	ap, err := h.s.ActivePath(h.ctx, h.chat)
	if err != nil {
		h.t.Fatal(err)
	}
	return msgIDs(ap)
}

func (h *chatTree) wantPath(when string, want ...Message) {
	h.t.Helper()
	if got := h.path(); !slices.Equal(got, msgIDs(want)) {
		h.t.Errorf("%s: active path = %v, want %v", when, got, msgIDs(want))
	}
	c, err := h.s.GetChat(h.ctx, h.chat)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(want) > 0 && c.ActiveLeaf != want[len(want)-1].ID {
		h.t.Errorf("%s: active leaf = %d, want %d", when, c.ActiveLeaf, want[len(want)-1].ID)
	}
}

// msg reads one message as clients get it (with Siblings).
func (h *chatTree) msg(id int64) Message {
	h.t.Helper()
	m, err := h.s.GetMessage(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return m
}

func wantSiblings(t testing.TB, m Message, index int, sibs ...Message) {
	t.Helper()
	want := protocol.Siblings{Index: index, Count: len(sibs), IDs: msgIDs(sibs)}
	if m.Siblings.Index != want.Index || m.Siblings.Count != want.Count || !slices.Equal(m.Siblings.IDs, want.IDs) {
		t.Errorf("siblings of %d (%q) = %+v, want %+v", m.ID, m.Content, m.Siblings, want)
	}
}

func wantParent(t testing.TB, m Message, parent *Message) {
	t.Helper()
	switch {
	case parent == nil && m.ParentID != nil:
		t.Errorf("%q: parent %d, want none", m.Content, *m.ParentID)
	case parent != nil && (m.ParentID == nil || *m.ParentID != parent.ID):
		t.Errorf("%q: parent %v, want %d", m.Content, m.ParentID, parent.ID)
	}
}

func transcriptIDs(t testing.TB, s *Store, chatID string) []int64 {
	t.Helper()
	tr, err := s.Transcript(context.Background(), chatID)
	if err != nil {
		t.Fatal(err)
	}
	return msgIDs(tr)
}

func TestTreeEditAtEndMiddleAndStart(t *testing.T) {
	s, _ := openTest(t)
	h := newChatTree(t, s, NewChat{})
	q1 := h.ask("q1")
	a1 := h.answer(q1.ID, "a1")
	q2 := h.ask("q2")
	a2 := h.answer(q2.ID, "a2")
	q3 := h.ask("q3")
	a3 := h.answer(q3.ID, "a3")
	wantParent(t, q1, nil)
	wantParent(t, a1, &q1)
	wantParent(t, q2, &a1)
	wantParent(t, q3, &a2)
	wantParent(t, a3, &q3)
	h.wantPath("one path", q1, a1, q2, a2, q3, a3)
	wantSiblings(t, h.msg(q2.ID), 0, q2)

	// At the end: the last question gets a sibling under the same answer.
	q3e := h.edit(q3.ID, "q3 edited")
	wantParent(t, q3e, &a2)
	wantSiblings(t, q3e, 1, q3, q3e)
	wantSiblings(t, h.msg(q3.ID), 0, q3, q3e)
	h.wantPath("edit at the end", q1, a1, q2, a2, q3e)
	a3e := h.answer(q3e.ID, "a3 edited")
	h.wantPath("edit at the end answered", q1, a1, q2, a2, q3e, a3e)
	if got := h.msg(a3.ID); got.OnPath {
		t.Errorf("the old answer is still on the path")
	}

	// In the middle: everything below the edited question leaves the path.
	q2e := h.edit(q2.ID, "q2 edited")
	wantParent(t, q2e, &a1)
	wantSiblings(t, q2e, 1, q2, q2e)
	h.wantPath("edit in the middle", q1, a1, q2e)
	a2e := h.answer(q2e.ID, "a2 edited")
	h.wantPath("edit in the middle answered", q1, a1, q2e, a2e)

	// At the start: a second root.
	q1e := h.edit(q1.ID, "q1 edited")
	wantParent(t, q1e, nil)
	wantSiblings(t, q1e, 1, q1, q1e)
	wantSiblings(t, h.msg(q1.ID), 0, q1, q1e)
	h.wantPath("edit at the start", q1e)
	a1e := h.answer(q1e.ID, "a1 edited")
	h.wantPath("edit at the start answered", q1e, a1e)
	q1e2 := h.edit(q1.ID, "q1 edited twice") // an edit of an older version
	wantSiblings(t, q1e2, 2, q1, q1e, q1e2)
	h.wantPath("second edit at the start", q1e2)
	// An edit sent with its answer (one transaction, as the engine does).
	q1e3, a1e3p, err := s.CommitUserMessage(h.ctx, UserMessage{ChatID: h.chat, Seq: h.next(), Content: "q1 edited thrice",
		Beside: &q1e.ID, Answer: &Answer{TurnID: "t-e3", Model: "m1", Seq: h.next()}})
	if err != nil {
		t.Fatal(err)
	}
	h.check("edit with its answer")
	wantParent(t, q1e3, nil)
	wantParent(t, *a1e3p, &q1e3)
	a1e3 := h.finish(*a1e3p, "a1 thrice", StatusDone)
	wantSiblings(t, h.msg(q1e3.ID), 3, q1, q1e, q1e2, q1e3)
	h.wantPath("edit with its answer", q1e3, a1e3)

	// Nothing was lost: every version is in the transcript, in seq order.
	all := []Message{q1, a1, q2, a2, q3, a3, q3e, a3e, q2e, a2e, q1e, a1e, q1e2, q1e3, a1e3}
	if got := transcriptIDs(t, s, h.chat); !slices.Equal(got, msgIDs(all)) {
		t.Errorf("transcript = %v, want %v", got, msgIDs(all))
	}
	for _, m := range all {
		if got := h.msg(m.ID); got.Content != m.Content {
			t.Errorf("message %d = %q, want %q", m.ID, got.Content, m.Content)
		}
	}

	// Back to the first version: down to the newest leaf under it.
	if leaf := h.switchTo(q1.ID); leaf != a2e.ID {
		t.Errorf("switch to q1 went to %d, want a2e %d", leaf, a2e.ID)
	}
	h.wantPath("back to the first version", q1, a1, q2e, a2e)
	if leaf := h.switchTo(q3.ID); leaf != a3.ID {
		t.Errorf("switch to q3 went to %d, want a3 %d", leaf, a3.ID)
	}
	h.wantPath("back to the very first path", q1, a1, q2, a2, q3, a3)

	// Only a question can be edited, and only one of this chat.
	_, _, err = s.CommitUserMessage(h.ctx, UserMessage{ChatID: h.chat, Seq: h.seq + 1, Content: "x", Beside: &a1.ID})
	wantErr(t, err, ErrInvalid)
	other := newChatTree(t, s, NewChat{})
	oq := other.ask("other")
	_, _, err = s.CommitUserMessage(h.ctx, UserMessage{ChatID: h.chat, Seq: h.seq + 1, Content: "x", Beside: &oq.ID})
	wantErr(t, err, ErrNotFound)
	h.wantPath("after refused edits", q1, a1, q2, a2, q3, a3)
	other.wantPath("the other chat", oq)
}

func TestTreeRegenerateManyTimes(t *testing.T) {
	s, _ := openTest(t)
	h := newChatTree(t, s, NewChat{})
	q1 := h.ask("q1")
	a1 := h.answer(q1.ID, "a1")
	q2 := h.ask("q2")
	var answers []Message
	for i := range 20 {
		a := h.answer(q2.ID, fmt.Sprintf("answer %d", i))
		answers = append(answers, a)
		wantParent(t, a, &q2)
		wantSiblings(t, a, i, answers...)
		h.wantPath(fmt.Sprintf("after answer %d", i), q1, a1, q2, a)
	}
	for i, a := range answers {
		wantSiblings(t, h.msg(a.ID), i, answers...)
	}
	// Each earlier one, then back to the newest.
	for i := len(answers) - 2; i >= 0; i-- {
		if leaf := h.switchTo(answers[i].ID); leaf != answers[i].ID {
			t.Fatalf("switch to answer %d went to %d", i, leaf)
		}
		h.wantPath(fmt.Sprintf("switched to answer %d", i), q1, a1, q2, answers[i])
		hist, _, err := s.History(h.ctx, h.chat, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		wantSiblings(t, hist[len(hist)-1], i, answers...)
	}
	last := answers[len(answers)-1]
	h.switchTo(last.ID)
	h.wantPath("back to the newest", q1, a1, q2, last)

	// A regeneration from an earlier version joins the same family, last.
	h.switchTo(answers[3].ID)
	more := h.answer(q2.ID, "answer 20")
	answers = append(answers, more)
	wantSiblings(t, more, 20, answers...)
	h.wantPath("regenerated from an earlier one", q1, a1, q2, more)

	// Regenerating an answer higher up drops what was below it from the path.
	a1b := h.answer(q1.ID, "a1 again")
	wantSiblings(t, a1b, 1, a1, a1b)
	h.wantPath("regenerated the first answer", q1, a1b)
	if n := len(transcriptIDs(t, s, h.chat)); n != 3+21+1 {
		t.Errorf("transcript holds %d messages, want 25", n)
	}
}

func TestTreeSwitchBranch(t *testing.T) {
	s, _ := openTest(t)
	h := newChatTree(t, s, NewChat{})
	q1 := h.ask("q1")
	a1a := h.answer(q1.ID, "a1a")
	q2 := h.ask("q2")
	a2 := h.answer(q2.ID, "a2")
	a1b := h.answer(q1.ID, "a1b") // the newest child of q1
	// Back under the older child, where the conversation goes on: the
	// newest leaf under q1 is now under its older child.
	if leaf := h.switchTo(a1a.ID); leaf != a2.ID {
		t.Fatalf("switch to a1a went to %d, want a2 %d", leaf, a2.ID)
	}
	q3 := h.ask("q3")
	a3 := h.answer(q3.ID, "a3")
	h.switchTo(a1b.ID)
	h.wantPath("on the newest child", q1, a1b)

	seq := h.next()
	leaf, err := s.SwitchBranch(h.ctx, h.chat, q1.ID, seq)
	if err != nil {
		t.Fatal(err)
	}
	h.check("after switching to q1")
	if leaf != a3.ID {
		t.Errorf("switch to q1 went to %d, want the newest leaf a3 %d (not the newest child a1b %d)", leaf, a3.ID, a1b.ID)
	}
	h.wantPath("down to the newest leaf", q1, a1a, q2, a2, q3, a3)
	c, err := s.GetChat(h.ctx, h.chat)
	if err != nil {
		t.Fatal(err)
	}
	if c.BranchSeq != seq || c.LastSeq != seq || c.SeqHWM < seq {
		t.Errorf("after the switch branch_seq %d last_seq %d hwm %d, want %d", c.BranchSeq, c.LastSeq, c.SeqHWM, seq)
	}

	// A stale seq is refused and changes nothing.
	_, err = s.SwitchBranch(h.ctx, h.chat, a1b.ID, seq)
	wantErr(t, err, ErrSeq)
	h.wantPath("after a stale switch", q1, a1a, q2, a2, q3, a3)
	// A message of another chat (or none) is not found.
	other := newChatTree(t, s, NewChat{})
	oq := other.ask("other")
	_, err = s.SwitchBranch(h.ctx, h.chat, oq.ID, h.seq+1)
	wantErr(t, err, ErrNotFound)
	_, err = s.SwitchBranch(h.ctx, h.chat, 999999, h.seq+1)
	wantErr(t, err, ErrNotFound)
	_, err = s.SwitchBranch(h.ctx, "no-such-chat", q1.ID, 100)
	wantErr(t, err, ErrNotFound)
	h.wantPath("after refused switches", q1, a1a, q2, a2, q3, a3)
	other.wantPath("the other chat", oq)
	if c2, _ := s.GetChat(h.ctx, h.chat); c2.BranchSeq != seq || c2.LastSeq != seq {
		t.Errorf("a refused switch moved branch_seq %d / last_seq %d", c2.BranchSeq, c2.LastSeq)
	}

	// Switching to a leaf of the path it is on changes nothing but the seqs.
	h.switchTo(a3.ID)
	h.wantPath("switch to the active leaf", q1, a1a, q2, a2, q3, a3)
	// Switching to a message in the middle of the active path keeps the
	// path (its newest leaf is the active leaf).
	h.switchTo(q2.ID)
	h.wantPath("switch to the middle of the path", q1, a1a, q2, a2, q3, a3)
}

func TestTreePathTo(t *testing.T) {
	s, _ := openTest(t)
	h := newChatTree(t, s, NewChat{})
	var old []Message
	for i := 1; i <= 5; i++ {
		q := h.ask(fmt.Sprintf("q%d", i))
		old = append(old, q, h.answer(q.ID, fmt.Sprintf("a%d", i)))
	}
	oldLeaf := old[len(old)-1]
	// A new version from q3 on: the old path shares q1 a1 q2 a2 with it.
	q3e := h.edit(old[4].ID, "q3 edited")
	a3e := h.answer(q3e.ID, "a3 edited")
	q4e := h.ask("q4 edited")
	a4e := h.answer(q4e.ID, "a4 edited")
	active := append(slices.Clone(old[:4]), q3e, a3e, q4e, a4e)
	h.wantPath("new version", active...)

	pathOf := func(leaf int64, before int64, limit int) ([]Message, bool) {
		t.Helper()
		ms, more, err := s.PathTo(h.ctx, h.chat, leaf, before, limit)
		if err != nil {
			t.Fatalf("PathTo(%d, before %d, limit %d): %v", leaf, before, limit, err)
		}
		return ms, more
	}
	// In one page.
	got, more := pathOf(oldLeaf.ID, 0, 100)
	if !slices.Equal(msgIDs(got), msgIDs(old)) || more {
		t.Errorf("old path = %v more %v, want %v", msgIDs(got), more, msgIDs(old))
	}
	all, _ := treeRows(t, s, h.chat)
	for _, m := range got {
		checkSiblings(t, all, m, "PathTo")
	}
	// Every page size, paged from the leaf up with before_seq, gives the
	// same path, and more says exactly whether something is left.
	for limit := 1; limit <= len(old)+1; limit++ {
		var pages []int64
		before := int64(0)
		for n := 0; ; n++ {
			page, more := pathOf(oldLeaf.ID, before, limit)
			if len(page) == 0 || len(page) > limit || n > len(old) {
				t.Fatalf("limit %d: page %d has %d messages", limit, n, len(page))
			}
			pages = append(msgIDs(page), pages...)
			before = page[0].Seq
			if left := slices.Index(msgIDs(old), page[0].ID); more != (left > 0) {
				t.Errorf("limit %d: page from %d says more = %v", limit, page[0].ID, more)
			}
			if !more {
				break
			}
		}
		if !slices.Equal(pages, msgIDs(old)) {
			t.Errorf("limit %d: paged path = %v, want %v", limit, pages, msgIDs(old))
		}
	}
	// The page that holds the fork: the divergent part and the shared one.
	got, more = pathOf(oldLeaf.ID, old[6].Seq, 3) // below q4: a2 q3 a3
	if !slices.Equal(msgIDs(got), msgIDs(old[3:6])) || !more {
		t.Errorf("across the fork = %v more %v, want %v more", msgIDs(got), more, msgIDs(old[3:6]))
	}
	// The active leaf's path is History; a message in the middle of the
	// active path reads the path above it.
	got, more = pathOf(a4e.ID, 0, 100)
	if !slices.Equal(msgIDs(got), msgIDs(active)) || more {
		t.Errorf("path to the active leaf = %v, want %v", msgIDs(got), msgIDs(active))
	}
	got, _ = pathOf(q3e.ID, 0, 100)
	if !slices.Equal(msgIDs(got), msgIDs(active[:5])) {
		t.Errorf("path to q3e = %v, want %v", msgIDs(got), msgIDs(active[:5]))
	}
	// Reading another path does not switch to it.
	h.wantPath("after PathTo", active...)

	other := newChatTree(t, s, NewChat{})
	oq := other.ask("other")
	_, _, err := s.PathTo(h.ctx, h.chat, oq.ID, 0, 10)
	wantErr(t, err, ErrNotFound)
	_, _, err = s.PathTo(h.ctx, "no-such-chat", oldLeaf.ID, 0, 10)
	wantErr(t, err, ErrNotFound)
}

// Queued questions wait outside the tree and are placed under the answer
// before them when their turn opens, so the path reads Q A Q A.
func TestTreeQueuedQuestions(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	h := newChatTree(t, s, NewChat{})
	q1, a1p, err := s.CommitUserMessage(ctx, UserMessage{ChatID: h.chat, Seq: h.next(), Content: "q1",
		Answer: &Answer{TurnID: "t1", Model: "m1", Seq: h.next()}})
	if err != nil {
		t.Fatal(err)
	}
	a1 := *a1p
	wantParent(t, a1, &q1)
	h.check("first turn running")
	queue := func(text string) Message {
		t.Helper()
		return h.commit(UserMessage{Content: text, Waiting: true,
			Setting: &SettingWrite{Key: "queue:" + h.chat, Value: `[{"user_seq":1}]`}})
	}
	q2 := queue("q2")
	q3 := queue("q3")
	for _, q := range []Message{q2, q3} {
		if !q.Waiting || q.OnPath || q.ParentID != nil {
			t.Errorf("queued %q: waiting %v on_path %v parent %v", q.Content, q.Waiting, q.OnPath, q.ParentID)
		}
		wantSiblings(t, q, 0, q)
	}
	h.wantPath("two questions waiting", q1, a1)
	// A client catching up sees the waiting questions too.
	since, err := s.MessagesSince(ctx, h.chat, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(msgIDs(since), []int64{q1.ID, a1.ID, q2.ID, q3.ID}) {
		t.Errorf("MessagesSince = %v", msgIDs(since))
	}
	for _, m := range since {
		if m.ID == q2.ID || m.ID == q3.ID {
			wantSiblings(t, m, 0, m)
		}
	}
	a1 = h.finish(a1, "a1", StatusDone)

	open := func(q Message) (Message, Message) {
		t.Helper()
		qq, a, err := s.OpenQueued(ctx, h.chat, q.ID, h.next(), "t-"+q.Content, "m1", h.next(), nil)
		if err != nil {
			t.Fatalf("OpenQueued %q: %v", q.Content, err)
		}
		h.check("after opening " + q.Content)
		return qq, a
	}
	q2o, a2 := open(q2)
	wantParent(t, q2o, &a1)
	wantParent(t, a2, &q2o)
	if q2o.Waiting || !q2o.OnPath {
		t.Errorf("opened q2: waiting %v on_path %v", q2o.Waiting, q2o.OnPath)
	}
	wantSiblings(t, q2o, 0, q2o)
	a2 = h.finish(a2, "a2", StatusDone)
	q3o, a3 := open(q3)
	wantParent(t, q3o, &a2)
	a3 = h.finish(a3, "a3", StatusDone)
	h.wantPath("both answered", q1, a1, q2o, a2, q3o, a3)
	ap, _ := s.ActivePath(ctx, h.chat)
	var roles []string
	for _, m := range ap {
		roles = append(roles, m.Role)
	}
	if strings.Join(roles, " ") != "user assistant user assistant user assistant" {
		t.Errorf("roles along the path: %v", roles)
	}
}

// A queued question cancelled before its turn opens stays, as a branch of
// its own under the active leaf, off the path.
func TestTreeSetAsideWhileFirstTurnRuns(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	h := newChatTree(t, s, NewChat{})
	q1, a1p, err := s.CommitUserMessage(ctx, UserMessage{ChatID: h.chat, Seq: h.next(), Content: "q1",
		Answer: &Answer{TurnID: "t1", Model: "m1", Seq: h.next()}})
	if err != nil {
		t.Fatal(err)
	}
	q2 := h.commit(UserMessage{Content: "q2 cancelled", Waiting: true,
		Setting: &SettingWrite{Key: "queue:" + h.chat, Value: `[{"user_seq":3}]`}})
	if err := s.SetAside(ctx, h.chat, q2.ID, h.next(), SettingWrite{Key: "queue:" + h.chat}); err != nil {
		t.Fatal(err)
	}
	h.check("after setting q2 aside")
	if _, ok, _ := s.GetSetting(ctx, "queue:"+h.chat); ok {
		t.Error("the queue setting was not written with the set-aside")
	}
	got := h.msg(q2.ID)
	if got.Waiting || got.OnPath {
		t.Errorf("set aside: waiting %v on_path %v", got.Waiting, got.OnPath)
	}
	wantParent(t, got, a1p)
	wantSiblings(t, got, 0, got)
	a1 := h.finish(*a1p, "a1", StatusDone)
	h.wantPath("after the first answer", q1, a1)
	// The next question is its sibling; the cancelled one can be switched to.
	q3 := h.ask("q3")
	wantParent(t, q3, &a1)
	wantSiblings(t, q3, 1, got, q3)
	h.switchTo(q2.ID)
	h.wantPath("switched to the cancelled question", q1, a1, got)
}

// The same with a question set aside after another queued one has opened:
// its seq is from when it was queued, below that of the answer it is put
// under.
func TestTreeSetAsideAfterAnotherQueuedOpened(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	h := newChatTree(t, s, NewChat{})
	q1, a1p, err := s.CommitUserMessage(ctx, UserMessage{ChatID: h.chat, Seq: h.next(), Content: "q1",
		Answer: &Answer{TurnID: "t1", Model: "m1", Seq: h.next()}})
	if err != nil {
		t.Fatal(err)
	}
	q2 := h.commit(UserMessage{Content: "q2", Waiting: true})
	q3 := h.commit(UserMessage{Content: "q3 cancelled", Waiting: true})
	a1 := h.finish(*a1p, "a1", StatusDone)
	q2o, a2, err := s.OpenQueued(ctx, h.chat, q2.ID, h.next(), "t2", "m1", h.next(), nil)
	if err != nil {
		t.Fatal(err)
	}
	h.check("q2 opened")
	// q3 is cancelled while q2's answer streams (turns.Engine.Cancel).
	if err := s.SetAside(ctx, h.chat, q3.ID, h.next(), SettingWrite{Key: "queue:" + h.chat}); err != nil {
		t.Fatal(err)
	}
	h.check("after setting q3 aside")
	a2 = h.finish(a2, "a2", StatusDone)
	h.switchTo(q3.ID)
	h.wantPath("switched to the cancelled question", q1, a1, q2o, a2, h.msg(q3.ID))
	// Regenerating a2 must take q3 off the path with the rest below q2.
	a2b := h.answer(q2o.ID, "a2 again")
	h.wantPath("regenerated a2", q1, a1, q2o, a2b)
}

func TestTreeForkChat(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	temp := 0.25
	h := newChatTree(t, s, NewChat{Title: "source", Model: "qwen", System: "be brief",
		Params: protocol.Params{Temperature: &temp}, Preset: "terse"})
	img := mustMedia(t, s, "picture", "image/png")
	doc := mustMedia(t, s, "document", "application/pdf")
	q1 := h.commit(UserMessage{Content: "look at these", MediaIDs: []string{img.ID, doc.ID}, Model: "qwen"})
	// An answer saved in checkpoints before it finished.
	a1s := h.start(q1.ID)
	rStart := clk.now()
	if err := s.CheckpointAssistant(ctx, a1s.ID, 0, Checkpoint{Content: "first half, ", Reasoning: "thinking ",
		ReasoningStartedAt: &rStart}); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckpointAssistant(ctx, a1s.ID, 1, Checkpoint{Content: "second half", Reasoning: "hard"}); err != nil {
		t.Fatal(err)
	}
	rEnd := clk.now()
	if err := s.FinishAssistant(ctx, a1s.ID, Final{Content: "first half, second half and the end",
		Reasoning: "thinking hard", ReasoningStartedAt: &rStart, ReasoningEndedAt: &rEnd, Status: StatusDone,
		Usage: &Usage{PromptTokens: 3, CompletionTokens: 4, TotalTokens: 7}, LatencyMS: 42, EndSeq: h.next()}); err != nil {
		t.Fatal(err)
	}
	h.check("checkpointed answer finished")
	if n := count(t, s, `SELECT count(*) FROM message_parts WHERE message_id = ?`, a1s.ID); n == 0 {
		t.Fatal("the answer has no parts: the test would not cover them")
	}
	a1 := h.msg(a1s.ID)
	q2 := h.ask("q2")
	a2 := h.finish(h.start(q2.ID), "a2 stopped", StatusCancelled)
	// The fork is taken from a path that is no longer the active one.
	q2e := h.edit(q2.ID, "q2 edited")
	a2e := h.answer(q2e.ID, "a2 edited")
	q3 := h.ask("q3")
	running := h.start(q3.ID)

	type snapshot struct {
		chat  Chat
		msgs  []Message
		rows  []treeRow
		parts int
	}
	snap := func(id string) snapshot {
		c, err := s.GetChat(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := s.Transcript(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := treeRows(t, s, id)
		return snapshot{c, tr, rows, count(t, s, `SELECT count(*) FROM message_parts p JOIN messages m
			ON m.id = p.message_id WHERE m.chat_id = ?`, id)}
	}
	before := snap(h.chat)

	clk.advance(1000)
	fork, err := s.ForkChat(ctx, h.chat, a2.ID, "fork")
	if err != nil {
		t.Fatal(err)
	}
	checkTree(t, s, fork.ID, "fork")
	if fork.ID == h.chat || fork.Title != "fork" || fork.Model != "qwen" || fork.System != "be brief" ||
		fork.Preset != "terse" || fork.Params.Temperature == nil || *fork.Params.Temperature != temp {
		t.Errorf("fork chat = %+v", fork)
	}
	src := []Message{q1, a1, q2, a2}
	got, err := s.ActivePath(ctx, fork.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(transcriptIDs(t, s, fork.ID)); n != len(src) || len(got) != len(src) {
		t.Fatalf("fork holds %d messages (%d on the path), want %d", n, len(got), len(src))
	}
	lastSeq := int64(0)
	for i, m := range got {
		w := src[i]
		if m.Role != w.Role || m.Content != w.Content || m.Reasoning != w.Reasoning || m.Status != w.Status ||
			m.Model != w.Model || m.Error != w.Error || m.LatencyMS != w.LatencyMS {
			t.Errorf("fork message %d = %+v\nwant %+v", i, m, w)
		}
		if fmt.Sprint(m.Usage) != fmt.Sprint(w.Usage) || fmt.Sprint(m.ReasoningStartedAt) != fmt.Sprint(w.ReasoningStartedAt) ||
			fmt.Sprint(m.ReasoningEndedAt) != fmt.Sprint(w.ReasoningEndedAt) {
			t.Errorf("fork message %d: usage %v times %v %v, want %v %v %v", i, m.Usage,
				m.ReasoningStartedAt, m.ReasoningEndedAt, w.Usage, w.ReasoningStartedAt, w.ReasoningEndedAt)
		}
		if fmt.Sprint(m.Media) != fmt.Sprint(w.Media) {
			t.Errorf("fork message %d media = %v, want %v", i, m.Media, w.Media)
		}
		if m.Seq <= lastSeq || m.EndSeq < m.Seq {
			t.Errorf("fork message %d seq %d..%d after %d", i, m.Seq, m.EndSeq, lastSeq)
		}
		if i == 0 && m.Seq != 1 {
			t.Errorf("fork starts at seq %d, want 1", m.Seq)
		}
		lastSeq = m.EndSeq
		if slices.Contains(msgIDs(before.msgs), m.ID) {
			t.Errorf("fork message %d reuses source id %d", i, m.ID)
		}
	}
	if len(got[0].Media) != 2 || got[0].Media[0].ID != img.ID || got[0].Media[1].ID != doc.ID {
		t.Errorf("fork media = %v", got[0].Media)
	}
	if fork.ActiveLeaf != got[len(got)-1].ID || fork.LastSeq != lastSeq || fork.SeqHWM < lastSeq {
		t.Errorf("fork active_leaf %d last_seq %d hwm %d, want %d %d", fork.ActiveLeaf, fork.LastSeq, fork.SeqHWM,
			got[len(got)-1].ID, lastSeq)
	}
	if fork.MessageCount != len(src) {
		t.Errorf("fork message_count = %d", fork.MessageCount)
	}
	// The fork's copies are searchable and the index is sound.
	hits, err := s.Search(ctx, "second half and the end", 10)
	if err != nil {
		t.Fatal(err)
	}
	var forkHit bool
	for _, hit := range hits {
		forkHit = forkHit || hit.ChatID == fork.ID && hit.MessageID == got[1].ID
	}
	if !forkHit {
		t.Errorf("the fork's checkpointed answer is not found: %+v", hits)
	}
	ftsIntegrity(t, s)

	// The source is as it was.
	after := snap(h.chat)
	if !reflect.DeepEqual(after, before) {
		t.Errorf("source changed by the fork:\nbefore %+v\nafter  %+v", before, after)
	}
	// The fork goes on from its last message.
	fq := checkedAsk(t, s, fork.ID, lastSeq+1, "more in the fork")
	wantParent(t, fq, &got[len(got)-1])

	// Only finished messages of this chat can be forked.
	_, err = s.ForkChat(ctx, h.chat, running.ID, "x")
	wantErr(t, err, ErrInvalid)
	_, err = s.ForkChat(ctx, h.chat, fq.ID, "x")
	wantErr(t, err, ErrNotFound)
	_, err = s.ForkChat(ctx, "no-such-chat", q1.ID, "x")
	wantErr(t, err, ErrNotFound)
	if n := count(t, s, `SELECT count(*) FROM chats`); n != 2 {
		t.Errorf("refused forks left chats behind: %d chats", n)
	}
	// A fork of the active leaf's parent holds the edited path.
	fork2, err := s.ForkChat(ctx, h.chat, a2e.ID, "fork 2")
	if err != nil {
		t.Fatal(err)
	}
	checkTree(t, s, fork2.ID, "second fork")
	got2, _ := s.ActivePath(ctx, fork2.ID)
	var texts []string
	for _, m := range got2 {
		texts = append(texts, m.Content)
	}
	if strings.Join(texts, "|") != "look at these|first half, second half and the end|q2 edited|a2 edited" {
		t.Errorf("second fork = %q", texts)
	}
}

func checkedAsk(t *testing.T, s *Store, chatID string, seq int64, text string) Message {
	t.Helper()
	m, err := s.AppendUserMessage(context.Background(), chatID, seq, text, nil, "m1")
	if err != nil {
		t.Fatal(err)
	}
	checkTree(t, s, chatID, "after "+text)
	return m
}

func TestTreeDeleteChatWithBranches(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	keep := newChatTree(t, s, NewChat{Title: "keep"})
	kq := keep.ask("keepsake question")
	keep.answer(kq.ID, "keepsake answer")
	keepBefore := transcriptIDs(t, s, keep.chat)

	h := newChatTree(t, s, NewChat{Title: "doomed"})
	img := mustMedia(t, s, "doomed picture", "image/png")
	q1 := h.commit(UserMessage{Content: "zebra question", MediaIDs: []string{img.ID}})
	a := h.start(q1.ID)
	if err := s.CheckpointAssistant(ctx, a.ID, 0, Checkpoint{Content: "zebra "}); err != nil {
		t.Fatal(err)
	}
	h.finish(a, "zebra answer", StatusDone)
	h.answer(q1.ID, "giraffe regenerated")
	q1e := h.edit(q1.ID, "okapi edited")
	h.answer(q1e.ID, "okapi answer")
	h.commit(UserMessage{Content: "ocelot queued", Waiting: true})
	doomed := transcriptIDs(t, s, h.chat)
	placeholders := strings.TrimSuffix(strings.Repeat("?,", len(doomed)), ",")
	args := make([]any, len(doomed))
	for i, id := range doomed {
		args[i] = id
	}
	for _, word := range []string{"zebra", "giraffe", "okapi", "ocelot"} {
		if hits, err := s.Search(ctx, word, 10); err != nil || len(hits) == 0 {
			t.Fatalf("before the delete %q: %v %v", word, hits, err)
		}
	}
	c, _ := s.GetChat(ctx, h.chat)

	clk.advance(5000)
	if err := s.DeleteChat(ctx, h.chat); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetChat(ctx, h.chat); err == nil {
		t.Error("the chat is still there")
	}
	for _, q := range []string{
		`SELECT count(*) FROM messages WHERE chat_id = ?`,
	} {
		if n := count(t, s, q, h.chat); n != 0 {
			t.Errorf("%s: %d", q, n)
		}
	}
	for _, q := range []string{
		`SELECT count(*) FROM messages WHERE id IN (%s)`,
		`SELECT count(*) FROM message_parts WHERE message_id IN (%s)`,
		`SELECT count(*) FROM message_media WHERE message_id IN (%s)`,
		`SELECT count(*) FROM messages_fts_docsize WHERE id IN (%s)`,
	} {
		if n := count(t, s, fmt.Sprintf(q, placeholders), args...); n != 0 {
			t.Errorf("%s: %d rows left", q, n)
		}
	}
	for _, word := range []string{"zebra", "giraffe", "okapi", "ocelot"} {
		if n := count(t, s, `SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?`, word); n != 0 {
			t.Errorf("the index still has %d entries for %q", n, word)
		}
		if hits, err := s.Search(ctx, word, 10); err != nil || len(hits) != 0 {
			t.Errorf("after the delete %q: %v %v", word, hits, err)
		}
	}
	ftsIntegrity(t, s)
	if n := count(t, s, `SELECT count(*) FROM media WHERE id = ?`, img.ID); n != 0 {
		t.Errorf("the chat's only media is still stored")
	}
	var hwm int64
	if err := s.w.QueryRow(`SELECT seq_hwm FROM chat_tombstones WHERE id = ?`, h.chat).Scan(&hwm); err != nil {
		t.Fatalf("tombstone: %v", err)
	}
	if hwm < c.LastSeq || hwm < c.SeqHWM {
		t.Errorf("tombstone seq_hwm %d below the chat's %d/%d", hwm, c.LastSeq, c.SeqHWM)
	}
	// The other chat is untouched.
	if got := transcriptIDs(t, s, keep.chat); !slices.Equal(got, keepBefore) {
		t.Errorf("other chat = %v, want %v", got, keepBefore)
	}
	keep.check("other chat after the delete")
	if hits, err := s.Search(ctx, "keepsake", 10); err != nil || len(hits) != 2 {
		t.Errorf("other chat search: %v %v", hits, err)
	}
}

func TestTreeSearchFindsEveryBranch(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	h := newChatTree(t, s, NewChat{Title: "branches"})
	q1 := h.ask("aardvark question")
	a1 := h.answer(q1.ID, "badger answer")
	a1b := h.answer(q1.ID, "capybara regenerated")
	q2 := h.ask("dingo follow-up")
	a2 := h.answer(q2.ID, "echidna reply")
	q1e := h.edit(q1.ID, "ferret edited")
	a1e := h.answer(q1e.ID, "gecko answer")
	// A checkpointed answer on a branch that is not the active one.
	h.switchTo(a1.ID)
	a := h.start(q1.ID)
	if err := s.CheckpointAssistant(ctx, a.ID, 0, Checkpoint{Content: "hedgehog "}); err != nil {
		t.Fatal(err)
	}
	a1c := h.finish(a, "hedgehog parts", StatusDone)
	h.switchTo(a1e.ID)

	for word, want := range map[string]Message{
		"aardvark": q1, "badger": a1, "capybara": a1b, "dingo": q2, "echidna": a2,
		"ferret": q1e, "gecko": a1e, "hedgehog": a1c,
	} {
		hits, err := s.Search(ctx, word, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 || hits[0].MessageID != want.ID || hits[0].ChatID != h.chat || hits[0].Seq != want.Seq ||
			hits[0].Role != want.Role || hits[0].ChatTitle != "branches" {
			t.Errorf("search %q = %+v, want message %d", word, hits, want.ID)
		}
	}
	ftsIntegrity(t, s)
}
