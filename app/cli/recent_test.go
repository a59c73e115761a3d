package cli

import (
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
)

func TestMostRecentIsTheLastUsedNotTheFirstListed(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	chats := []protocol.Chat{
		{ID: "pinned-old", Pinned: true, UpdatedAt: t0},
		{ID: "newest", UpdatedAt: t0.Add(time.Hour)},
		{ID: "older", UpdatedAt: t0.Add(time.Minute)},
	}
	if got := mostRecent(chats); got != "newest" {
		t.Errorf("mostRecent = %q, want newest", got)
	}
	if got := mostRecent(nil); got != "" {
		t.Errorf("mostRecent(nil) = %q", got)
	}
}
