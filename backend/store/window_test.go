package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

func TestHistoryAroundAndAfter(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c := mustChat(t, s, NewChat{})
	for i := int64(1); i <= 120; i++ { // seqs 2, 4, ..., 240
		mustUser(t, s, c.ID, 2*i, fmt.Sprint("m", i))
	}
	around := []struct {
		name         string
		seq, upTo    int64
		limit        int
		want         []int64
		older, newer bool
	}{
		{"middle", 120, 0, 10, seqRange(110, 128, 2), true, true},
		{"near the start", 12, 0, 10, seqRange(2, 20, 2), false, true},
		{"first", 2, 0, 4, seqRange(2, 8, 2), false, true},
		{"near the end fills upward", 236, 0, 10, seqRange(222, 240, 2), true, false},
		{"between seqs", 121, 0, 4, []int64{118, 120, 122, 124}, true, true},
		{"bounded above fills downward", 120, 124, 10, seqRange(106, 124, 2), true, false},
		{"whole chat", 120, 0, 500, seqRange(2, 240, 2), false, false},
		{"odd limit keeps the hit on the newer side", 120, 0, 3, []int64{118, 120, 122}, true, true},
	}
	for _, tc := range around {
		t.Run("around "+tc.name, func(t *testing.T) {
			msgs, older, newer, err := s.HistoryAround(ctx, c.ID, tc.seq, tc.upTo, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(seqs(msgs), tc.want) || older != tc.older || newer != tc.newer {
				t.Errorf("got %v older=%v newer=%v, want %v older=%v newer=%v", seqs(msgs), older, newer, tc.want, tc.older, tc.newer)
			}
		})
	}
	after := []struct {
		name      string
		seq, upTo int64
		limit     int
		want      []int64
		older     bool
		newer     bool
	}{
		{"from the start", 0, 0, 5, seqRange(2, 10, 2), false, true},
		{"middle", 120, 0, 3, []int64{122, 124, 126}, true, true},
		{"to the end", 230, 0, 50, seqRange(232, 240, 2), true, false},
		{"exact fit", 230, 0, 5, seqRange(232, 240, 2), true, false},
		{"bounded above", 230, 236, 50, seqRange(232, 236, 2), true, false},
		{"nothing newer", 240, 0, 50, nil, true, false},
	}
	for _, tc := range after {
		t.Run("after "+tc.name, func(t *testing.T) {
			msgs, older, newer, err := s.HistoryAfter(ctx, c.ID, tc.seq, tc.upTo, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(seqs(msgs), tc.want) || older != tc.older || newer != tc.newer {
				t.Errorf("got %v older=%v newer=%v, want %v older=%v newer=%v", seqs(msgs), older, newer, tc.want, tc.older, tc.newer)
			}
		})
	}
	if _, _, _, err := s.HistoryAround(ctx, "nope", 1, 0, 10); err == nil {
		t.Error("around in a missing chat: no error")
	} else {
		wantErr(t, err, ErrNotFound)
	}
	_, _, _, err := s.HistoryAfter(ctx, "nope", 1, 0, 10)
	wantErr(t, err, ErrNotFound)
}
