package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
)

func TestAppendUserMessage(t *testing.T) {
	ctx := context.Background()
	s, clk := openTest(t)
	a := mustMedia(t, s, "first", "image/png")
	b := mustMedia(t, s, "second", "image/jpeg")
	c := mustChat(t, s, NewChat{})
	clk.advance(time.Second)

	m := mustUser(t, s, c.ID, 3, "hi", b.ID, a.ID)
	want := Message{ID: m.ID, ChatID: c.ID, Seq: 3, EndSeq: 3, Role: RoleUser, Content: "hi", Model: "m1", OnPath: true,
		Siblings: protocol.Siblings{Index: 0, Count: 1, IDs: []int64{m.ID}},
		Status:   StatusDone, Media: []MediaRef{b, a}, CreatedAt: clk.now(), UpdatedAt: clk.now()}
	if fmt.Sprint(m) != fmt.Sprint(want) {
		t.Errorf("message\n got %+v\nwant %+v", m, want)
	}
	got, _ := s.GetChat(ctx, c.ID)
	if got.LastSeq != 3 || got.SeqHWM != 3 || got.MessageCount != 1 || !got.UpdatedAt.Equal(clk.now()) {
		t.Errorf("chat after append %+v", got)
	}

	// A seq below the hwm but above last_seq is a reserved one: fine.
	if err := s.ReserveSeq(ctx, c.ID, 10); err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, c.ID, 5, "reserved seq")
	if got, _ := s.GetChat(ctx, c.ID); got.LastSeq != 5 || got.SeqHWM != 10 {
		t.Errorf("after reserved append: last %d hwm %d", got.LastSeq, got.SeqHWM)
	}

	tests := []struct {
		name  string
		chat  string
		seq   int64
		media []string
		want  error
	}{
		{"same seq", c.ID, 5, nil, ErrSeq},
		{"lower seq", c.ID, 4, nil, ErrSeq},
		{"zero seq", c.ID, 0, nil, ErrSeq},
		{"no chat", "nope", 6, nil, ErrNotFound},
		{"unknown media", c.ID, 6, []string{a.ID, "ab"}, ErrMissingMedia},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.AppendUserMessage(ctx, tc.chat, tc.seq, "x", tc.media, "")
			wantErr(t, err, tc.want)
		})
	}
	// Failed appends leave nothing behind (the transaction rolled back).
	if n := count(t, s, `SELECT count(*) FROM messages`); n != 2 {
		t.Errorf("messages = %d, want 2", n)
	}
	if n := count(t, s, `SELECT count(*) FROM message_media`); n != 2 {
		t.Errorf("media links = %d, want 2", n)
	}
	if got, _ := s.GetChat(ctx, c.ID); got.LastSeq != 5 {
		t.Errorf("last_seq moved by a failed append: %d", got.LastSeq)
	}
}

func TestAssistantLifecycle(t *testing.T) {
	ctx := context.Background()
	s, clk := openTest(t)
	c := mustChat(t, s, NewChat{})
	u := mustUser(t, s, c.ID, 1, "question")
	m, err := s.StartAssistant(ctx, c.ID, "turn-1", "qwen", 2, &u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != StatusStreaming || m.Seq != 2 || m.EndSeq != 2 || *m.ParentID != u.ID || m.TurnID != "turn-1" || m.Role != RoleAssistant {
		t.Errorf("started %+v", m)
	}
	_, err = s.StartAssistant(ctx, c.ID, "turn-x", "qwen", 2, nil)
	wantErr(t, err, ErrSeq)

	rStart := clk.now().Add(10 * time.Millisecond)
	if err := s.CheckpointAssistant(ctx, m.ID, 0, Checkpoint{Content: "partial answ", Reasoning: "hmm",
		ReasoningStartedAt: &rStart}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetMessage(ctx, m.ID)
	if got.Content != "partial answ" || got.Reasoning != "hmm" || !got.ReasoningStartedAt.Equal(rStart) || got.ReasoningEndedAt != nil {
		t.Errorf("checkpointed %+v", got)
	}
	if err := s.ReserveSeq(ctx, c.ID, 20); err != nil {
		t.Fatal(err)
	}
	ch, _ := s.GetChat(ctx, c.ID)
	if ch.LastSeq != 2 || ch.SeqHWM != 20 {
		t.Errorf("after reserve last %d hwm %d", ch.LastSeq, ch.SeqHWM)
	}
	// A checkpoint appends only what is new; reads see the joined text.
	if err := s.CheckpointAssistant(ctx, m.ID, 1, Checkpoint{Content: "er"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetMessage(ctx, m.ID); got.Content != "partial answer" || got.Reasoning != "hmm" || !got.ReasoningStartedAt.Equal(rStart) {
		t.Errorf("after second checkpoint %+v", got)
	}
	// A part number is used once.
	if err := s.CheckpointAssistant(ctx, m.ID, 1, Checkpoint{Content: "again"}); err == nil {
		t.Error("a part number was accepted twice")
	}
	// A lower reservation never lowers the hwm.
	if err := s.ReserveSeq(ctx, c.ID, 15); err != nil {
		t.Fatal(err)
	}
	if ch, _ := s.GetChat(ctx, c.ID); ch.SeqHWM != 20 {
		t.Errorf("hwm lowered to %d", ch.SeqHWM)
	}
	if hits, err := s.Search(ctx, "partial", 10); err != nil || len(hits) != 0 {
		t.Errorf("streaming row searchable: %v %v", hits, err)
	}

	for _, tc := range []struct {
		name string
		f    Final
		want error
	}{
		{"bad status", Final{Status: "streaming", EndSeq: 30}, ErrInvalid},
		{"end not above seq", Final{Status: StatusDone, EndSeq: 2}, ErrSeq},
		{"stream end after end", Final{Status: StatusDone, StreamEndSeq: 31, EndSeq: 30}, ErrSeq},
		{"reasoning end at seq", Final{Status: StatusDone, ReasoningEndSeq: 2, EndSeq: 30}, ErrSeq},
	} {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, s.FinishAssistant(ctx, m.ID, tc.f), tc.want) })
	}
	wantErr(t, s.FinishAssistant(ctx, 999, Final{Status: StatusDone, EndSeq: 5}), ErrNotFound)
	wantErr(t, s.CheckpointAssistant(ctx, 999, 0, Checkpoint{}), ErrNotFound)

	clk.advance(time.Second)
	rEnd := rStart.Add(1234 * time.Millisecond)
	usage := &Usage{PromptTokens: 10, CompletionTokens: 20, TotalTokens: 30}
	if err := s.FinishAssistant(ctx, m.ID, Final{Content: "partial answer, done", Reasoning: "hmm ok",
		ReasoningStartedAt: &rStart, ReasoningEndedAt: &rEnd, Status: StatusDone, Usage: usage,
		LatencyMS: 777, ReasoningEndSeq: 5, StreamEndSeq: 21, EndSeq: 22}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetMessage(ctx, m.ID)
	if got.Status != StatusDone || got.Content != "partial answer, done" || got.Reasoning != "hmm ok" ||
		*got.Usage != *usage || got.LatencyMS != 777 || got.ReasoningEndSeq != 5 || got.StreamEndSeq != 21 ||
		got.EndSeq != 22 || !got.ReasoningEndedAt.Equal(rEnd) || !got.UpdatedAt.Equal(clk.now()) {
		t.Errorf("finished %+v", got)
	}
	ch, _ = s.GetChat(ctx, c.ID)
	if ch.LastSeq != 22 || ch.SeqHWM != 22 || !ch.UpdatedAt.Equal(clk.now()) || ch.MessageCount != 2 {
		t.Errorf("chat after finish %+v", ch)
	}
	if hits, err := s.Search(ctx, "partial", 10); err != nil || len(hits) != 1 || hits[0].MessageID != m.ID {
		t.Errorf("finished row not searchable: %v %v", hits, err)
	}
	wantErr(t, s.FinishAssistant(ctx, m.ID, Final{Status: StatusDone, EndSeq: 40}), ErrNotStreaming)
	wantErr(t, s.CheckpointAssistant(ctx, m.ID, 9, Checkpoint{Content: "late"}), ErrNotStreaming)
	if got, _ := s.GetMessage(ctx, m.ID); got.Content != "partial answer, done" {
		t.Error("late checkpoint changed a finished row")
	}
	ftsIntegrity(t, s)
}

func TestStartAssistantParentMustBeInChat(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	a := mustChat(t, s, NewChat{})
	b := mustChat(t, s, NewChat{})
	u := mustUser(t, s, a.ID, 1, "in a")
	_, err := s.StartAssistant(ctx, b.ID, "t", "m", 1, &u.ID)
	wantErr(t, err, ErrInvalid)
	_, err = s.StartAssistant(ctx, "nope", "t", "m", 1, nil)
	wantErr(t, err, ErrNotFound)
}

func TestReserveSeq(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c := mustChat(t, s, NewChat{})
	for _, step := range []struct{ upTo, want int64 }{{10, 10}, {5, 10}, {11, 11}} {
		if err := s.ReserveSeq(ctx, c.ID, step.upTo); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetChat(ctx, c.ID); got.SeqHWM != step.want || got.LastSeq != 0 {
			t.Errorf("ReserveSeq(%d): hwm %d last %d", step.upTo, got.SeqHWM, got.LastSeq)
		}
	}
	wantErr(t, s.ReserveSeq(ctx, "nope", 3), ErrNotFound)
}

func TestRecoverInterrupted(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/hearth.db"
	s := openAt(t, path)

	a := mustChat(t, s, NewChat{ID: "a"})
	mustUser(t, s, a.ID, 1, "tell me")
	am, err := s.StartAssistant(ctx, a.ID, "ta", "m", 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckpointAssistant(ctx, am.ID, 0, Checkpoint{Content: "half of ", Reasoning: "think"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckpointAssistant(ctx, am.ID, 1, Checkpoint{Content: "the answ", Reasoning: "ing"}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReserveSeq(ctx, a.ID, 40); err != nil {
		t.Fatal(err)
	}
	b := mustChat(t, s, NewChat{ID: "b"}) // streaming, never checkpointed
	bm, err := s.StartAssistant(ctx, b.ID, "tb", "m", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := mustChat(t, s, NewChat{ID: "done"})
	dm, _ := s.StartAssistant(ctx, done.ID, "td", "m", 1, nil)
	if err := s.FinishAssistant(ctx, dm.ID, Final{Content: "complete", Status: StatusDone, EndSeq: 3}); err != nil {
		t.Fatal(err)
	}
	// The process "dies": no FinishAssistant for a and b.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	got, err := s.RecoverInterrupted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != am.ID || got[1].ID != bm.ID {
		t.Fatalf("recovered %+v", got)
	}
	for _, tc := range []struct {
		m                   Message
		content             string
		streamEnd, end, hwm int64
	}{
		{got[0], "half of the answ", 41, 42, 42},
		{got[1], "", 2, 3, 3},
	} {
		if tc.m.Status != StatusInterrupted || tc.m.Content != tc.content || tc.m.StreamEndSeq != tc.streamEnd || tc.m.EndSeq != tc.end {
			t.Errorf("recovered %+v", tc.m)
		}
		ch, _ := s.GetChat(ctx, tc.m.ChatID)
		if ch.LastSeq != tc.hwm || ch.SeqHWM != tc.hwm {
			t.Errorf("chat %s last %d hwm %d, want %d", ch.ID, ch.LastSeq, ch.SeqHWM, tc.hwm)
		}
	}
	if got[0].Reasoning != "thinking" {
		t.Errorf("reasoning lost: %q", got[0].Reasoning)
	}
	if m, _ := s.GetMessage(ctx, dm.ID); m.Status != StatusDone || m.EndSeq != 3 {
		t.Errorf("finished row touched: %+v", m)
	}
	if again, err := s.RecoverInterrupted(ctx); err != nil || len(again) != 0 {
		t.Errorf("second recovery: %v %v", again, err)
	}
	// Seqs at or below the recovered end are never reused.
	_, err = s.AppendUserMessage(ctx, a.ID, 42, "reuse", nil, "")
	wantErr(t, err, ErrSeq)
	mustUser(t, s, a.ID, 43, "next")
	if hits, _ := s.Search(ctx, "answ", 5); len(hits) != 1 || hits[0].MessageID != am.ID {
		t.Errorf("interrupted text not searchable: %+v", hits)
	}
	ftsIntegrity(t, s)
}

// seqs returns the Seq of each message, for compact comparisons.
func seqs(ms []Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Seq
	}
	return out
}

func seqRange(from, to, step int64) []int64 {
	var out []int64
	for v := from; v <= to; v += step {
		out = append(out, v)
	}
	return out
}

func TestHistoryPaging(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	img := mustMedia(t, s, "pic", "image/webp")
	c := mustChat(t, s, NewChat{})
	for i := int64(1); i <= 120; i++ { // seqs 2, 4, ..., 240
		var media []string
		if i%40 == 0 {
			media = []string{img.ID}
		}
		mustUser(t, s, c.ID, 2*i, fmt.Sprint("m", i), media...)
	}
	tests := []struct {
		name   string
		before int64
		limit  int
		want   []int64
		more   bool
	}{
		{"newest page", 0, 50, seqRange(142, 240, 2), true},
		{"next page", 142, 50, seqRange(42, 140, 2), true},
		{"last page", 42, 50, seqRange(2, 40, 2), false},
		{"exact fit", 42, 20, seqRange(2, 40, 2), false},
		{"odd bound", 141, 3, []int64{136, 138, 140}, true},
		{"nothing older", 2, 50, nil, false},
		{"default limit", 0, 0, seqRange(142, 240, 2), true},
		{"all", 0, 500, seqRange(2, 240, 2), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msgs, more, err := s.History(ctx, c.ID, tc.before, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(seqs(msgs), tc.want) || more != tc.more {
				t.Errorf("got %v more=%v, want %v more=%v", seqs(msgs), more, tc.want, tc.more)
			}
			for _, m := range msgs {
				if hasMedia := len(m.Media) == 1 && m.Media[0] == img; hasMedia != (m.Seq%80 == 0) {
					t.Errorf("seq %d media %v", m.Seq, m.Media)
				}
			}
		})
	}
	empty := mustChat(t, s, NewChat{})
	if msgs, more, err := s.History(ctx, empty.ID, 0, 10); err != nil || msgs != nil || more {
		t.Errorf("empty chat: %v %v %v", msgs, more, err)
	}
	_, _, err := s.History(ctx, "nope", 0, 10)
	wantErr(t, err, ErrNotFound)
}

func TestClampLimit(t *testing.T) {
	for in, want := range map[int]int{-5: 50, 0: 50, 1: 1, 500: 500, 501: 500, 1 << 30: 500} {
		if got := clampLimit(in); got != want {
			t.Errorf("clampLimit(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestMessagesSinceAndTranscript(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	img := mustMedia(t, s, "pic", "image/gif")
	c := mustChat(t, s, NewChat{})
	mustUser(t, s, c.ID, 1, "q1", img.ID)
	a1, _ := s.StartAssistant(ctx, c.ID, "t1", "m", 2, nil)
	if err := s.FinishAssistant(ctx, a1.ID, Final{Content: "a1", Status: StatusDone, StreamEndSeq: 9, EndSeq: 10}); err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, c.ID, 11, "q2")
	if _, err := s.StartAssistant(ctx, c.ID, "t2", "m", 12, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		since int64
		want  []int64
	}{
		{0, []int64{1, 2, 11, 12}},
		{1, []int64{2, 11, 12}},
		{5, []int64{2, 11, 12}}, // inside turn 1: the whole reply is replayed
		{10, []int64{11, 12}},
		{11, []int64{12}},
		{12, nil}, // streaming row: its live part is the engine's
		{99, nil},
	} {
		got, err := s.MessagesSince(ctx, c.ID, tc.since)
		if err != nil || !slices.Equal(seqs(got), tc.want) {
			t.Errorf("since %d: %v %v, want %v", tc.since, seqs(got), err, tc.want)
		}
	}
	tr, err := s.Transcript(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seqs(tr), []int64{1, 2, 11, 12}) || len(tr[0].Media) != 1 || tr[0].Media[0] != img ||
		tr[1].Content != "a1" || tr[1].Role != RoleAssistant || tr[3].Status != StatusStreaming {
		t.Errorf("transcript %+v", tr)
	}
	_, err = s.MessagesSince(ctx, "nope", 0)
	wantErr(t, err, ErrNotFound)
	_, err = s.Transcript(ctx, "nope")
	wantErr(t, err, ErrNotFound)
	_, err = s.GetMessage(ctx, 12345)
	wantErr(t, err, ErrNotFound)
}

func TestMedia(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	r := mustMedia(t, s, "bytes", "image/png")
	got, err := s.GetMedia(ctx, r.ID)
	if err != nil || got != r {
		t.Fatalf("GetMedia = %+v %v", got, err)
	}
	// Same bytes again: an empty name keeps the old one, a new one replaces it.
	if err := s.PutMedia(ctx, MediaRef{ID: r.ID, MIME: r.MIME, Size: r.Size}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetMedia(ctx, r.ID); got.Name != r.Name {
		t.Errorf("name = %q", got.Name)
	}
	if err := s.PutMedia(ctx, MediaRef{ID: r.ID, MIME: r.MIME, Size: r.Size, Name: "renamed.png"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetMedia(ctx, r.ID); got.Name != "renamed.png" {
		t.Errorf("name = %q", got.Name)
	}
	for _, bad := range []MediaRef{
		{ID: "abc", MIME: "image/png"},
		{ID: string(make([]byte, 64)), MIME: "image/png"},
		{ID: r.ID[:63] + "G", MIME: "image/png"},
		{ID: r.ID, MIME: ""},
		{ID: r.ID, MIME: "image/png", Size: -1},
	} {
		wantErr(t, s.PutMedia(ctx, bad), ErrInvalid)
	}
	_, err = s.GetMedia(ctx, "0000")
	wantErr(t, err, ErrNotFound)
	// Media still linked to a message cannot be dropped behind the store's back.
	c := mustChat(t, s, NewChat{})
	mustUser(t, s, c.ID, 1, "look", r.ID)
	if _, err := s.w.Exec(`DELETE FROM media WHERE id = ?`, r.ID); err == nil {
		t.Error("deleted media still referenced by a message")
	}
}

// A user message queued while a turn streams may commit a seq above the
// turn's final one; finishing the turn must not move last_seq back.
func TestFinishNeverLowersLastSeq(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c := mustChat(t, s, NewChat{})
	m, err := s.StartAssistant(ctx, c.ID, "t", "m", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, c.ID, 10, "queued")
	if err := s.FinishAssistant(ctx, m.ID, Final{Status: StatusDone, EndSeq: 8}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetChat(ctx, c.ID); got.LastSeq != 10 || got.SeqHWM != 10 {
		t.Errorf("last %d hwm %d, want 10 10", got.LastSeq, got.SeqHWM)
	}
}
