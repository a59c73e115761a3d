package chats

import (
	"context"
	"errors"
	"fmt"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/view"
)

// Fork makes a new chat holding the path of chatID that ends at messageID,
// announces it to every connection, and returns it.
func (s *Service) Fork(ctx context.Context, chatID string, messageID int64) (protocol.Chat, error) {
	src, err := s.st(chatID).GetChat(ctx, chatID)
	if errors.Is(err, store.ErrNotFound) {
		return protocol.Chat{}, protocol.Refuse(protocol.ReasonNotFound, "no chat %s", chatID)
	}
	if err != nil {
		return protocol.Chat{}, fmt.Errorf("load chat %s: %w", chatID, err)
	}
	// A temporary chat's fork is temporary too: neither is to be kept.
	c, err := s.st(chatID).ForkChat(ctx, chatID, messageID, forkTitle(src.Title))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return protocol.Chat{}, protocol.RefuseCause(protocol.ReasonNotFound, err, "no message %d in chat %s", messageID, chatID)
	case errors.Is(err, store.ErrInvalid):
		return protocol.Chat{}, protocol.RefuseCause(protocol.ReasonBusy, err, "message %d is still being written; fork once it is done", messageID)
	case err != nil:
		return protocol.Chat{}, fmt.Errorf("fork chat %s: %w", chatID, err)
	}
	pc := view.Chat(c, false)
	s.opts.Broadcast(protocol.Encode(protocol.ChatCreated(pc)))
	return pc, nil
}

// forkTitle names a fork after its source. Pure.
func forkTitle(title string) string {
	if title == "" || title == view.DefaultTitle {
		return view.DefaultTitle
	}
	const prefix = "Fork of "
	if len(title)+len(prefix) > protocol.MaxTitleBytes {
		return title
	}
	return prefix + title
}
