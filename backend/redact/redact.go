// Package redact hides credentials in text that is logged, shown or sent to
// clients. It is its own package so config and llm share one rule without
// depending on each other.
package redact

import "strings"

// URL hides a URL's user:password@ (a credential like an API key). The rest
// of the text is kept as it was, so the user recognises what they typed; it
// works on text that does not parse as a URL too.
func URL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return s
	}
	return scheme + "://xxxxx" + rest[at:]
}
