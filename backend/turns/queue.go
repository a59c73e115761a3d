package turns

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/hearth-app/hearth/backend/store"
)

// Queued turns are kept in the store's settings (one key per chat), written
// in the same transaction as the message that joins the queue and as the
// answer row of the turn that leaves it, so a message queued behind a running
// turn is answered after Hearth is closed or crashes: at start-up the queue
// resumes.
const queueKeyPrefix = "queue:"

type queuedTurn struct {
	// UserSeq names the question; UserMessageID is what queues written by
	// earlier versions carry instead.
	UserSeq       int64  `json:"user_seq,omitempty"`
	UserMessageID int64  `json:"user_message_id,omitempty"`
	TurnID        string `json:"turn_id"`
	Model         string `json:"model,omitempty"`
	Effort        string `json:"reasoning_effort,omitempty"`
}

// queueSetting is the stored form of a chat's queue. Pure.
func queueSetting(chatID string, q []*turn) store.SettingWrite {
	w := store.SettingWrite{Key: queueKeyPrefix + chatID}
	if len(q) == 0 {
		return w
	}
	items := make([]queuedTurn, len(q))
	for i, t := range q {
		items[i] = queuedTurn{UserSeq: t.userSeq, UserMessageID: t.userMsgID, TurnID: t.id, Model: t.model, Effort: t.effort}
	}
	b, _ := json.Marshal(items)
	w.Value = string(b)
	return w
}

// resumeQueues starts the turns that were queued when Hearth last stopped.
func (e *Engine) resumeQueues(ctx context.Context) error {
	queues, err := e.opts.Store.SettingsWithPrefix(ctx, queueKeyPrefix)
	if err != nil {
		return err
	}
	for key, val := range queues {
		chatID := strings.TrimPrefix(key, queueKeyPrefix)
		var items []queuedTurn
		r, rerr := e.lockRoom(ctx, chatID)
		if json.Unmarshal([]byte(val), &items) != nil || rerr != nil {
			// A deleted chat or an unreadable entry: nothing to resume.
			if rerr == nil {
				r.mu.Unlock()
			}
			_ = e.opts.Store.DeleteSetting(ctx, key)
			continue
		}
		for _, it := range items {
			m, err := e.queuedMessage(ctx, chatID, it)
			if err != nil {
				if !errors.Is(err, store.ErrNotFound) {
					e.log.Warn("could not resume a queued message", "chat", chatID, "turn", it.TurnID, "err", err)
				}
				continue
			}
			t := newTurn(e.ctx, chatID, m.ID, it.Model, it.Effort)
			t.userSeq = m.Seq
			if it.TurnID != "" {
				t.id = it.TurnID
			}
			r.queue = append(r.queue, t)
		}
		e.log.Info("resuming queued messages", "chat", chatID, "count", len(r.queue))
		if r.turn == nil {
			e.advanceLocked(r)
		}
		r.mu.Unlock()
	}
	return nil
}

func (e *Engine) queuedMessage(ctx context.Context, chatID string, it queuedTurn) (store.Message, error) {
	var m store.Message
	var err error
	if it.UserSeq > 0 {
		m, err = e.st(chatID).MessageBySeq(ctx, chatID, it.UserSeq)
	} else {
		m, err = e.st(chatID).GetMessage(ctx, it.UserMessageID)
	}
	if err != nil {
		return m, err
	}
	if m.ChatID != chatID || m.Role != store.RoleUser {
		return m, store.ErrNotFound
	}
	return m, nil
}
