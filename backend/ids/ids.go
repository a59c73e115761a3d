// Package ids is the one place ids are minted and checked: chat, turn, client
// and error ids, and the shape of a media id (its content's SHA-256).
package ids

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

var enc = base32.StdEncoding.WithPadding(base32.NoPadding)

// New returns prefix followed by 15 lowercase base32 characters (75 random
// bits): unguessable, and safe in URLs, file names and chat ids.
func New(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + strings.ToLower(enc.EncodeToString(b[:]))[:15]
}

// Chat mints a chat id.
func Chat() string { return New("c") }

// temporaryPrefix marks the id of a temporary chat (kept in memory only);
// a chat id minted by Chat never has a ':'.
const temporaryPrefix = "tmp:"

// TemporaryChat mints the id of a temporary chat.
func TemporaryChat() string { return New(temporaryPrefix) }

// IsTemporary reports whether id names a temporary chat.
func IsTemporary(id string) bool { return strings.HasPrefix(id, temporaryPrefix) }

// Turn mints a turn id.
func Turn() string { return New("t") }

// Client mints a connection's client id when it brought none.
func Client() string { return New("k") }

// Error names an internal error in the log and in what the client is told.
func Error() string { return New("e") }

// MaxChatLen bounds a chat id; ChatPattern is the rule, in words for refusals.
const (
	MaxChatLen  = 64
	ChatPattern = "^[A-Za-z0-9_:-]{1,64}$"
)

// ValidChat reports whether id is an acceptable chat id (ChatPattern).
func ValidChat(id string) bool {
	if len(id) == 0 || len(id) > MaxChatLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == ':' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// ValidMedia reports whether id has the shape of a media id: 64 lowercase hex
// digits. Only such strings are ever turned into paths.
func ValidMedia(id string) bool {
	if len(id) != 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
