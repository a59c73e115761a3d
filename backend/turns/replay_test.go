package turns

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/store"
)

type decoded struct {
	Event string `json:"event"`
	Seq   int64  `json:"seq"`
	Text  string `json:"text"`
}

func decodeFrames(t *testing.T, fs []frame) []decoded {
	t.Helper()
	out := make([]decoded, len(fs))
	for i, f := range fs {
		if err := json.Unmarshal(f.data, &out[i]); err != nil {
			t.Fatal(err)
		}
		if out[i].Seq != f.seq {
			t.Fatalf("frame %d: seq %d in the frame, %d beside it", i, out[i].Seq, f.seq)
		}
	}
	return out
}

// A turn: turn_start 10, reasoning 11-13, reasoning_end 14, deltas 15-16, a
// queued user message took 17, deltas 18-20.
func sampleLive() liveTurn {
	var l liveText
	l.add(kindReasoning, 11, "hm")
	l.add(kindReasoning, 12, "m, ")
	l.add(kindReasoning, 13, "ok")
	l.add(kindContent, 15, "Hel")
	l.add(kindContent, 16, "lo")
	l.add(kindContent, 18, " wor")
	l.add(kindContent, 19, "ld")
	l.add(kindContent, 20, "!")
	return liveTurn{chatID: "c", turnID: "t", model: "m", msgID: 7, startSeq: 10, reasoningEndSeq: 14, reasoningMS: 5, text: &l}
}

func TestReplayLive(t *testing.T) {
	cases := []struct {
		since   int64
		maxText int
		want    string
	}{
		{0, 1 << 10, "turn_start@10 reasoning_delta@13:hmm, ok reasoning_end@14:hmm, ok delta@16:Hello delta@20: world!"},
		{10, 1 << 10, "reasoning_delta@13:hmm, ok reasoning_end@14:hmm, ok delta@16:Hello delta@20: world!"},
		{12, 1 << 10, "reasoning_delta@13:ok reasoning_end@14:hmm, ok delta@16:Hello delta@20: world!"},
		{14, 1 << 10, "delta@16:Hello delta@20: world!"},
		{15, 1 << 10, "delta@16:lo delta@20: world!"},
		{17, 1 << 10, "delta@20: world!"},
		{19, 1 << 10, "delta@20:!"},
		{20, 1 << 10, ""},
		// Merged frames never exceed maxText, but a single delta is never split.
		{14, 4, "delta@15:Hel delta@16:lo delta@18: wor delta@20:ld!"},
		{14, 1, "delta@15:Hel delta@16:lo delta@18: wor delta@19:ld delta@20:!"},
	}
	for _, c := range cases {
		var got []string
		for _, d := range decodeFrames(t, replayLive(sampleLive(), c.since, c.maxText)) {
			s := fmt.Sprintf("%s@%d", d.Event, d.Seq)
			if d.Text != "" {
				s += ":" + d.Text
			}
			got = append(got, s)
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("since %d max %d:\n got %s\nwant %s", c.since, c.maxText, g, c.want)
		}
	}
}

// 110k one-token deltas replay in a few frames, and a reader that saw any
// prefix gets exactly the rest.
func TestReplayLiveBoundsFramesOfAHugeTurn(t *testing.T) {
	var l liveText
	var all strings.Builder
	for i := range 110_000 {
		tok := fmt.Sprintf("t%d ", i%10)
		l.add(kindContent, int64(2+i), tok)
		all.WriteString(tok)
	}
	lt := liveTurn{chatID: "c", turnID: "t", startSeq: 1, text: &l}
	fs := replayLive(lt, 0, maxReplayText)
	if len(fs) > 2+all.Len()/maxReplayText+1 {
		t.Fatalf("%d frames for %d bytes", len(fs), all.Len())
	}
	for _, since := range []int64{0, 1, 2, 50_000, 110_000} {
		var got strings.Builder
		last := since
		for _, d := range decodeFrames(t, replayLive(lt, since, maxReplayText)) {
			if d.Seq <= last {
				t.Fatalf("since %d: seq %d after %d", since, d.Seq, last)
			}
			last = d.Seq
			got.WriteString(d.Text)
		}
		skip := max(0, since-1) // deltas 2..since were seen
		want := all.String()[int(skip)*3:]
		if got.String() != want {
			t.Fatalf("since %d: got %d bytes, want %d", since, got.Len(), len(want))
		}
	}
}

func TestReplayPager(t *testing.T) {
	user := func(id, seq int64) store.Message {
		return store.Message{ID: id, ChatID: "c", Role: "user", Seq: seq, EndSeq: seq, Status: "done"}
	}
	// A turn 2..9 that ended after the user message 5 queued during it.
	turn := store.Message{ID: 2, ChatID: "c", Role: "assistant", Seq: 2, StreamEndSeq: 8, EndSeq: 9, Status: "done", TurnID: "t"}
	p := &replayPager{since: 0, url: func(id string) string { return id }}
	seqs := func(fs []frame) (out []int64) {
		for _, f := range fs {
			out = append(out, f.seq)
		}
		return out
	}
	if got := seqs(p.add([]store.Message{user(1, 1), turn})); fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("first page sent %v", got)
	}
	if got := seqs(p.add([]store.Message{user(3, 5)})); fmt.Sprint(got) != "[5]" {
		t.Fatalf("second page sent %v", got)
	}
	if got := seqs(p.add([]store.Message{user(4, 10)})); fmt.Sprint(got) != "[8 9 10]" {
		t.Fatalf("third page sent %v", got)
	}
	if len(p.pending) != 0 {
		t.Fatalf("left pending %v", seqs(p.pending))
	}
}

func TestFitText(t *testing.T) {
	cases := []struct {
		have  int
		s     string
		limit int
		want  string
		cut   bool
	}{
		{0, "abc", 10, "abc", false},
		{8, "abc", 10, "ab", true},
		{10, "abc", 10, "", true},
		{7, "aé", 9, "a", true}, // é is two bytes: never half a rune
		{7, "aé", 10, "aé", false},
		{0, "日本", 5, "日", true},
	}
	for _, c := range cases {
		got, cut := fitText(c.have, c.s, c.limit)
		if got != c.want || cut != c.cut {
			t.Errorf("fitText(%d, %q, %d) = %q %v, want %q %v", c.have, c.s, c.limit, got, cut, c.want, c.cut)
		}
	}
}

func TestImageMessages(t *testing.T) {
	img := []store.MediaRef{{MIME: "image/png"}}
	vid := []store.MediaRef{{MIME: "video/mp4"}}
	in := []turnInput{
		{Role: "system"},
		{Role: "user", Media: img},      // 1
		{Role: "assistant"},             // 2
		{Role: "user", Media: vid},      // 3: a video only
		{Role: "user", Media: img},      // 4
		{Role: "assistant", Media: img}, // 5: not a user message
		{Role: "user"},                  // 6
		{Role: "user", Media: img},      // 7
	}
	for n, want := range map[int]string{1: "[7]", 2: "[4 7]", 3: "[1 4 7]", 9: "[1 4 7]"} {
		got := imageMessages(in, n)
		var idx []int
		for i := range in {
			if got[i] {
				idx = append(idx, i)
			}
		}
		if fmt.Sprint(idx) != want {
			t.Errorf("n=%d: %v, want %s", n, idx, want)
		}
	}
}
