package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hearth-app/hearth/backend/ids"
	"github.com/hearth-app/hearth/backend/protocol"
)

// Chat is one conversation. LastSeq is the highest seq committed to the
// store; SeqHWM the highest seq that may have been handed out (see
// docs/storage.md). MessageCount is maintained by triggers.
type Chat struct {
	ID, Title, Model, System string
	Pinned, Archived         bool
	CreatedAt, UpdatedAt     time.Time
	LastSeq, SeqHWM          int64
	MessageCount             int
	// ActiveLeaf is the last message of the active path (0: no message);
	// BranchSeq the seq of the chat's last branch_switched event.
	ActiveLeaf, BranchSeq int64
	// Params are the chat's own sampling parameters (unset ones use the
	// defaults); Preset names the preset last applied.
	Params protocol.Params
	Preset string
	// ToolsOff names the MCP servers switched off for the chat.
	ToolsOff []string
	// Agent names the agent that answers the chat ("": the built-in model).
	Agent string
}

// NewChat describes a chat to create; an empty ID is generated.
type NewChat struct {
	ID, Title, Model, System string
	// Params and Preset start the chat with its own settings (a preset
	// chosen for it, or parameters given with new_chat).
	Params protocol.Params
	Preset string
	// ToolsOff: the MCP servers the chat starts with switched off.
	ToolsOff []string
	// Agent binds the chat to an agent.
	Agent string
}

// ListChats is the page request of Store.ListChats. Before/BeforeID/
// BeforePinned are the UpdatedAt/ID/Pinned of the last chat of the previous
// page. Archived lists the archived chats instead of the others.
type ListChats struct {
	Limit        int
	Before       *time.Time
	BeforeID     string
	BeforePinned bool
	Archived     bool
}

// ChatPatch changes the non-nil fields.
type ChatPatch struct {
	Title, Model, System, Preset *string
	Pinned, Archived             *bool
	Params                       *protocol.Params
	ToolsOff                     *[]string
	Agent                        *string
}

const chatCols = `id, title, model, system, pinned, created_at, updated_at, last_seq, seq_hwm, message_count,
	archived, coalesce(active_leaf, 0), branch_seq, params, preset, tools_off, agent`

type scanner interface{ Scan(dest ...any) error }

func scanChat(sc scanner) (Chat, error) {
	var c Chat
	var pinned, archived int
	var created, updated int64
	var params, toolsOff string
	err := sc.Scan(&c.ID, &c.Title, &c.Model, &c.System, &pinned, &created, &updated,
		&c.LastSeq, &c.SeqHWM, &c.MessageCount, &archived, &c.ActiveLeaf, &c.BranchSeq, &params, &c.Preset, &toolsOff, &c.Agent)
	if err != nil {
		return Chat{}, err
	}
	if err := json.Unmarshal([]byte(toolsOff), &c.ToolsOff); err != nil {
		return Chat{}, fmt.Errorf("chat %q: decode tools_off: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(params), &c.Params); err != nil {
		return Chat{}, fmt.Errorf("chat %q: decode params: %w", c.ID, err)
	}
	c.Pinned, c.Archived = pinned != 0, archived != 0
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return c, nil
}

func getChat(ctx context.Context, q queryer, id string) (Chat, error) {
	c, err := scanChat(q.QueryRowContext(ctx, `SELECT `+chatCols+` FROM chats WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Chat{}, fmt.Errorf("chat %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Chat{}, fmt.Errorf("get chat %q: %w", id, err)
	}
	return c, nil
}

// CreateChat inserts a chat. A given ID must be valid and unused (ErrExists).
func (s *Store) CreateChat(ctx context.Context, nc NewChat) (Chat, error) {
	if nc.ID != "" && (!ids.ValidChat(nc.ID) || ids.IsTemporary(nc.ID) != s.memory) {
		return Chat{}, fmt.Errorf("create chat: %w: chat id %q", ErrInvalid, nc.ID)
	}
	var c Chat
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		now := s.nowMS()
		c, err = insertChat(ctx, tx, nc, now, now, 0, false)
		return err
	})
	if err != nil {
		return Chat{}, fmt.Errorf("create chat: %w", err)
	}
	return c, nil
}

// insertChat inserts a chat row; with an empty ID it draws random ids until
// one is free (a clash is astronomically unlikely, but cheap to handle). A
// generated id is never one a deleted chat had; a given one that was deleted
// continues above the deleted chat's seqs (lastSeq is raised to them).
func insertChat(ctx context.Context, tx *sql.Tx, nc NewChat, created, updated, lastSeq int64, pinned bool) (Chat, error) {
	id := nc.ID
	generated := id == ""
	for attempt := 0; attempt < 8; attempt++ {
		if generated {
			id = ids.Chat()
		}
		floor, dead, err := tombstoneHWM(ctx, tx, id)
		if err != nil {
			return Chat{}, err
		}
		if dead && generated {
			continue
		}
		last := max(lastSeq, floor)
		params, err := json.Marshal(nc.Params)
		if err != nil {
			return Chat{}, fmt.Errorf("encode params: %w", err)
		}
		off, err := json.Marshal(nonNil(nc.ToolsOff))
		if err != nil {
			return Chat{}, fmt.Errorf("encode tools_off: %w", err)
		}
		row := tx.QueryRowContext(ctx, `INSERT INTO chats
			(id, title, model, system, pinned, created_at, updated_at, last_seq, seq_hwm, params, preset, tools_off, agent)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING
			RETURNING `+chatCols,
			id, nc.Title, nc.Model, nc.System, boolInt(pinned), created, updated, last, last, string(params), nc.Preset, string(off), nc.Agent)
		c, err := scanChat(row)
		if err == nil {
			// The live row carries the high-water mark from now on.
			if _, err := tx.ExecContext(ctx, `DELETE FROM chat_tombstones WHERE id = ?`, id); err != nil {
				return Chat{}, err
			}
			return c, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return Chat{}, err
		}
		if !generated {
			return Chat{}, fmt.Errorf("chat %q: %w", id, ErrExists)
		}
	}
	return Chat{}, errors.New("could not draw an unused chat id")
}

// tombstoneHWM is the highest seq a deleted chat with this id handed out, and
// whether there was one.
func tombstoneHWM(ctx context.Context, q queryer, id string) (int64, bool, error) {
	var hwm int64
	err := q.QueryRowContext(ctx, `SELECT seq_hwm FROM chat_tombstones WHERE id = ?`, id).Scan(&hwm)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read tombstone of chat %q: %w", id, err)
	}
	return hwm, true, nil
}

// GetChat returns the chat or ErrNotFound.
func (s *Store) GetChat(ctx context.Context, id string) (Chat, error) {
	return getChat(ctx, s.r, id)
}

// ListChats returns the chats that are not archived (or only the archived
// ones), pinned first, then most recently updated first (ties by id,
// descending), starting after the cursor. Limit defaults to 50, max 500.
func (s *Store) ListChats(ctx context.Context, p ListChats) ([]Chat, error) {
	chats, _, err := s.ChatPage(ctx, p)
	return chats, err
}

// ChatPage is ListChats and whether more chats follow the page. The store
// decides that itself, one row past its own cap: a caller asking for
// limit+1 would be capped at 500 and never learn of the 501st.
func (s *Store) ChatPage(ctx context.Context, p ListChats) ([]Chat, bool, error) {
	limit := clampLimit(p.Limit)
	out, err := s.listChats(ctx, p, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// listChats reads one page in the order of chats_by_archived, backwards:
// the cursor compares (pinned, updated_at, id) as one key, so a page boundary
// between the pinned chats and the others neither repeats nor skips a chat.
func (s *Store) listChats(ctx context.Context, p ListChats, limit int) ([]Chat, error) {
	const order = ` ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ?`
	archived := boolInt(p.Archived)
	var rows *sql.Rows
	var err error
	switch {
	case p.Before != nil && p.BeforeID != "":
		rows, err = s.r.QueryContext(ctx, `SELECT `+chatCols+` FROM chats
			WHERE archived = ? AND (pinned, updated_at, id) < (?, ?, ?)`+order,
			archived, boolInt(p.BeforePinned), p.Before.UnixMilli(), p.BeforeID, limit)
	case p.Before != nil:
		rows, err = s.r.QueryContext(ctx, `SELECT `+chatCols+` FROM chats
			WHERE archived = ? AND (pinned, updated_at) < (?, ?)`+order,
			archived, boolInt(p.BeforePinned), p.Before.UnixMilli(), limit)
	default:
		rows, err = s.r.QueryContext(ctx, `SELECT `+chatCols+` FROM chats
			WHERE archived = ?`+order, archived, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("list chats: %w", err)
	}
	defer rows.Close()
	var out []Chat
	for rows.Next() {
		c, err := scanChat(rows)
		if err != nil {
			return nil, fmt.Errorf("list chats: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list chats: %w", err)
	}
	return out, nil
}

// UpdateChat applies the patch and bumps updated_at. An empty patch returns
// the chat unchanged.
func (s *Store) UpdateChat(ctx context.Context, id string, p ChatPatch) (Chat, error) {
	var set []string
	var args []any
	add := func(col string, v any) {
		set = append(set, col+" = ?")
		args = append(args, v)
	}
	if p.Title != nil {
		add("title", *p.Title)
	}
	if p.Model != nil {
		add("model", *p.Model)
	}
	if p.System != nil {
		add("system", *p.System)
	}
	if p.Pinned != nil {
		add("pinned", boolInt(*p.Pinned))
	}
	if p.Archived != nil {
		add("archived", boolInt(*p.Archived))
	}
	if p.Preset != nil {
		add("preset", *p.Preset)
	}
	if p.Params != nil {
		b, err := json.Marshal(p.Params)
		if err != nil {
			return Chat{}, fmt.Errorf("update chat: encode params: %w", err)
		}
		add("params", string(b))
	}
	if p.Agent != nil {
		add("agent", *p.Agent)
	}
	if p.ToolsOff != nil {
		b, err := json.Marshal(nonNil(*p.ToolsOff))
		if err != nil {
			return Chat{}, fmt.Errorf("update chat: encode tools_off: %w", err)
		}
		add("tools_off", string(b))
	}
	if len(set) == 0 {
		return s.GetChat(ctx, id)
	}
	add("updated_at", s.nowMS())
	args = append(args, id)
	var c Chat
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanChat(tx.QueryRowContext(ctx,
			`UPDATE chats SET `+strings.Join(set, ", ")+` WHERE id = ? RETURNING `+chatCols, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("chat %q: %w", id, ErrNotFound)
		}
		return err
	})
	if err != nil {
		return Chat{}, fmt.Errorf("update chat: %w", err)
	}
	return c, nil
}

// DeleteChat is DeleteChatMedia for callers that do not remove files: the
// media rows it frees are gone, their files are left to the start-up sweep.
func (s *Store) DeleteChat(ctx context.Context, id string) error {
	_, err := s.DeleteChatMedia(ctx, id)
	return err
}

// DeleteChatMedia removes the chat with its messages, media links and search
// entries (foreign-key cascades and triggers), leaves a tombstone with its seq
// high-water mark, and drops the rows of media no message uses any more. It
// returns those media, whose files the caller removes. Media with
// an upload pending (the same bytes uploaded again since they were sent, for a
// message not sent yet) is kept; the start-up sweep takes it if it stays
// unused.
func (s *Store) DeleteChatMedia(ctx context.Context, id string) ([]FreedMedia, error) {
	var freed []FreedMedia
	err := s.write(ctx, func(tx *sql.Tx) error {
		freed = nil
		var hwm int64
		err := tx.QueryRowContext(ctx, `SELECT max(last_seq, seq_hwm) FROM chats WHERE id = ?`, id).Scan(&hwm)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("chat %q: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		used, err := chatMedia(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM chats WHERE id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO chat_tombstones (id, seq_hwm, deleted_at) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET seq_hwm = max(seq_hwm, excluded.seq_hwm), deleted_at = excluded.deleted_at`,
			id, hwm, s.nowMS()); err != nil {
			return err
		}
		for _, mid := range used {
			var storedAt int64
			err := tx.QueryRowContext(ctx, `DELETE FROM media WHERE id = ? AND pending = 0
				AND NOT EXISTS (SELECT 1 FROM message_media WHERE media_id = media.id) RETURNING stored_at`, mid).Scan(&storedAt)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			freed = append(freed, FreedMedia{ID: mid, StoredAt: fromMS(storedAt)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delete chat: %w", err)
	}
	return freed, nil
}

// chatMedia lists the media the chat's messages use, each once, in order of
// first use.
func chatMedia(ctx context.Context, q queryer, chatID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT mm.media_id FROM message_media mm
		JOIN messages m ON m.id = mm.message_id
		WHERE m.chat_id = ? GROUP BY mm.media_id ORDER BY min(m.seq), min(mm.position)`, chatID)
	if err != nil {
		return nil, fmt.Errorf("media of chat %q: %w", chatID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("media of chat %q: %w", chatID, err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("media of chat %q: %w", chatID, err)
	}
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nonNil keeps an empty list a JSON array rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
