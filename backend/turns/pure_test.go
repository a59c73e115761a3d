package turns

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/store"
)

func id(v int64) *int64 { return &v }

func TestBuildTranscript(t *testing.T) {
	u1 := store.Message{ID: 1, Seq: 1, Role: "user", Content: "q1"}
	a1 := store.Message{ID: 2, Seq: 2, Role: "assistant", Content: "a1", Reasoning: "secret", Status: "done", ParentID: id(1)}
	u2 := store.Message{ID: 3, Seq: 10, Role: "user", Content: "q2 (queued)"}
	u3 := store.Message{ID: 4, Seq: 11, Role: "user", Content: "q3 (queued)"}
	a2 := store.Message{ID: 5, Seq: 12, Role: "assistant", Content: "a2", Status: "done", ParentID: id(3)}
	failed := store.Message{ID: 6, Seq: 3, Role: "assistant", Content: "", Status: "error", ParentID: id(1)}
	cancelled := store.Message{ID: 7, Seq: 2, Role: "assistant", Content: "half", Status: "cancelled", ParentID: id(1)}
	streaming := store.Message{ID: 8, Seq: 13, Role: "assistant", Content: "partial", Status: "streaming", ParentID: id(4)}

	type row struct{ role, content string }
	cases := []struct {
		name    string
		system  string
		msgs    []store.Message
		trigger int64
		want    []row
	}{
		{"first turn", "", []store.Message{u1}, 1, []row{{"user", "q1"}}},
		{"system prompt first", "be brief", []store.Message{u1}, 1, []row{{"system", "be brief"}, {"user", "q1"}}},
		{"reasoning never sent back", "", []store.Message{u1, a1, u2}, 3, []row{{"user", "q1"}, {"assistant", "a1"}, {"user", "q2 (queued)"}}},
		{"queued messages stay out of an earlier turn", "", []store.Message{u1, a1, u2, u3}, 3,
			[]row{{"user", "q1"}, {"assistant", "a1"}, {"user", "q2 (queued)"}}},
		{"answers pair with their question, not their position", "", []store.Message{u1, a1, u2, u3, a2, streaming}, 4,
			[]row{{"user", "q1"}, {"assistant", "a1"}, {"user", "q2 (queued)"}, {"assistant", "a2"}, {"user", "q3 (queued)"}}},
		{"failed answers are left out", "", []store.Message{u1, failed, u2}, 3, []row{{"user", "q1"}, {"user", "q2 (queued)"}}},
		{"cancelled answers keep what was said", "", []store.Message{u1, cancelled, u2}, 3,
			[]row{{"user", "q1"}, {"assistant", "half"}, {"user", "q2 (queued)"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []row
			for _, in := range buildTranscript(c.system, c.msgs, c.trigger) {
				got = append(got, row{in.Role, in.Content})
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestSortFrames(t *testing.T) {
	f := func(seq int64) frame { return frame{seq: seq, data: []byte{byte('a' + seq)}} }
	stored := []frame{f(1), f(2), f(9)} // a queued user message (9) committed mid-turn
	running := []frame{f(3), f(4), f(5), f(10)}
	cases := []struct {
		since int64
		want  string
	}{
		{0, "bcdefjk"},
		{2, "defjk"},
		{4, "fjk"},
		{9, "k"},
		{10, ""},
	}
	for _, c := range cases {
		var got strings.Builder
		for _, d := range sortFrames(append(append([]frame(nil), running...), stored...), c.since) {
			got.Write(d.data)
		}
		if got.String() != c.want {
			t.Errorf("since %d: got %q, want %q", c.since, got.String(), c.want)
		}
	}
}

func TestTitleFrom(t *testing.T) {
	cases := map[string]string{
		"":                           "",
		"   \n\n  ":                  "",
		"hello":                      "hello",
		"\n  first   line  \nsecond": "first line",
		strings.Repeat("word ", 20):  "word word word word word word word word word word word word…",
		strings.Repeat("x", 70):      strings.Repeat("x", 60) + "…",
	}
	for in, want := range cases {
		if got := titleFrom(in); got != want {
			t.Errorf("titleFrom(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSnapshotFrames(t *testing.T) {
	start := time.UnixMilli(1000)
	end := time.UnixMilli(2500)
	url := func(id string) string { return "/media/" + id }
	done := store.Message{ID: 2, ChatID: "c", Seq: 5, ReasoningEndSeq: 9, StreamEndSeq: 20, EndSeq: 21, TurnID: "t",
		Role: "assistant", Content: "answer", Reasoning: "thought", ReasoningStartedAt: &start, ReasoningEndedAt: &end,
		Status: "done", Model: "m"}
	type ev struct {
		Event      string
		Seq        int64
		Text       *string
		DurationMS *int64 `json:"duration_ms"`
		Status     string
	}
	decode := func(fs []frame) []ev {
		var out []ev
		for _, f := range fs {
			var e ev
			if err := json.Unmarshal(f.data, &e); err != nil {
				t.Fatal(err)
			}
			if e.Seq != f.seq {
				t.Fatalf("frame seq %d but event seq %d", f.seq, e.Seq)
			}
			out = append(out, e)
		}
		return out
	}
	got := decode(snapshotFrames(done, url))
	if len(got) != 4 || got[0].Event != "turn_start" || got[1].Event != "reasoning_end" || *got[1].Text != "thought" ||
		*got[1].DurationMS != 1500 || got[2].Event != "stream_end" || *got[2].Text != "answer" ||
		got[3].Event != "turn_end" || got[3].Status != "done" {
		t.Fatalf("finished turn snapshot: %+v", got)
	}
	noReason := done
	noReason.Reasoning, noReason.ReasoningEndSeq = "", 0
	if got := decode(snapshotFrames(noReason, url)); len(got) != 3 {
		t.Fatalf("turn without reasoning: %+v", got)
	}
	streaming := done
	streaming.Status = "streaming"
	if got := snapshotFrames(streaming, url); got != nil {
		t.Fatalf("a streaming row replays from memory, not from the store: %v", got)
	}
	user := store.Message{ID: 1, ChatID: "c", Seq: 4, EndSeq: 4, Role: "user", Content: "q", Media: []store.MediaRef{{ID: "abc", MIME: "image/png"}}}
	fs := snapshotFrames(user, url)
	if len(fs) != 1 || !strings.Contains(string(fs[0].data), `"url":"/media/abc"`) || !strings.Contains(string(fs[0].data), `"event":"user_message"`) {
		t.Fatalf("user message snapshot: %s", fs[0].data)
	}
}

func TestAllocReservesAheadAndNeverPastTheReservation(t *testing.T) {
	r := newRoom("c", 7, 40) // restarted: last committed 7, reserved up to 40
	var reservations []int64
	reserve := func(_ context.Context, chat string, upTo int64) error {
		reservations = append(reservations, upTo)
		return nil
	}
	var seqs []int64
	for range seqReserveBlock + 2 {
		s, err := r.allocLocked(context.Background(), reserve)
		if err != nil {
			t.Fatal(err)
		}
		if s > r.reserved {
			t.Fatalf("handed out %d above the reservation %d", s, r.reserved)
		}
		seqs = append(seqs, s)
	}
	if seqs[0] != 41 {
		t.Fatalf("first seq after restart %d, want 41 (above the old reservation)", seqs[0])
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] != seqs[i-1]+1 {
			t.Fatalf("seqs not increasing by one within a run: %v", seqs[i-1:i+1])
		}
	}
	if want := []int64{41 + seqReserveBlock - 1, 41 + 2*seqReserveBlock - 1}; !reflect.DeepEqual(reservations, want) {
		t.Fatalf("reservations %v, want %v", reservations, want)
	}
	failing := newRoom("d", 0, 0)
	if _, err := failing.allocLocked(context.Background(), func(context.Context, string, int64) error { return errors.New("disk full") }); err == nil {
		t.Fatal("a failed reservation must not hand out a seq")
	}
	if failing.nextSeq != 1 {
		t.Fatalf("failed reservation consumed a seq: next %d", failing.nextSeq)
	}
}
