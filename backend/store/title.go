package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ReplaceTitle sets the chat's title to title only while it is still from,
// and reports whether it did. A title the model proposes must not overwrite
// one the user gave meanwhile: the check and the write are one statement.
// updated_at stays: a title found later is no new activity in the chat.
func (s *Store) ReplaceTitle(ctx context.Context, id, from, title string) (Chat, bool, error) {
	var c Chat
	var changed bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		changed = true
		var err error
		c, err = scanChat(tx.QueryRowContext(ctx,
			`UPDATE chats SET title = ? WHERE id = ? AND title = ? RETURNING `+chatCols, title, id, from))
		if errors.Is(err, sql.ErrNoRows) {
			changed = false
			c, err = getChat(ctx, tx, id)
		}
		return err
	})
	if err != nil {
		return Chat{}, false, fmt.Errorf("replace title: %w", err)
	}
	return c, changed, nil
}
