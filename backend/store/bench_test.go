package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func BenchmarkAppendUserMessage(b *testing.B) {
	ctx := context.Background()
	s := openAt(b, filepath.Join(b.TempDir(), "hearth.db"))
	c := mustChat(b, s, NewChat{})
	text := strings.Repeat("a typical user message of moderate length ", 5)
	seq := int64(0)
	for b.Loop() {
		seq++
		if _, err := s.AppendUserMessage(ctx, c.ID, seq, text, nil, "m"); err != nil {
			b.Fatal(err)
		}
	}
}

// One checkpoint of a reply that has grown to about 4 KB, as the engine
// writes it every 250 ms while streaming.
func BenchmarkCheckpointAssistant(b *testing.B) {
	ctx := context.Background()
	s := openAt(b, filepath.Join(b.TempDir(), "hearth.db"))
	c := mustChat(b, s, NewChat{})
	m, err := s.StartAssistant(ctx, c.ID, "t", "m", 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	// About what 250 ms of a fast model brings.
	content := strings.Repeat("streamed answer text ", 20)
	reasoning := strings.Repeat("thinking about it ", 10)
	now := time.Now()
	part := 0
	for b.Loop() {
		if err := s.CheckpointAssistant(ctx, m.ID, part, Checkpoint{Content: content, Reasoning: reasoning,
			ReasoningStartedAt: &now}); err != nil {
			b.Fatal(err)
		}
		part++
	}
}

// BenchmarkLargeChat measures reads on one chat of 100k messages (plus the
// search index over them); the fixture is built once, outside the timings.
func BenchmarkLargeChat(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	s := openAt(b, filepath.Join(b.TempDir(), "hearth.db"))
	start := time.Now()
	chatID := buildLargeChat(b, s, n)
	b.Logf("fixture: %d messages in %v", n, time.Since(start).Round(time.Millisecond))

	b.Run("History50/newest", func(b *testing.B) {
		for b.Loop() {
			msgs, more, err := s.History(ctx, chatID, 0, 50)
			if err != nil || len(msgs) != 50 || !more {
				b.Fatal(len(msgs), more, err)
			}
		}
	})
	b.Run("History50/middle", func(b *testing.B) {
		for b.Loop() {
			msgs, _, err := s.History(ctx, chatID, n/2, 50)
			if err != nil || len(msgs) != 50 {
				b.Fatal(len(msgs), err)
			}
		}
	})
	b.Run("MessagesSince/last10", func(b *testing.B) {
		for b.Loop() {
			msgs, err := s.MessagesSince(ctx, chatID, n-10)
			if err != nil || len(msgs) != 10 {
				b.Fatal(len(msgs), err)
			}
		}
	})
	// "quartz" is in about 1% of messages, "zyzzyva" in 10 of them.
	for _, q := range []string{"quartz", "zyzzyva", "river stone", "riv"} {
		b.Run("Search20/"+q, func(b *testing.B) {
			for b.Loop() {
				hits, err := s.Search(ctx, q, 20)
				if err != nil || len(hits) == 0 {
					b.Fatal(len(hits), err)
				}
			}
		})
	}
	b.Run("ListChats", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.ListChats(ctx, ListChats{}); err != nil {
				b.Fatal(err)
			}
		}
	})

	// Branches. Switching between two versions of the last answer rewrites
	// two rows; between two versions of a question in the middle, the half
	// of the chat below it leaves the path and comes back.
	c, err := s.GetChat(ctx, chatID)
	if err != nil {
		b.Fatal(err)
	}
	seq := c.LastSeq
	next := func() int64 { seq++; return seq }
	last, err := s.GetMessage(ctx, c.ActiveLeaf)
	if err != nil {
		b.Fatal(err)
	}
	again, err := s.StartAssistant(ctx, chatID, "t-again", "m", next(), last.ParentID)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.FinishAssistant(ctx, again.ID, Final{Content: "again", Status: StatusDone, StreamEndSeq: next(), EndSeq: next()}); err != nil {
		b.Fatal(err)
	}
	b.Run("Switch/last-answer", func(b *testing.B) {
		ends := []int64{last.ID, again.ID}
		i := 0
		for b.Loop() {
			if _, err := s.SwitchBranch(ctx, chatID, ends[i%2], next()); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	mid, err := s.MessageBySeq(ctx, chatID, n/2+1) // a question
	if err != nil || mid.Role != RoleUser {
		b.Fatal(mid.Role, err)
	}
	if _, err := s.SwitchBranch(ctx, chatID, last.ID, next()); err != nil {
		b.Fatal(err)
	}
	edit, _, err := s.CommitUserMessage(ctx, UserMessage{ChatID: chatID, Seq: next(), Content: "edited", Beside: &mid.ID})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Switch/middle-of-100k", func(b *testing.B) {
		ends := []int64{mid.ID, edit.ID}
		i := 0
		for b.Loop() {
			if _, err := s.SwitchBranch(ctx, chatID, ends[i%2], next()); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	if _, err := s.SwitchBranch(ctx, chatID, mid.ID, next()); err != nil {
		b.Fatal(err)
	}
	b.Run("PathTo/edited-branch", func(b *testing.B) {
		for b.Loop() {
			msgs, more, err := s.PathTo(ctx, chatID, edit.ID, 0, 50)
			if err != nil || len(msgs) != 50 || !more || msgs[49].ID != edit.ID {
				b.Fatal(len(msgs), more, err)
			}
		}
	})
}

// buildLargeChat inserts n finished messages in one transaction through the
// real schema (so triggers and the FTS index do their normal work).
func buildLargeChat(b testing.TB, s *Store, n int) string {
	b.Helper()
	ctx := context.Background()
	c := mustChat(b, s, NewChat{Title: "large"})
	words := strings.Fields(`the a river stone light wind model answer question code function
		value table index query result reason token stream chat file path error test build
		green blue small large quick slow bright dark north south city forest ocean mountain`)
	rng := rand.New(rand.NewPCG(1, 2))
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.nowMS()
		var parent *int64
		for i := 1; i <= n; i++ {
			var sb strings.Builder
			for range 20 + rng.IntN(60) {
				sb.WriteString(words[rng.IntN(len(words))])
				sb.WriteByte(' ')
			}
			if i%100 == 0 {
				sb.WriteString("quartz ")
			}
			if i%10_000 == 0 {
				sb.WriteString("zyzzyva ")
			}
			role := RoleUser
			if i%2 == 0 {
				role = RoleAssistant
			}
			id, err := insertMessage(ctx, tx, Message{ChatID: c.ID, Seq: int64(i), EndSeq: int64(i), Role: role,
				Content: sb.String(), Status: StatusDone, ParentID: parent, OnPath: true}, now, now)
			if err != nil {
				return err
			}
			parent = &id
		}
		if _, err := tx.ExecContext(ctx, `UPDATE chats SET active_leaf = ? WHERE id = ?`, *parent, c.ID); err != nil {
			return err
		}
		return advanceChat(ctx, tx, c.ID, int64(n), int64(n), now)
	})
	if err != nil {
		b.Fatal(fmt.Errorf("build fixture: %w", err))
	}
	return c.ID
}

// BenchmarkCommitDurability compares a user message commit, which is synced
// (synchronous=FULL for its transaction), with a settings write of about the
// same size at the default synchronous=NORMAL: the price of "acknowledged
// means on disk".
func BenchmarkCommitDurability(b *testing.B) {
	ctx := context.Background()
	s := openAt(b, filepath.Join(b.TempDir(), "hearth.db"))
	c := mustChat(b, s, NewChat{})
	b.Run("user-message-synced", func(b *testing.B) {
		seq := int64(0)
		for b.Loop() {
			seq++
			if _, err := s.AppendUserMessage(ctx, c.ID, seq, "a question of a usual length, asked once", nil, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("setting-normal", func(b *testing.B) {
		for b.Loop() {
			if err := s.SetSetting(ctx, "bench", "a question of a usual length, asked once"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
