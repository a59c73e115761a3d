package agent

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/hearth-app/hearth/backend/store"
)

// Queued turns are kept in the store's settings (one key per chat), so a
// message queued behind a running turn is still answered after Hearth is
// closed or crashes: at start-up the queue resumes.
const queueKeyPrefix = "queue:"

type queuedTurn struct {
	UserMessageID int64  `json:"user_message_id"`
	TurnID        string `json:"turn_id"`
	Model         string `json:"model,omitempty"`
	Effort        string `json:"reasoning_effort,omitempty"`
}

// persistQueueLocked writes the chat's queue as it is now. Caller holds r.mu.
func (e *Engine) persistQueueLocked(ctx context.Context, r *room) {
	key := queueKeyPrefix + r.id
	var err error
	if len(r.queue) == 0 {
		err = e.opts.Store.DeleteSetting(ctx, key)
	} else {
		items := make([]queuedTurn, len(r.queue))
		for i, t := range r.queue {
			items[i] = queuedTurn{UserMessageID: t.userMsgID, TurnID: t.id, Model: t.model, Effort: t.effort}
		}
		b, _ := json.Marshal(items)
		err = e.opts.Store.SetSetting(ctx, key, string(b))
	}
	if err != nil {
		e.log.Warn("could not save the queue; queued messages may not be answered after a restart", "chat", r.id, "err", err)
	}
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
		r, rerr := e.roomFor(ctx, chatID)
		if json.Unmarshal([]byte(val), &items) != nil || rerr != nil {
			// A deleted chat or an unreadable entry: nothing to resume.
			_ = e.opts.Store.DeleteSetting(ctx, key)
			continue
		}
		r.mu.Lock()
		for _, it := range items {
			m, err := e.opts.Store.GetMessage(ctx, it.UserMessageID)
			if err != nil || m.ChatID != chatID || m.Role != store.RoleUser {
				continue
			}
			t := newTurn(e.ctx, chatID, m.ID, it.Model, it.Effort)
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
