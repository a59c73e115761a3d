package cli

import (
	"testing"

	"github.com/hearth-app/hearth/backend/protocol"
)

func TestSnippetLineBoldsOnlyTheMatchedWords(t *testing.T) {
	hit := protocol.SearchHit{Snippet: "a **b** word\n\tand\x1b[31m more", SnippetParts: []protocol.SnippetPart{
		{Text: "a **b** "}, {Text: "word", Match: true}, {Text: "\n\tand\x1b[31m more"},
	}}
	if got, want := snippetLine(hit, 100, false), "a **b** word and[31m more"; got != want {
		t.Errorf("plain: %q, want %q", got, want)
	}
	if got, want := snippetLine(hit, 100, true), "a **b** \x1b[1mword\x1b[22m and[31m more"; got != want {
		t.Errorf("bold: %q, want %q", got, want)
	}
	if got, want := snippetLine(hit, 10, true), "a **b** \x1b[1mw\x1b[22m…"; got != want {
		t.Errorf("cut: %q, want %q", got, want)
	}
	// An older server sends only the snippet.
	if got := snippetLine(protocol.SearchHit{Snippet: "just text"}, 100, true); got != "just text" {
		t.Errorf("no parts: %q", got)
	}
}

func TestChatLink(t *testing.T) {
	if got, want := ChatLink("http://127.0.0.1:5/", "t+k", "c1"), "http://127.0.0.1:5/#token=t%2Bk&chat=c1"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got, want := ChatLink("http://127.0.0.1:5", "t", "c1"), "http://127.0.0.1:5/#token=t&chat=c1"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
