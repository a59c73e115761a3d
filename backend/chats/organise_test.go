package chats

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/turns"
)

// broadcasts keeps what the service sent to every connection.
type broadcasts struct {
	mu     sync.Mutex
	events []protocol.Event
}

func (b *broadcasts) send(frame []byte) {
	var e protocol.Event
	if err := json.Unmarshal(frame, &e); err != nil {
		panic(err)
	}
	b.mu.Lock()
	b.events = append(b.events, e)
	b.mu.Unlock()
}

func (b *broadcasts) chatUpdates() []protocol.Chat {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []protocol.Chat
	for _, e := range b.events {
		if e.Event != protocol.EvChatUpdated {
			continue
		}
		raw, _ := json.Marshal(e.Chat)
		var c protocol.Chat
		_ = json.Unmarshal(raw, &c)
		out = append(out, c)
	}
	return out
}

func newService(t *testing.T) (*Service, *store.Store, *broadcasts) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "hearth.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.DiscardHandler)
	eng := turns.New(turns.Options{Store: st, Logger: log})
	t.Cleanup(func() { _ = eng.Shutdown(context.Background()) })
	b := &broadcasts{}
	return New(Options{Store: st, Turns: eng, Broadcast: b.send, Logger: log}), st, b
}

func chatIDs(cs []protocol.Chat) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return strings.Join(out, " ")
}

func bp(b bool) *bool { return &b }

// Pin and archive through the service: each change is broadcast as
// chat_updated carrying the flags, the default list puts pinned chats first
// and leaves archived ones out, and list_chats {archived} lists those.
func TestPinAndArchiveThroughTheService(t *testing.T) {
	ctx := context.Background()
	s, _, b := newService(t)
	for i := range 6 {
		if _, err := s.create(ctx, fmt.Sprintf("c%d", i), "t", "", "", "", nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct updated_at, in creation order
	}
	for _, u := range []protocol.UpdateChat{
		{ChatID: "c1", Pinned: bp(true)},
		{ChatID: "c4", Archived: bp(true)},
		{ChatID: "c2", Archived: bp(true), Pinned: bp(true)},
	} {
		time.Sleep(2 * time.Millisecond)
		pc, err := s.UpdateChat(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if u.Archived != nil && pc.Archived != *u.Archived || u.Pinned != nil && pc.Pinned != *u.Pinned {
			t.Errorf("update %+v returned %+v", u, pc)
		}
	}
	ups := b.chatUpdates()
	if len(ups) != 3 || ups[1].ID != "c4" || !ups[1].Archived || ups[2].ID != "c2" || !ups[2].Archived || !ups[2].Pinned {
		t.Errorf("chat_updated broadcasts %+v", ups)
	}

	all, more, _, err := s.ListChats(ctx, 0, "", false)
	if err != nil || more {
		t.Fatal(err, more)
	}
	if got, want := chatIDs(all), "c1 c5 c3 c0"; got != want {
		t.Errorf("list = %q, want %q", got, want)
	}
	arch, _, _, err := s.ListChats(ctx, 0, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := chatIDs(arch), "c2 c4"; got != want {
		t.Errorf("archived list = %q, want %q", got, want)
	}
	for _, c := range arch {
		if !c.Archived {
			t.Errorf("%s in the archived list reads archived false", c.ID)
		}
	}

	if _, err := s.UpdateChat(ctx, protocol.UpdateChat{ChatID: "c4", Archived: bp(false)}); err != nil {
		t.Fatal(err)
	}
	all, _, _, _ = s.ListChats(ctx, 0, "", false)
	if got, want := chatIDs(all), "c1 c4 c5 c3 c0"; got != want {
		t.Errorf("after restoring c4: %q, want %q", got, want)
	}
}

// next_before pages the list one chat at a time across the pinned chats and
// into the others; every chat comes exactly once.
func TestCursorPagesAcrossPinnedChats(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService(t)
	for i := range 7 {
		if _, err := s.create(ctx, fmt.Sprintf("c%d", i), "t", "", "", "", nil); err != nil {
			t.Fatal(err)
		}
	}
	// Pinning an older chat later gives it the newest updated_at; pin
	// chats whose times interleave with the rest.
	for _, id := range []string{"c0", "c3", "c5"} {
		time.Sleep(2 * time.Millisecond)
		if _, err := s.UpdateChat(ctx, protocol.UpdateChat{ChatID: id, Pinned: bp(true)}); err != nil {
			t.Fatal(err)
		}
	}
	whole, _, _, err := s.ListChats(ctx, 100, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if !whole[0].Pinned || !whole[2].Pinned || whole[3].Pinned {
		t.Fatalf("pinned chats not first: %+v", whole)
	}
	for _, limit := range []int{1, 2, 3, 4} {
		var got []protocol.Chat
		before := ""
		for range 20 {
			page, more, next, err := s.ListChats(ctx, limit, before, false)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, page...)
			if !more {
				break
			}
			if next == "" {
				t.Fatal("more chats but no cursor")
			}
			before = next
		}
		if chatIDs(got) != chatIDs(whole) {
			t.Errorf("limit %d: pages read %q, want %q", limit, chatIDs(got), chatIDs(whole))
		}
	}
	if _, _, _, err := s.ListChats(ctx, 1, "p:x:c1", false); protocol.ReasonOf(err) != protocol.ReasonInvalidField {
		t.Errorf("a malformed cursor: %v", err)
	}
}
