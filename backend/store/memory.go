package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/hearth-app/hearth/backend/ids"
)

// OpenMemory opens a store that lives in memory only: the same schema and
// behaviour as a file store, nothing ever written to disk, gone when it is
// closed. Temporary chats live in one. It has a single connection, shared
// by reads and writes (an in-memory database has no WAL to let readers
// run beside the writer, and a shared cache would make them fail rather
// than wait); temporary chats are few and small.
func OpenMemory(ctx context.Context, opts Options) (*Store, error) {
	migs, err := loadMigrations(embeddedMigrations, "migrations")
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// A name of its own, so two stores in one process never share a
	// database; it lives as long as its one connection.
	name := "file:hearth-" + ids.New("mem") + "?mode=memory&cache=shared" +
		"&_pragma=foreign_keys(1)&_time_format=sqlite"
	db, err := sql.Open("sqlite", name)
	if err != nil {
		return nil, fmt.Errorf("store: open memory store: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s := &Store{path: ":memory:", w: db, r: db, memory: true, log: log, now: time.Now, searchWindow: defaultSearchWindow}
	if s.version, err = migrate(ctx, db, ":memory:", migs, log); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// InMemory reports whether the store keeps nothing on disk.
func (s *Store) InMemory() bool { return s.memory }
