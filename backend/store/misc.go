package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/hearth-app/hearth/backend/ids"
)

// PutMedia records media metadata, upserting by id. The same bytes uploaded
// again keep their row; a non-empty Name replaces the stored one. Every call
// counts as an upload a message may be about to use: it refreshes stored_at
// and adds one to pending, which linking the media to a message takes back
// (a trigger), so deleting a chat cannot free media a composer still holds.
func (s *Store) PutMedia(ctx context.Context, m MediaRef) error {
	if !ids.ValidMedia(m.ID) {
		return fmt.Errorf("put media: %w: id %q is not a sha256 hex digest", ErrInvalid, m.ID)
	}
	if m.MIME == "" || m.Size < 0 {
		return fmt.Errorf("put media %s: %w: mime %q size %d", m.ID, ErrInvalid, m.MIME, m.Size)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.nowMS()
		_, err := tx.ExecContext(ctx, `INSERT INTO media (id, mime, size, name, created_at, stored_at, pending)
			VALUES (?, ?, ?, ?, ?, ?, 1)
			ON CONFLICT (id) DO UPDATE SET mime = excluded.mime, size = excluded.size,
				name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE media.name END,
				stored_at = excluded.stored_at, pending = media.pending + 1`,
			m.ID, m.MIME, m.Size, m.Name, now, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("put media %s: %w", m.ID, err)
	}
	return nil
}

// GetMedia returns media metadata or ErrNotFound.
func (s *Store) GetMedia(ctx context.Context, id string) (MediaRef, error) {
	var m MediaRef
	err := s.r.QueryRowContext(ctx, `SELECT id, mime, name, size FROM media WHERE id = ?`, id).
		Scan(&m.ID, &m.MIME, &m.Name, &m.Size)
	if errors.Is(err, sql.ErrNoRows) {
		return MediaRef{}, fmt.Errorf("media %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return MediaRef{}, fmt.Errorf("get media %q: %w", id, err)
	}
	return m, nil
}

// FreedMedia is a media row that was deleted because nothing uses it; its
// file is the caller's to remove. StoredAt is when the row was last written,
// which tells the file store whether a newer upload of the same bytes is
// about to be recorded (media.Files.Remove).
type FreedMedia struct {
	ID       string
	StoredAt time.Time
}

// SweepMedia drops the rows of media no message uses that were last uploaded
// before storedBefore (uploads never sent, or kept by a deletion because an
// upload was pending) and returns them. The cutoff is the grace period an
// upload has to be sent in.
func (s *Store) SweepMedia(ctx context.Context, storedBefore time.Time) ([]FreedMedia, error) {
	var out []FreedMedia
	err := s.write(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `DELETE FROM media WHERE stored_at < ?
			AND NOT EXISTS (SELECT 1 FROM message_media WHERE media_id = media.id) RETURNING id, stored_at`,
			storedBefore.UnixMilli())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var f FreedMedia
			var ms int64
			if err := rows.Scan(&f.ID, &ms); err != nil {
				return err
			}
			f.StoredAt = fromMS(ms)
			out = append(out, f)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sweep media: %w", err)
	}
	return out, nil
}

// MediaIDs lists every recorded media id, for telling orphaned files apart.
func (s *Store) MediaIDs(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM media`)
	if err != nil {
		return nil, fmt.Errorf("list media: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list media: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list media: %w", err)
	}
	return ids, nil
}

// GetSetting returns the value of key and whether it is set.
func (s *Store) GetSetting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("get setting %q: %w", key, err)
	}
	return v, true, nil
}

// SetSetting stores value under key, replacing any previous value.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
	if err != nil {
		return fmt.Errorf("set setting %q: %w", key, err)
	}
	return nil
}

// DeleteSetting removes key; removing a key that is not set is not an error.
func (s *Store) DeleteSetting(ctx context.Context, key string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete setting %q: %w", key, err)
	}
	return nil
}

// SettingsWithPrefix returns every setting whose key starts with prefix.
func (s *Store) SettingsWithPrefix(ctx context.Context, prefix string) (map[string]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT key, value FROM settings WHERE substr(key, 1, ?) = ?`, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("list settings %q: %w", prefix, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("list settings %q: %w", prefix, err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list settings %q: %w", prefix, err)
	}
	return out, nil
}

// Backup writes a consistent copy of the database to dest while the store
// keeps serving. dest must not exist (the error then matches fs.ErrExist);
// it is created 0600 and synced. It reads a snapshot on its own connection,
// so writers are not blocked for the duration of the copy.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if dest == "" {
		return fmt.Errorf("backup: %w: empty destination", ErrInvalid)
	}
	abs, err := filepath.Abs(dest)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if abs == s.path {
		return fmt.Errorf("backup: %w: destination is the database itself", ErrInvalid)
	}
	// Not the read pool: its connections are query_only, which SQLite
	// applies to VACUUM INTO as well.
	db, err := sql.Open("sqlite", uriPath(s.path)+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := vacuumInto(ctx, db, abs); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	s.log.Info("database backed up", "dest", abs)
	return nil
}
