package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// organised makes chats c0..c9, one second apart (c9 newest), then pins c5,
// c2 and c8 in that order (a change bumps updated_at, so the last pinned is
// the newest) and archives c3, c6 and c7, c7 also pinned.
func organised(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	s, clk := openTest(t)
	for i := range 10 {
		clk.advance(time.Second)
		mustChat(t, s, NewChat{ID: fmt.Sprintf("c%d", i)})
	}
	patch := func(id string, p ChatPatch) {
		clk.advance(time.Second)
		if _, err := s.UpdateChat(ctx, id, p); err != nil {
			t.Fatal(err)
		}
	}
	patch("c5", ChatPatch{Pinned: ptr(true)})
	patch("c2", ChatPatch{Pinned: ptr(true)})
	patch("c8", ChatPatch{Pinned: ptr(true)})
	patch("c3", ChatPatch{Archived: ptr(true)})
	patch("c6", ChatPatch{Archived: ptr(true)})
	patch("c7", ChatPatch{Pinned: ptr(true), Archived: ptr(true)})
	return s
}

func TestListChatsPinnedFirstArchivedApart(t *testing.T) {
	ctx := context.Background()
	s := organised(t)
	all, err := s.ListChats(ctx, ListChats{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := chatIDsOf(all), "c8 c2 c5 c9 c4 c1 c0"; got != want {
		t.Errorf("default list = %q, want %q", got, want)
	}
	arch, err := s.ListChats(ctx, ListChats{Archived: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := chatIDsOf(arch), "c7 c6 c3"; got != want {
		t.Errorf("archived list = %q, want %q", got, want)
	}
	for _, c := range arch {
		if !c.Archived {
			t.Errorf("%s listed as archived but reads Archived false", c.ID)
		}
	}

	// Restoring puts a chat back, by its pin and its (bumped) activity.
	if _, err := s.UpdateChat(ctx, "c3", ChatPatch{Archived: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	all, _ = s.ListChats(ctx, ListChats{})
	if got, want := chatIDsOf(all), "c8 c2 c5 c3 c9 c4 c1 c0"; got != want {
		t.Errorf("after restoring c3 = %q, want %q", got, want)
	}
}

// Every page size walks both lists with the cursor of the page's last chat
// and meets each chat exactly once, in the one-page order: a page boundary
// inside the pinned chats, or between them and the rest, skips or repeats
// nothing.
func TestListChatsCursorAcrossPinned(t *testing.T) {
	ctx := context.Background()
	s := organised(t)
	for _, archived := range []bool{false, true} {
		whole, err := s.ListChats(ctx, ListChats{Archived: archived, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for limit := 1; limit <= len(whole)+1; limit++ {
			var got []Chat
			p := ListChats{Archived: archived, Limit: limit}
			for pages := 0; ; pages++ {
				if pages > len(whole)+1 {
					t.Fatalf("archived %v limit %d: paging does not end", archived, limit)
				}
				page, more, err := s.ChatPage(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, page...)
				if !more {
					break
				}
				last := page[len(page)-1]
				p.Before, p.BeforeID, p.BeforePinned = &last.UpdatedAt, last.ID, last.Pinned
			}
			if chatIDsOf(got) != chatIDsOf(whole) {
				t.Errorf("archived %v limit %d: pages read %q, want %q", archived, limit, chatIDsOf(got), chatIDsOf(whole))
			}
		}
	}
}

// The list reads chats_by_archived in order: no sort of the whole table per
// page, however many chats there are.
func TestListChatsUsesItsIndex(t *testing.T) {
	s, _ := openTest(t)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`SELECT id FROM chats WHERE archived = ? ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ?`, []any{0, 51}},
		{`SELECT id FROM chats WHERE archived = ? AND (pinned, updated_at, id) < (?, ?, ?) ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ?`, []any{1, 1, 5, "c", 51}},
	} {
		rows, err := s.r.Query(`EXPLAIN QUERY PLAN `+q.sql, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "; ")
		if !strings.Contains(p, "chats_by_archived") || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("plan of %q: %s", q.sql, p)
		}
	}
}
