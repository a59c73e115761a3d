package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// hostileQueries are inputs that are FTS5 syntax errors when passed raw.
func hostileQueries() []string {
	return []string{
		`foo"`, `AND(`, `"`, `""`, `*`, `foo*bar`, `NEAR(a b`, `a OR`, `OR`, `NOT x`, `-x`, `^start`,
		`content:zebra`, `{content reasoning}:x`, `(`, `)`, `a + b`, `'; DROP TABLE messages; --`,
		"\x00zebra", `🦓`, `zebra🦓`, `\`, `a"b"c`, `"zebra`, `zebra"*`, `***`, `:`, `.`,
		strings.Repeat("word ", 200), strings.Repeat(`"(`, 100), "\u0301", "zebra\u200b",
	}
}

func TestSearchNeverFailsOnUserText(t *testing.T) {
	s, _ := openTest(t)
	c := mustChat(t, s, NewChat{})
	mustUser(t, s, c.ID, 1, `zebra "quoted" AND(things) foo*bar`)
	for _, q := range hostileQueries() {
		if _, err := s.Search(context.Background(), q, 10); err != nil {
			t.Errorf("Search(%q): %v", q, err)
		}
	}
}

func FuzzSearchQuery(f *testing.F) {
	for _, q := range hostileQueries() {
		f.Add(q)
	}
	s, _ := openTest(f)
	c := mustChat(f, s, NewChat{})
	mustUser(f, s, c.ID, 1, "some searchable text with zebras")
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := s.Search(context.Background(), q, 5); err != nil {
			t.Fatalf("Search(%q) [match %q]: %v", q, matchExpr(q), err)
		}
	})
}

func TestMatchExpr(t *testing.T) {
	for in, want := range map[string]string{
		"":                "",
		"   ":             "",
		`"`:               "",
		"zebra":           `"zebra"*`,
		"zebra ":          `"zebra"`,
		"Zebra crossing":  `"Zebra" "crossing"*`,
		`foo"`:            `"foo"""*`,
		`AND(`:            `"AND("*`,
		"zebra ???":       `"zebra"`,
		"don't":           `"don't"*`,
		"a\tb\n":          `"a" "b"`,
		"content:x NEAR(": `"content:x" "NEAR("*`,
	} {
		if got := matchExpr(in); got != want {
			t.Errorf("matchExpr(%q) = %s, want %s", in, got, want)
		}
	}
	if got := strings.Count(matchExpr(strings.Repeat("w ", 100)), `"w"`); got != maxSearchTerms {
		t.Errorf("terms kept = %d", got)
	}
}

func TestSearchSemantics(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c1 := mustChat(t, s, NewChat{Title: "Animals"})
	c2 := mustChat(t, s, NewChat{Title: "Cafés"})
	z := mustUser(t, s, c1.ID, 1, "The zebra crossing is near the café")
	a, _ := s.StartAssistant(ctx, c1.ID, "t", "m", 2, nil)
	if err := s.FinishAssistant(ctx, a.ID, Final{Content: "Stripes help zebras.", Reasoning: "the user asks about a crossing",
		Status: StatusDone, EndSeq: 3}); err != nil {
		t.Fatal(err)
	}
	cafe := mustUser(t, s, c2.ID, 1, "Best CAFE in town? I'd say the one don't-miss place")

	tests := []struct {
		query string
		want  []int64 // message ids, best first
	}{
		{"zebra", []int64{z.ID, a.ID}},    // prefix on the last word finds "zebras" too
		{"zebra ", []int64{z.ID}},         // finished word: exact token
		{"ZEBRA crossing", []int64{z.ID}}, // all words must match (in content or reasoning)
		{"crossing", []int64{z.ID, a.ID}}, // content outranks reasoning
		{"cafe", []int64{z.ID, cafe.ID}},  // diacritics and case folded; the shorter text ranks first
		{"café", []int64{z.ID, cafe.ID}},
		{"don't-miss", []int64{cafe.ID}}, // punctuation inside a word: phrase
		{"miss don't", []int64{cafe.ID}},
		{"giraffe", nil},
		{`zebra"`, []int64{z.ID, a.ID}},
	}
	for _, tc := range tests {
		hits, err := s.Search(ctx, tc.query, 10)
		if err != nil {
			t.Fatalf("Search(%q): %v", tc.query, err)
		}
		var got []int64
		for _, h := range hits {
			got = append(got, h.MessageID)
		}
		if len(got) != len(tc.want) {
			t.Errorf("Search(%q) = %v, want %v", tc.query, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("Search(%q) = %v, want %v", tc.query, got, tc.want)
				break
			}
		}
	}

	hits, err := s.Search(ctx, "zebra crossing ", 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("hits %v %v", hits, err)
	}
	h := hits[0]
	if h.ChatID != c1.ID || h.ChatTitle != "Animals" || h.Seq != 1 || h.Role != RoleUser || h.Rank <= 0 ||
		!strings.Contains(h.Snippet, "zebra") || strings.ContainsAny(h.Snippet, SnippetOpen+SnippetClose) ||
		!slices.Contains(h.Parts, SnippetPart{Text: "zebra", Match: true}) {
		t.Errorf("hit %+v", h)
	}
	if hits, _ := s.Search(ctx, "zebra", 1); len(hits) != 1 {
		t.Errorf("limit ignored: %d hits", len(hits))
	}
	// A renamed chat shows its new title; an edited title is not stale.
	if _, err := s.UpdateChat(ctx, c1.ID, ChatPatch{Title: ptr("Stripes")}); err != nil {
		t.Fatal(err)
	}
	if hits, _ := s.Search(ctx, "zebra ", 1); hits[0].ChatTitle != "Stripes" {
		t.Errorf("title %q", hits[0].ChatTitle)
	}
	ftsIntegrity(t, s)
}

// Past searchWindow matches only the newest ones are ranked, so a very
// common word costs the same in a huge history as in a small one.
func TestSearchRanksNewestWindow(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	const window = 100
	s.searchWindow = window
	c := mustChat(t, s, NewChat{})
	// The oldest message is the best match by far; then window+50
	// weaker ones.
	mustUser(t, s, c.ID, 1, "kiwi kiwi kiwi")
	err := s.write(ctx, func(tx *sql.Tx) error {
		for i := int64(2); i <= window+51; i++ {
			_, err := insertMessage(ctx, tx, Message{ChatID: c.ID, Seq: i, EndSeq: i, Role: RoleUser,
				Content: "a long message that mentions kiwi once among many other words here", Status: StatusDone}, 0, 0)
			if err != nil {
				return err
			}
		}
		return advanceChat(ctx, tx, c.ID, window+51, window+51, 0)
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	hits, err := s.Search(ctx, "kiwi ", 50)
	t.Logf("search over %d matches: %v", window+51, time.Since(start))
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 50 {
		t.Fatalf("%d hits", len(hits))
	}
	for _, h := range hits {
		if h.Seq <= 51 {
			t.Fatalf("hit at seq %d is older than the newest %d matches", h.Seq, window)
		}
	}
	// Below the window everything is ranked: the strong old match wins.
	if err := s.DeleteChat(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	c = mustChat(t, s, NewChat{})
	best := mustUser(t, s, c.ID, 1, "kiwi kiwi kiwi")
	for i := int64(2); i <= 30; i++ {
		mustUser(t, s, c.ID, i, "a long message that mentions kiwi once among many other words here")
	}
	if hits, err := s.Search(ctx, "kiwi", 3); err != nil || len(hits) != 3 || hits[0].MessageID != best.ID {
		t.Fatalf("hits %+v %v", hits, err)
	}
}

// Editing a finished message (no API yet, but the triggers must be right for
// it) replaces its index entry, including words old and new text share.
func TestSearchIndexFollowsEdits(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c := mustChat(t, s, NewChat{})
	m := mustUser(t, s, c.ID, 1, "apple banana")
	rawExec(t, s.w, fmt.Sprintf(`UPDATE messages SET content = 'banana cherry' WHERE id = %d`, m.ID))
	ftsIntegrity(t, s)
	for q, want := range map[string]int{"apple ": 0, "banana ": 1, "cherry ": 1} {
		if hits, err := s.Search(ctx, q, 5); err != nil || len(hits) != want {
			t.Errorf("Search(%q) = %d hits, %v; want %d", q, len(hits), err, want)
		}
	}
}
