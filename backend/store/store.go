// Package store keeps Hearth's chats, messages, media metadata and search
// index in one SQLite database (modernc.org/sqlite, WAL mode).
//
// All writes go through a single connection so that SQLite never has to
// arbitrate between writers of this process; reads use a separate pool and,
// thanks to WAL, never wait for the writer. Sequence numbers (seq) are per
// chat and strictly increasing; see docs/storage.md for the rules.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

var (
	// ErrNotFound: the chat, message, media row or setting does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNewerSchema: the database was written by a newer Hearth. The
	// concrete error is a *NewerSchemaError.
	ErrNewerSchema = errors.New("database schema is newer than this build")
	// ErrNotHearth: the file is an SQLite database that Hearth did not create.
	ErrNotHearth = errors.New("not a Hearth database")
	// ErrInvalid: an argument is malformed (bad id, role, status, ...).
	ErrInvalid = errors.New("invalid argument")
	// ErrExists: a chat with the requested id already exists.
	ErrExists = errors.New("already exists")
	// ErrSeq: a seq is not above the chat's last committed seq.
	ErrSeq = errors.New("seq out of order")
	// ErrNotStreaming: a checkpoint or final write hit a message that is
	// already finished.
	ErrNotStreaming = errors.New("message is not streaming")
	// ErrMissingMedia: a message refers to media that has no row in the store.
	ErrMissingMedia = errors.New("media not in store")
)

// NewerSchemaError reports a database from a newer Hearth; it matches
// ErrNewerSchema with errors.Is.
type NewerSchemaError struct {
	Path  string
	Found int // user_version of the file
	Known int // latest schema this build knows
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("database %s was written by a newer Hearth (schema %d; this build knows %d): refusing to open it",
		e.Path, e.Found, e.Known)
}

// Is makes errors.Is(err, ErrNewerSchema) hold.
func (e *NewerSchemaError) Is(target error) bool { return target == ErrNewerSchema }

// Options tunes Open. The zero value is usable.
type Options struct {
	Logger    *slog.Logger // nil discards logs
	ReadConns int          // size of the read pool; default 4
}

// Store is safe for concurrent use.
type Store struct {
	path    string
	version int
	w       *sql.DB // single writer connection
	r       *sql.DB // read-only pool
	log     *slog.Logger
	now     func() time.Time
	// searchWindow: see Search; a field so tests can shrink it.
	searchWindow int
	// memory: opened by OpenMemory (r and w are one pool).
	memory bool

	closeOnce sync.Once
	closeErr  error
}

const (
	defaultReadConns = 4
	// hearthAppID is "HRTH"; set by migration 0001 in the database header.
	hearthAppID = 0x48525448
)

// Open opens (creating if needed) the database at path, migrating it to the
// latest schema. The parent directory is created with mode 0700.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	migs, err := loadMigrations(embeddedMigrations, "migrations")
	if err != nil {
		return nil, err
	}
	return open(ctx, path, opts, migs)
}

func open(ctx context.Context, path string, opts Options, migs []migration) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("store: open: %w: empty path", ErrInvalid)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	latest := len(migs)

	// Look before touching: opening the writer switches the file to WAL,
	// which already modifies a database we may have to refuse.
	if err := checkExisting(ctx, abs, latest); err != nil {
		return nil, err
	}

	w, err := sql.Open("sqlite", dsn(abs, "&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("store: open writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{path: abs, w: w, log: log, now: time.Now, searchWindow: defaultSearchWindow}
	if err := s.checkJournalMode(ctx); err != nil {
		_ = w.Close()
		return nil, err
	}
	s.version, err = migrate(ctx, w, abs, migs, log)
	if err != nil {
		_ = w.Close()
		return nil, err
	}

	n := opts.ReadConns
	if n <= 0 {
		n = defaultReadConns
	}
	r, err := sql.Open("sqlite", dsn(abs, "&_pragma=query_only(1)"))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("store: open readers: %w", err)
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	if err := r.PingContext(ctx); err != nil {
		_ = r.Close()
		_ = w.Close()
		return nil, fmt.Errorf("store: open readers: %w", err)
	}
	s.r = r
	log.Debug("store opened", "path", abs, "schema", s.version)
	return s, nil
}

// uriPath turns an absolute path into a "file:" URI. It is percent-escaped
// because SQLite parses such names as URIs, where '?', '#' and '%' are special.
func uriPath(path string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
	if !strings.HasPrefix(esc, "/") {
		esc = "/" + esc // Windows drive paths: file:/C:/...
	}
	return "file:" + esc
}

// dsn builds the modernc DSN shared by the writer and the readers.
func dsn(path, extra string) string {
	return uriPath(path) +
		"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)&_time_format=sqlite" + extra
}

// checkExisting refuses, through a read-only connection, a database that is
// newer than this build or not Hearth's, leaving its bytes untouched.
func checkExisting(ctx context.Context, path string, latest int) error {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if st.Size() == 0 {
		return nil // SQLite treats an empty file as a new database
	}
	// A read-only connection to a WAL database creates -wal and -shm files.
	// Without a -wal file every committed page is in the main file, so
	// immutable=1 can read it with no side files and no locks; with one,
	// the side files exist already and are needed to read correctly.
	mode := "?mode=ro&immutable=1"
	if _, err := os.Stat(path + "-wal"); err == nil {
		mode = "?mode=ro&_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open("sqlite", uriPath(path)+mode)
	if err != nil {
		return fmt.Errorf("store: inspect %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var version, appID, objects int
	err = db.QueryRowContext(ctx, `SELECT (SELECT user_version FROM pragma_user_version),
		(SELECT application_id FROM pragma_application_id),
		(SELECT count(*) FROM sqlite_master)`).Scan(&version, &appID, &objects)
	if err != nil {
		return fmt.Errorf("store: inspect %s: %w", path, err)
	}
	if objects == 0 && version == 0 {
		return nil
	}
	if appID != hearthAppID {
		return fmt.Errorf("store: %s: %w (application_id %#x, schema %d): refusing to open it",
			path, ErrNotHearth, appID, version)
	}
	if version > latest {
		return &NewerSchemaError{Path: path, Found: version, Known: latest}
	}
	if version == 0 {
		// Every Hearth migration sets user_version in the same transaction
		// as its tables, so tables without a version were put there by
		// something else; migrating over them could only fail or mix data.
		return fmt.Errorf("store: %s: %w (tables but no schema version): refusing to open it", path, ErrNotHearth)
	}
	return nil
}

func (s *Store) checkJournalMode(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		// Still correct, only slower and readers block on the writer;
		// happens on file systems without shared memory support.
		s.log.Warn("database is not in WAL mode", "path", s.path, "journal_mode", mode)
	}
	return nil
}

// Close closes both pools; calling it again returns the first result.
// Nothing is pending: every write method commits before it returns.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Store) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// Cheap statistics refresh that SQLite recommends doing at close.
	if _, err := s.w.ExecContext(ctx, "PRAGMA optimize"); err != nil {
		s.log.Debug("pragma optimize failed", "err", err)
	}
	if s.memory {
		return s.w.Close()
	}
	return errors.Join(s.r.Close(), s.w.Close())
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// SchemaVersion is the schema version of the open database.
func (s *Store) SchemaVersion() int { return s.version }

// queryer is what both *sql.DB and *sql.Tx offer, so read helpers can run
// inside a write transaction or against the read pool.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// write runs fn in one IMMEDIATE transaction on the writer, so the write
// lock is taken up front and a transaction never fails half-way on upgrade.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// writeDurable is write for a commit that a user is told about (a message
// acknowledged, a seq handed out, an answer ended): it is synced to disk
// before it returns, so a power cut cannot take it back. Other commits stay
// at synchronous=NORMAL, durable at the next WAL checkpoint.
func (s *Store) writeDurable(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.memory {
		return s.write(ctx, fn) // nothing to sync
	}
	c, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
		return fmt.Errorf("synchronous full: %w", err)
	}
	defer func() {
		// Without a context: the writer must not stay in FULL after a
		// cancelled request.
		if _, err := c.ExecContext(context.Background(), "PRAGMA synchronous = NORMAL"); err != nil {
			s.log.Warn("could not restore synchronous=NORMAL", "err", err)
		}
	}()
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// read runs fn in one read transaction, so multi-query reads (rows plus
// their media) see a single snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}

func (s *Store) nowMS() int64 { return s.now().UnixMilli() }

func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nullTime(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := fromMS(ms.Int64)
	return &t
}

func toNullMS(t *time.Time) sql.NullInt64 {
	if t == nil || t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func clampLimit(limit int) int {
	switch {
	case limit <= 0:
		return 50
	case limit > 500:
		return 500
	}
	return limit
}
