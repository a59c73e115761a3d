package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ToolGrant is a tool the user allowed without asking again: for every
// chat ("always") or, with ChatID, for one chat.
type ToolGrant struct {
	ChatID, Server, Tool string
	CreatedAt            time.Time
}

// Grant records a grant; granting again keeps the first date.
func (s *Store) Grant(ctx context.Context, g ToolGrant) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if g.ChatID == "" {
			_, err = tx.ExecContext(ctx, `INSERT INTO tool_grants (server, tool, created_at) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING`, g.Server, g.Tool, s.nowMS())
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO chat_tool_grants (chat_id, server, tool, created_at) VALUES (?, ?, ?, ?)
				ON CONFLICT DO NOTHING`, g.ChatID, g.Server, g.Tool, s.nowMS())
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("grant %s/%s: %w", g.Server, g.Tool, err)
	}
	return nil
}

// Revoke removes an "always" grant (ChatID empty) or a chat's grant;
// ErrNotFound when there was none.
func (s *Store) Revoke(ctx context.Context, g ToolGrant) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if g.ChatID == "" {
			res, err = tx.ExecContext(ctx, `DELETE FROM tool_grants WHERE server = ? AND tool = ?`, g.Server, g.Tool)
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM chat_tool_grants WHERE chat_id = ? AND server = ? AND tool = ?`, g.ChatID, g.Server, g.Tool)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("revoke %s/%s: %w", g.Server, g.Tool, err)
	}
	return nil
}

// Granted says which grant allows the tool in the chat: "always", "chat"
// or "" for none.
func (s *Store) Granted(ctx context.Context, chatID, server, tool string) (string, error) {
	var kind string
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT 'always' FROM tool_grants WHERE server = ? AND tool = ?
			UNION ALL SELECT 'chat' FROM chat_tool_grants WHERE chat_id = ? AND server = ? AND tool = ?
			LIMIT 1`, server, tool, chatID, server, tool).Scan(&kind)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("look up grants of %s/%s: %w", server, tool, err)
	}
	return kind, nil
}

// Grants lists the "always" grants, by server and tool.
func (s *Store) Grants(ctx context.Context) ([]ToolGrant, error) {
	var out []ToolGrant
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT server, tool, created_at FROM tool_grants ORDER BY server, tool`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g ToolGrant
			var ms int64
			if err := rows.Scan(&g.Server, &g.Tool, &ms); err != nil {
				return err
			}
			g.CreatedAt = fromMS(ms)
			out = append(out, g)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list tool grants: %w", err)
	}
	return out, nil
}
