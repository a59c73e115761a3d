package main

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestScriptAnswersAreKnownInFull(t *testing.T) {
	p := prompt("r01c2b1m3", kindQueued)
	tag, kind, ok := parsePrompt(p)
	if !ok || tag != "r01c2b1m3" || kind != kindQueued {
		t.Fatalf("parsePrompt(%q) = %q %q %v", p, tag, kind, ok)
	}
	var b strings.Builder
	for _, st := range scriptFor(p).Steps {
		if st.Reasoning != "" {
			t.Fatalf("reasoning step %+v", st)
		}
		b.WriteString(st.Content)
	}
	if got, want := b.String(), answerFor(p); got != want || !strings.HasPrefix(want, "r01c2b1m3-001 ") || strings.Count(want, " ") != shapes[kindQueued].words {
		t.Fatalf("streamed %q, answer %q", got, want)
	}
	for _, bad := range []string{"", "chaos x", "chaos x fast", "hello there you"} {
		if _, _, ok := parsePrompt(bad); ok || answerFor(bad) != "" {
			t.Errorf("%q taken for a chaos prompt", bad)
		}
	}
	if sc := scriptFor("hello"); len(sc.Steps) != 1 || sc.Fail != "" {
		t.Errorf("unknown prompt: %+v", sc)
	}
}

func TestPrefixRelated(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"", "", true}, {"ab", "", true}, {"", "ab", true}, {"abc", "ab", true}, {"ab", "abc", true}, {"abc", "abd", false}} {
		if got := prefixRelated(c.a, c.b); got != c.want {
			t.Errorf("prefixRelated(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func TestDiffAt(t *testing.T) {
	got := diffAt("hello world", "hello there")
	if !strings.Contains(got, "got 11 bytes, want 11") || !strings.Contains(got, "at byte 6") {
		t.Errorf("diffAt: %s", got)
	}
	if got := diffAt("abc", "abcdef"); !strings.Contains(got, "at byte 3") {
		t.Errorf("diffAt of a prefix: %s", got)
	}
}

func TestOrdinal(t *testing.T) {
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 112: "112th"} {
		if got := ordinal(n); got != want {
			t.Errorf("ordinal(%d) = %s", n, got)
		}
	}
}

func TestSignatureIgnoresTextSoCoalescedReplaysMatch(t *testing.T) {
	a, b := "one", "one two"
	if signature(frame{Event: "delta", TurnID: "t1", Text: &a}) != signature(frame{Event: "delta", TurnID: "t1", Text: &b}) {
		t.Error("a delta's signature depends on its text")
	}
	acc := frame{Event: "message_accepted", Message: &message{ID: 7}}
	um := frame{Event: "user_message", Message: &message{ID: 7}}
	if signature(acc) != signature(um) {
		t.Error("the sender's and the others' view of one user message differ")
	}
	if signature(frame{Event: "turn_end", TurnID: "t1"}) == signature(frame{Event: "turn_end", TurnID: "t2"}) {
		t.Error("two turns' ends share a signature")
	}
}

// The plan of a round depends on the seed only: the same seed, the same kills.
func TestPlansAreSeeded(t *testing.T) {
	plans := func(seed uint64) []roundPlan {
		s := &crashSuite{o: options{kindOffset: 2}, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
		s.chats = make([]*chatState, 4)
		var out []roundPlan
		for r := 1; r <= 10; r++ {
			out = append(out, s.makePlan(r))
		}
		return out
	}
	a, b, c := plans(5), plans(5), plans(6)
	same := func(x, y []roundPlan) bool {
		for i := range x {
			if x[i].trig != y[i].trig || !slices.Equal(x[i].burst1, y[i].burst1) || !slices.Equal(x[i].burst2, y[i].burst2) {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Fatal("one seed, two plans")
	}
	if same(a, c) {
		t.Fatal("two seeds, one plan")
	}
	kinds := map[string]bool{}
	for _, p := range a {
		kinds[p.trig.kind] = true
		if p.trig.n < 1 {
			t.Fatalf("trigger %+v", p.trig)
		}
		for i := range p.burst1 {
			if p.burst1[i] < 1 || p.burst1[i] > 4 || p.burst2[i] < 0 || p.burst2[i] > 3 {
				t.Fatalf("bursts %v %v", p.burst1, p.burst2)
			}
		}
	}
	if len(kinds) != len(triggerKinds) {
		t.Fatalf("ten rounds cover kill kinds %v, want all of %v", kinds, triggerKinds)
	}
}
