package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var embeddedMigrations embed.FS

// migration number N takes the schema from version N-1 to N.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads NNNN_name.sql files from dir and insists on a gapless
// 1..n sequence, so a missing or duplicated file fails every test at once
// instead of silently skipping a schema step.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var migs []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration %q: name must be NNNN_description.sql", name)
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", name, err)
		}
		migs = append(migs, migration{version: v, name: name, sql: string(body)})
	}
	// fs.ReadDir sorts by name and the numbers are zero-padded.
	for i, m := range migs {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migration %s: expected version %d", m.name, i+1)
		}
	}
	if len(migs) == 0 {
		return nil, errors.New("store: no migrations")
	}
	return migs, nil
}

// migrate brings the database to len(migs) and returns that version. All
// pending steps run in one transaction: a failure leaves the database exactly
// at its old version. An existing database is first copied next to itself.
func migrate(ctx context.Context, db *sql.DB, dbPath string, migs []migration, log *slog.Logger) (int, error) {
	latest := len(migs)
	cur, err := userVersion(ctx, db)
	if err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	if cur > latest {
		return 0, &NewerSchemaError{Path: dbPath, Found: cur, Known: latest}
	}
	if cur == latest {
		return cur, nil
	}
	if cur > 0 {
		// VACUUM INTO cannot run inside a transaction, so the copy is taken
		// just before; the version is re-checked under the write lock below.
		bak := fmt.Sprintf("%s.bak-v%d-%d", dbPath, cur, time.Now().Unix())
		if err := vacuumInto(ctx, db, bak); err != nil {
			return 0, fmt.Errorf("store: back up before schema upgrade: %w", err)
		}
		log.Info("backed up database before schema upgrade",
			"path", dbPath, "backup", bak, "from", cur, "to", latest)
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: migrate: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	again, err := userVersion(ctx, tx)
	if err != nil {
		return 0, fmt.Errorf("store: migrate: %w", err)
	}
	if again != cur {
		return 0, fmt.Errorf("store: migrate %s: schema changed from %d to %d by another process", dbPath, cur, again)
	}
	for _, m := range migs[cur:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return 0, fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	// A later migration that rebuilds tables could orphan rows; catch it
	// before committing rather than in some user's chat months later.
	if err := foreignKeyCheck(ctx, tx); err != nil {
		return 0, fmt.Errorf("store: after migrations: %w", err)
	}
	// PRAGMA does not take bound parameters; latest is an int we computed.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(latest)); err != nil {
		return 0, fmt.Errorf("store: set schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: commit migrations: %w", err)
	}
	log.Info("database schema migrated", "path", dbPath, "from", cur, "to", latest)
	return latest, nil
}

func userVersion(ctx context.Context, q queryer) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

func foreignKeyCheck(ctx context.Context, q queryer) error {
	rows, err := q.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		return fmt.Errorf("foreign key violation: %s row %d refers to missing %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

// vacuumInto writes a consistent, compacted copy of the database to dest,
// which must not exist. The file is created first with O_EXCL so that a
// racing writer cannot be overwritten and the copy is private (0600), then
// synced, because VACUUM INTO itself does not fsync its output.
func vacuumInto(ctx context.Context, q queryer, dest string) (err error) {
	dest, err = filepath.Abs(dest)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", dest, err)
	}
	_ = f.Close()
	defer func() {
		if err != nil {
			_ = os.Remove(dest)
		}
	}()
	if _, err := q.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("vacuum into %s: %w", dest, err)
	}
	f, err = os.OpenFile(dest, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync %s: %w", dest, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	syncDir(filepath.Dir(dest))
	return nil
}

// syncDir makes a newly created file's directory entry durable. Best effort:
// some platforms cannot fsync a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
