package store

import (
	"context"
	"slices"
	"testing"
)

func TestSplitSnippet(t *testing.T) {
	o, c := SnippetOpen, SnippetClose
	tests := []struct {
		in, plain string
		parts     []SnippetPart
	}{
		{"", "", []SnippetPart{}},
		{"plain", "plain", []SnippetPart{{"plain", false}}},
		{"a " + o + "word" + c + " b", "a word b", []SnippetPart{{"a ", false}, {"word", true}, {" b", false}}},
		{o + "two" + c + " " + o + "hits" + c, "two hits", []SnippetPart{{"two", true}, {" ", false}, {"hits", true}}},
		// Adjacent marks join into one run.
		{o + "ab" + c + o + "cd" + c, "abcd", []SnippetPart{{"abcd", true}}},
		// The message's own markdown stays text, never a highlight.
		{"**bold** " + o + "word" + c + " `code`", "**bold** word `code`", []SnippetPart{{"**bold** ", false}, {"word", true}, {" `code`", false}}},
		// A marker character that was in the message never reaches the client.
		{"x" + c + "y", "xy", []SnippetPart{{"xy", false}}},
	}
	for _, tc := range tests {
		plain, parts := splitSnippet(tc.in)
		if plain != tc.plain || !slices.Equal(parts, tc.parts) {
			t.Errorf("splitSnippet(%q) = %q %v, want %q %v", tc.in, plain, parts, tc.plain, tc.parts)
		}
	}
}

func TestSearchSnippetKeepsMarkdownApartFromHighlights(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c := mustChat(t, s, NewChat{Title: "Marks"})
	mustUser(t, s, c.ID, 1, "Some **bold** text about a wombat and `code`")
	hits, err := s.Search(ctx, "wombat", 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("hits %v %v", hits, err)
	}
	h := hits[0]
	if h.Snippet != "Some **bold** text about a wombat and `code`" {
		t.Errorf("snippet %q", h.Snippet)
	}
	want := []SnippetPart{{"Some **bold** text about a ", false}, {"wombat", true}, {" and `code`", false}}
	if !slices.Equal(h.Parts, want) {
		t.Errorf("parts %+v, want %+v", h.Parts, want)
	}
}
