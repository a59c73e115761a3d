package ids

import (
	"strings"
	"testing"
)

func TestValidChat(t *testing.T) {
	for _, tt := range []struct {
		id string
		ok bool
	}{
		{"c1", true}, {"a_b:c-D9", true}, {strings.Repeat("a", 64), true},
		{"", false}, {strings.Repeat("a", 65), false}, {"a b", false}, {"é", false}, {"a/b", false}, {"a.b", false},
	} {
		if got := ValidChat(tt.id); got != tt.ok {
			t.Errorf("ValidChat(%q) = %v, want %v", tt.id, got, tt.ok)
		}
	}
}

func TestValidMedia(t *testing.T) {
	hex := strings.Repeat("0123456789abcdef", 4)
	for _, tt := range []struct {
		id string
		ok bool
	}{
		{hex, true}, {strings.ToUpper(hex), false}, {hex[:63], false}, {hex + "0", false}, {"../" + hex[3:], false}, {"", false},
	} {
		if got := ValidMedia(tt.id); got != tt.ok {
			t.Errorf("ValidMedia(%q) = %v, want %v", tt.id, got, tt.ok)
		}
	}
}

func TestMintedIDsAreValidChatIDsAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, mint := range []func() string{Chat, Turn, Client, Error} {
		for range 100 {
			id := mint()
			if !ValidChat(id) || len(id) != 16 {
				t.Fatalf("minted %q: not a valid 16-character id", id)
			}
			if seen[id] {
				t.Fatalf("minted %q twice", id)
			}
			seen[id] = true
		}
	}
}
