package app

import "testing"

// mergedDeltas is the canonical form of a turn's events for comparing a live
// stream with a resumed one: a replay merges consecutive deltas of a kind
// into frames carrying the last merged seq (docs/protocol.md), so runs of
// consecutive deltas are compared as their joined text and last seq. Every
// other event keeps its seq and text.
func mergedDeltas(evs [][3]any) [][3]any {
	var out [][3]any
	for _, e := range evs {
		kind := e[0]
		if n := len(out); n > 0 && (kind == "delta" || kind == "reasoning_delta") && out[n-1][0] == kind {
			prev, _ := out[n-1][2].(string)
			cur, _ := e[2].(string)
			out[n-1] = [3]any{kind, e[1], prev + cur}
			continue
		}
		out = append(out, e)
	}
	return out
}

// strictlyIncreasing fails when seqs repeat or go back: a doubled or
// reordered event.
func strictlyIncreasing(t *testing.T, evs [][3]any) {
	t.Helper()
	var last int64
	for _, e := range evs {
		s := e[1].(int64)
		if s <= last {
			t.Fatalf("seq %d after %d in %v", s, last, evs)
		}
		last = s
	}
}
