package store

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCreateChat(t *testing.T) {
	ctx := context.Background()
	s, clk := openTest(t)
	idRE := regexp.MustCompile(`^c[a-z2-7]{15}$`)

	c := mustChat(t, s, NewChat{Title: "T", Model: "llama", System: "be brief"})
	if !idRE.MatchString(c.ID) {
		t.Errorf("generated id %q", c.ID)
	}
	if !c.CreatedAt.Equal(clk.now()) || !c.UpdatedAt.Equal(clk.now()) || c.Title != "T" ||
		c.Model != "llama" || c.System != "be brief" || c.Pinned || c.LastSeq != 0 || c.MessageCount != 0 {
		t.Errorf("created %+v", c)
	}
	got, err := s.GetChat(ctx, c.ID)
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Errorf("GetChat = %+v, %v; want %+v", got, err, c)
	}
	if other := mustChat(t, s, NewChat{}); other.ID == c.ID {
		t.Error("two generated ids are equal")
	}

	tests := []struct {
		id   string
		want error
	}{
		{"my:chat-1_A", nil},
		{"my:chat-1_A", ErrExists},
		{"", nil},
		{"has space", ErrInvalid},
		{"slash/", ErrInvalid},
		{"é", ErrInvalid},
		{string(make([]byte, 65)), ErrInvalid},
	}
	for _, tc := range tests {
		_, err := s.CreateChat(ctx, NewChat{ID: tc.id})
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("CreateChat(%q) = %v, want %v", tc.id, err, tc.want)
		}
	}
	_, err = s.GetChat(ctx, "nope")
	wantErr(t, err, ErrNotFound)
}

func TestTimesRoundTripMilliseconds(t *testing.T) {
	ctx := context.Background()
	s, clk := openTest(t)
	clk.advance(123*time.Millisecond + 456*time.Microsecond)
	c := mustChat(t, s, NewChat{})
	m, err := s.StartAssistant(ctx, c.ID, "t1", "m", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 3, 1, 12, 0, 1, 987_654_321, time.UTC)
	end := start.Add(1500 * time.Millisecond)
	if err := s.FinishAssistant(ctx, m.ID, Final{Status: StatusDone, EndSeq: 2,
		ReasoningStartedAt: &start, ReasoningEndedAt: &end}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetMessage(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ReasoningStartedAt.Equal(start.Truncate(time.Millisecond)) ||
		!got.ReasoningEndedAt.Equal(end.Truncate(time.Millisecond)) {
		t.Errorf("reasoning times %v %v", got.ReasoningStartedAt, got.ReasoningEndedAt)
	}
	if want := clk.now().Truncate(time.Millisecond); !got.CreatedAt.Equal(want) || got.CreatedAt.Nanosecond()%1e6 != 0 {
		t.Errorf("created %v, want %v", got.CreatedAt, want)
	}
}

func TestListChatsOrderAndPaging(t *testing.T) {
	ctx := context.Background()
	s, clk := openTest(t)
	// Five chats; b and c share an updated_at so the id tie-break matters.
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		if id != "c" {
			clk.advance(time.Second)
		}
		mustChat(t, s, NewChat{ID: id})
	}
	clk.advance(time.Second)
	if _, err := s.UpdateChat(ctx, "a", ChatPatch{Pinned: ptr(true)}); err != nil { // a becomes newest
		t.Fatal(err)
	}
	all, err := s.ListChats(ctx, ListChats{})
	if err != nil {
		t.Fatal(err)
	}
	if got := chatIDsOf(all); got != "a e d c b" {
		t.Fatalf("order = %q", got)
	}

	var pages []string
	var p ListChats
	p.Limit = 2
	for {
		page, err := s.ListChats(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		pages = append(pages, chatIDsOf(page))
		last := page[len(page)-1]
		p.Before, p.BeforeID = &last.UpdatedAt, last.ID
	}
	if got := strings.Join(pages, "|"); got != "a e|d c|b" {
		t.Errorf("pages = %q", got)
	}
	// Before alone is a strict time bound.
	b := all[3].UpdatedAt // c and b
	page, err := s.ListChats(ctx, ListChats{Before: &b})
	if err != nil || chatIDsOf(page) != "" {
		t.Errorf("Before only = %q, %v", chatIDsOf(page), err)
	}
}

func TestListChatsLimit(t *testing.T) {
	s, _ := openTest(t)
	for range 60 {
		mustChat(t, s, NewChat{})
	}
	for _, tc := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {7, 7}, {1000, 60}} {
		got, err := s.ListChats(context.Background(), ListChats{Limit: tc.limit})
		if err != nil || len(got) != tc.want {
			t.Errorf("Limit %d: %d chats, %v; want %d", tc.limit, len(got), err, tc.want)
		}
	}
}

// ChatPage says whether chats follow the page at every limit, the cap
// included: 501 chats read 500 at a time are a full page with more, then
// the last one with none.
func TestChatPageHasMoreAtTheCap(t *testing.T) {
	ctx := context.Background()
	s, clk := openTest(t)
	for range 501 {
		clk.advance(time.Millisecond)
		mustChat(t, s, NewChat{})
	}
	for _, tc := range []struct {
		limit, want int
		more        bool
	}{{500, 500, true}, {1000, 500, true}, {0, 50, true}, {501, 500, true}, {7, 7, true}} {
		page, more, err := s.ChatPage(ctx, ListChats{Limit: tc.limit})
		if err != nil || len(page) != tc.want || more != tc.more {
			t.Errorf("limit %d: %d chats, more %v, %v; want %d, more %v", tc.limit, len(page), more, err, tc.want, tc.more)
		}
	}
	first, _, err := s.ChatPage(ctx, ListChats{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	last := first[len(first)-1]
	rest, more, err := s.ChatPage(ctx, ListChats{Limit: 500, Before: &last.UpdatedAt, BeforeID: last.ID})
	if err != nil || len(rest) != 1 || more {
		t.Fatalf("second page: %d chats, more %v, %v; want 1, no more", len(rest), more, err)
	}
	seen := map[string]bool{}
	for _, c := range append(first, rest...) {
		seen[c.ID] = true
	}
	if len(seen) != 501 {
		t.Errorf("two pages hold %d distinct chats, want 501", len(seen))
	}
	// Exactly a page's worth: no more.
	if page, more, err := s.ChatPage(ctx, ListChats{Limit: 1, Before: &last.UpdatedAt, BeforeID: last.ID}); err != nil || len(page) != 1 || more {
		t.Errorf("last page of one: %d, more %v, %v", len(page), more, err)
	}
}

func TestUpdateChat(t *testing.T) {
	ctx := context.Background()
	s, clk := openTest(t)
	c := mustChat(t, s, NewChat{Title: "old", Model: "m", System: "sys"})
	clk.advance(time.Minute)
	got, err := s.UpdateChat(ctx, c.ID, ChatPatch{Title: ptr("new"), Pinned: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "new" || !got.Pinned || got.Model != "m" || got.System != "sys" || !got.UpdatedAt.Equal(clk.now()) {
		t.Errorf("patched %+v", got)
	}
	got, err = s.UpdateChat(ctx, c.ID, ChatPatch{System: ptr(""), Model: ptr("m2"), Pinned: ptr(false)})
	if err != nil || got.System != "" || got.Model != "m2" || got.Pinned || got.Title != "new" {
		t.Errorf("second patch %+v %v", got, err)
	}
	if same, err := s.UpdateChat(ctx, c.ID, ChatPatch{}); err != nil || !reflect.DeepEqual(same, got) {
		t.Errorf("empty patch %+v %v", same, err)
	}
	_, err = s.UpdateChat(ctx, "missing", ChatPatch{Title: ptr("x")})
	wantErr(t, err, ErrNotFound)
	_, err = s.UpdateChat(ctx, "missing", ChatPatch{})
	wantErr(t, err, ErrNotFound)
}

func TestDeleteChatCascades(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	img := mustMedia(t, s, "png bytes", "image/png")
	keep := mustChat(t, s, NewChat{})
	mustUser(t, s, keep.ID, 1, "zebra in the other chat", img.ID)
	c := mustChat(t, s, NewChat{})
	u := mustUser(t, s, c.ID, 1, "zebra crossing", img.ID)
	a, err := s.StartAssistant(ctx, c.ID, "t", "m", 2, &u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishAssistant(ctx, a.ID, Final{Content: "zebra answer", Status: StatusDone, EndSeq: 3}); err != nil {
		t.Fatal(err)
	}
	if hits, _ := s.Search(ctx, "zebra", 10); len(hits) != 3 {
		t.Fatalf("hits before delete = %d", len(hits))
	}

	if err := s.DeleteChat(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.DeleteChat(ctx, c.ID), ErrNotFound)
	_, err = s.GetChat(ctx, c.ID)
	wantErr(t, err, ErrNotFound)
	for q, want := range map[string]int{
		`SELECT count(*) FROM messages`:                                      1,
		`SELECT count(*) FROM message_media`:                                 1,
		`SELECT count(*) FROM media`:                                         1, // shared by hash; not owned by the chat
		`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'zebra'`: 1,
	} {
		if got := count(t, s, q); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
	hits, err := s.Search(ctx, "zebra", 10)
	if err != nil || len(hits) != 1 || hits[0].ChatID != keep.ID {
		t.Errorf("hits after delete = %+v %v", hits, err)
	}
	ftsIntegrity(t, s)
	if got, _ := s.GetChat(ctx, keep.ID); got.MessageCount != 1 {
		t.Errorf("other chat count = %d", got.MessageCount)
	}
}

func chatIDsOf(cs []Chat) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return strings.Join(out, " ")
}
