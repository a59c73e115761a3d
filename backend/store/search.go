package store

import (
	"context"
	"fmt"
	"strings"
	"unicode"
)

// Snippet highlight markers FTS5 puts around matched words. They are
// private-use characters, split off into SearchHit.Parts before a hit leaves
// the store: markers made of text (markdown's **) could not be told apart
// from the same characters in the message, and a client rendering them as
// markdown would mix the highlight with the message's own markup.
const (
	SnippetOpen     = "\uE000"
	SnippetClose    = "\uE001"
	SnippetEllipsis = "…"
)

// SnippetPart is a run of a snippet's text; Match marks the matched words.
type SnippetPart struct {
	Text  string
	Match bool
}

const (
	// maxSearchTerms bounds the work one query can cause.
	maxSearchTerms = 32
	// defaultSearchWindow is how many of the newest matches are ranked.
	defaultSearchWindow = 2000
)

// SearchHit is one matching message. Rank is higher for better matches
// (negated FTS5 bm25, content weighted twice as much as reasoning). Snippet
// is the excerpt as plain text; Parts is the same text in runs, the matched
// words marked.
type SearchHit struct {
	ChatID, ChatTitle string
	MessageID, Seq    int64
	Role, Snippet     string
	Parts             []SnippetPart
	Rank              float64
	// OnPath: the message is on its chat's active path; to show another
	// branch's message, a client switches to it first.
	OnPath bool
}

// Search finds finished messages whose content or reasoning contains all
// words of query (diacritics and case ignored; the last word also matches as
// a prefix while it is being typed). The text is never interpreted as FTS5
// syntax. Hits are ordered by relevance among the newest 2000 matching
// messages, which bounds the cost of very common words. limit defaults to
// 50, max 500. An empty query has no hits.
func (s *Store) Search(ctx context.Context, query string, limit int) ([]SearchHit, error) {
	match := matchExpr(query)
	if match == "" {
		return nil, nil
	}
	// bm25 costs a few microseconds per matching row: hundreds of
	// milliseconds for a word found in half of 100k messages. So only the
	// newest s.searchWindow matches are ranked; FTS5 walks rowids downwards
	// cheaply to find where that window starts. Snippets are made in the
	// same pass: revisiting the top rows one by one with MATCH costs more,
	// since FTS5 re-expands a prefix term on every lookup.
	rows, err := s.r.QueryContext(ctx, `SELECT m.chat_id, c.title, m.id, m.seq, m.role, top.snip, top.score, m.on_path
		FROM (
			SELECT rowid AS id, -bm25(messages_fts, 1.0, 0.5) AS score,
				snippet(messages_fts, -1, ?3, ?4, ?5, 16) AS snip
			FROM messages_fts
			WHERE messages_fts MATCH ?1 AND rowid >= coalesce((
				SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1
				ORDER BY rowid DESC LIMIT 1 OFFSET ?6), 0)
			ORDER BY score DESC, rowid DESC
			LIMIT ?2) AS top
		JOIN messages m ON m.id = top.id
		JOIN chats c ON c.id = m.chat_id
		ORDER BY top.score DESC, top.id DESC`,
		match, clampLimit(limit), SnippetOpen, SnippetClose, SnippetEllipsis, s.searchWindow-1)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var hits []SearchHit
	for rows.Next() {
		var h SearchHit
		if err := rows.Scan(&h.ChatID, &h.ChatTitle, &h.MessageID, &h.Seq, &h.Role, &h.Snippet, &h.Rank, &h.OnPath); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		h.Snippet, h.Parts = splitSnippet(h.Snippet)
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return hits, nil
}

// splitSnippet turns FTS5's marked snippet into plain text and runs. A
// marker character that was in the message itself only moves a highlight's
// edge: it never reaches the client, and nothing in the text is markup.
func splitSnippet(marked string) (string, []SnippetPart) {
	var plain strings.Builder
	parts := []SnippetPart{}
	match := false
	for marked != "" {
		i := strings.IndexAny(marked, SnippetOpen+SnippetClose)
		text := marked
		if i >= 0 {
			text = marked[:i]
		}
		if text != "" {
			plain.WriteString(text)
			if n := len(parts); n > 0 && parts[n-1].Match == match {
				parts[n-1].Text += text
			} else {
				parts = append(parts, SnippetPart{Text: text, Match: match})
			}
		}
		if i < 0 {
			break
		}
		match = strings.HasPrefix(marked[i:], SnippetOpen)
		marked = marked[i+len(SnippetOpen):] // both markers are 3 bytes
	}
	return plain.String(), parts
}

// matchExpr turns user text into an FTS5 expression that cannot be a syntax
// error: every whitespace-separated word becomes a quoted string (FTS5 then
// tokenises it, so "don't" is the phrase "don t"), words are ANDed, and
// words without a letter or digit are dropped because they would be empty
// phrases. The last word becomes a prefix query unless the text ends in
// space, i.e. the user finished typing it.
func matchExpr(query string) string {
	// SQLite reads the expression as a C string: a NUL would cut it inside
	// a quoted term. Other control characters are not words either.
	query = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(query, " "))
	words := strings.Fields(query)
	var terms []string
	lastKept := -1
	for i, w := range words {
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) {
			continue
		}
		terms = append(terms, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
		lastKept = i
		if len(terms) == maxSearchTerms {
			break
		}
	}
	if len(terms) == 0 {
		return ""
	}
	finished := !strings.HasSuffix(query, words[len(words)-1]) // trailing space
	if lastKept == len(words)-1 && !finished {
		terms[len(terms)-1] += "*"
	}
	return strings.Join(terms, " ")
}
