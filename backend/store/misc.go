package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
)

// ValidMediaID reports whether id looks like a lowercase hex sha256.
func ValidMediaID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// PutMedia records media metadata, upserting by id. The same bytes uploaded
// again keep their row; a non-empty Name replaces the stored one.
func (s *Store) PutMedia(ctx context.Context, m MediaRef) error {
	if !ValidMediaID(m.ID) {
		return fmt.Errorf("put media: %w: id %q is not a sha256 hex digest", ErrInvalid, m.ID)
	}
	if m.MIME == "" || m.Size < 0 {
		return fmt.Errorf("put media %s: %w: mime %q size %d", m.ID, ErrInvalid, m.MIME, m.Size)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO media (id, mime, size, name, created_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET mime = excluded.mime, size = excluded.size,
				name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE media.name END`,
			m.ID, m.MIME, m.Size, m.Name, s.nowMS())
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
