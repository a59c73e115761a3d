package dispatch

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// A search hit opens its chat around the hit: the page holds the hit with
// messages on both sides, says that more lie in both directions, and paging
// up (before_seq) and down (after_seq) from there walks the whole chat with
// no gap and no repeat.
func TestSearchHitOpensTheHistoryAroundIt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var msgs []store.Message
	for i := 1; i <= 120; i++ {
		role, text := store.RoleUser, fmt.Sprintf("question %d", i)
		if i%2 == 0 {
			role, text = store.RoleAssistant, fmt.Sprintf("answer %d", i)
		}
		if i == 6 {
			text = "answer 6 mentions the **axolotl** in bold"
		}
		msgs = append(msgs, store.Message{Role: role, Content: text, Status: store.StatusDone})
	}
	c, err := f.st.ImportChat(ctx, store.Chat{Title: "Long"}, msgs)
	if err != nil {
		t.Fatal(err)
	}
	s := Session{Sink: newSink()}
	evs := f.run(s, protocol.Search{Base: protocol.Base{ReqID: "q"}, Query: "axolotl"})
	hits := evs[0].Items.([]protocol.SearchHit)
	if len(hits) != 1 || hits[0].ChatID != c.ID {
		t.Fatalf("hits %+v", hits)
	}
	hit := hits[0]
	if hit.Snippet != "answer 6 mentions the **axolotl** in bold" ||
		!slices.Equal(hit.SnippetParts, []protocol.SnippetPart{{Text: "answer 6 mentions the **"}, {Text: "axolotl", Match: true}, {Text: "** in bold"}}) {
		t.Errorf("snippet %q parts %+v", hit.Snippet, hit.SnippetParts)
	}

	page := func(cmd protocol.GetHistory) (items []protocol.Message, older, newer bool) {
		t.Helper()
		cmd.ChatID, cmd.Limit = c.ID, 20
		evs := f.run(s, cmd)
		if len(evs) != 1 || evs[0].Event != protocol.EvHistory || evs[0].HasMore == nil || evs[0].HasNewer == nil {
			t.Fatalf("history %+v: %+v", cmd, evs)
		}
		if *evs[0].LastSeq != c.LastSeq {
			t.Errorf("last_seq %d, want %d", *evs[0].LastSeq, c.LastSeq)
		}
		return evs[0].Items.([]protocol.Message), *evs[0].HasMore, *evs[0].HasNewer
	}
	around, older, newer := page(protocol.GetHistory{AroundSeq: hit.Seq})
	if !slices.ContainsFunc(around, func(m protocol.Message) bool { return m.ID == hit.MessageID }) || len(around) != 20 || older || !newer {
		t.Fatalf("around seq %d: %d items from seq %d, older %v newer %v", hit.Seq, len(around), around[0].Seq, older, newer)
	}
	// From the middle: both directions. An import numbers a question with
	// one seq and an answer with three (start, stream_end, turn_end), so
	// answer 60 starts at seq 118.
	mid, older, newer := page(protocol.GetHistory{AroundSeq: 118})
	if len(mid) != 20 || mid[0].Content != "answer 50" || mid[10].Content != "answer 60" || !older || !newer {
		t.Fatalf("around seq 118: %d items from %q, older %v newer %v", len(mid), mid[0].Content, older, newer)
	}
	all := mid
	for more := true; more; {
		var items []protocol.Message
		items, more, _ = page(protocol.GetHistory{BeforeSeq: all[0].Seq})
		all = append(items, all...)
	}
	for more := true; more; {
		after := all[len(all)-1].Seq
		var items []protocol.Message
		items, _, more = page(protocol.GetHistory{AfterSeq: &after})
		all = append(all, items...)
	}
	if len(all) != 120 {
		t.Fatalf("paged %d messages, want 120", len(all))
	}
	for i, m := range all {
		if m.ID != all[0].ID+int64(i) || (i > 0 && m.Seq <= all[i-1].Seq) {
			t.Fatalf("message %d is id %d seq %d after seq %d: a gap or a repeat", i, m.ID, m.Seq, all[max(i-1, 0)].Seq)
		}
	}
	evs = f.run(s, protocol.GetHistory{Base: protocol.Base{ReqID: "x"}, ChatID: "c-missing", AroundSeq: 3})
	if len(evs) != 1 || evs[0].Reason != protocol.ReasonNotFound {
		t.Errorf("around in a missing chat: %+v", evs)
	}
}
