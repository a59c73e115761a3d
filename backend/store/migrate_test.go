package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func realMigrations(t testing.TB) []migration {
	t.Helper()
	migs, err := loadMigrations(embeddedMigrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	return migs
}

func dumpSchema(t testing.TB, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	var uv, app int
	if err := db.QueryRow(`SELECT (SELECT user_version FROM pragma_user_version),
		(SELECT application_id FROM pragma_application_id)`).Scan(&uv, &app); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "-- user_version = %d\n-- application_id = %d\n", uv, app)
	rows, err := db.Query(`SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var typ, name, tbl string
		var text sql.NullString
		if err := rows.Scan(&typ, &name, &tbl, &text); err != nil {
			t.Fatal(err)
		}
		if !text.Valid {
			fmt.Fprintf(&b, "-- %s %s on %s (implicit)\n", typ, name, tbl)
			continue
		}
		fmt.Fprintf(&b, "%s;\n", text.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Released schemas are frozen: each version N must still produce exactly
// testdata/schema_vN.sql. Regenerate a NEW version's file with
// HEARTH_UPDATE_SCHEMA=1; never an old one.
func TestSchemaMatchesFrozenFixtures(t *testing.T) {
	migs := realMigrations(t)
	for v := 1; v <= len(migs); v++ {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hearth.db")
			s, err := open(context.Background(), path, Options{}, migs[:v])
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.SchemaVersion() != v {
				t.Fatalf("SchemaVersion = %d, want %d", s.SchemaVersion(), v)
			}
			got := dumpSchema(t, s.w)
			fixture := filepath.Join("testdata", fmt.Sprintf("schema_v%d.sql", v))
			if os.Getenv("HEARTH_UPDATE_SCHEMA") == "1" && v == len(migs) {
				if err := os.WriteFile(fixture, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(fixture)
			if err != nil {
				t.Fatalf("missing frozen schema (run with HEARTH_UPDATE_SCHEMA=1 once for a new version): %v", err)
			}
			if got != string(want) {
				t.Errorf("schema v%d differs from %s:\n--- got\n%s\n--- want\n%s", v, fixture, got, want)
			}
		})
	}
}

func TestOpenFreshCreatesDirAndIsWAL(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s := openAt(t, filepath.Join(dir, "hearth.db"))
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o700 {
		t.Errorf("data dir mode = %o, want 700", perm)
	}
	var mode string
	if err := s.w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	if s.SchemaVersion() != len(realMigrations(t)) {
		t.Errorf("SchemaVersion = %d", s.SchemaVersion())
	}
	// Readers must really be read-only.
	if _, err := s.r.Exec(`INSERT INTO settings VALUES ('k', 'v')`); err == nil {
		t.Error("read pool accepted a write")
	}
	var fk int
	if err := s.w.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v", fk, err)
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "we?ird#dir%20x", "hearth.db")
	s := openAt(t, path)
	mustChat(t, s, NewChat{ID: "x"})
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the literal path: %v", err)
	}
}

// An upgrade copies the old database aside first, then applies the new steps.
func TestUpgradeMakesBackup(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	v1 := realMigrations(t)
	s, err := open(ctx, path, Options{}, v1)
	if err != nil {
		t.Fatal(err)
	}
	c := mustChat(t, s, NewChat{Title: "before upgrade"})
	mustUser(t, s, c.ID, 1, "hello from v1")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	v2 := append(slices.Clone(v1), migration{version: len(v1) + 1, name: "0002_test.sql",
		sql: `ALTER TABLE chats ADD COLUMN color TEXT NOT NULL DEFAULT 'blue';`})
	var logs bytes.Buffer
	s, err = open(ctx, path, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, v2)
	if err != nil {
		t.Fatal(err)
	}
	if s.SchemaVersion() != len(v2) {
		t.Fatalf("SchemaVersion = %d", s.SchemaVersion())
	}
	var color string
	if err := s.w.QueryRow(`SELECT color FROM chats WHERE id = ?`, c.ID).Scan(&color); err != nil || color != "blue" {
		t.Fatalf("migrated column: %q %v", color, err)
	}
	if got, err := s.Transcript(ctx, c.ID); err != nil || len(got) != 1 || got[0].Content != "hello from v1" {
		t.Fatalf("data after upgrade: %v %v", got, err)
	}
	_ = s.Close()

	baks, _ := filepath.Glob(fmt.Sprintf("%s.bak-v%d-*", path, len(v1)))
	if len(baks) != 1 {
		t.Fatalf("backups = %v, want one", baks)
	}
	if !strings.Contains(logs.String(), baks[0]) {
		t.Errorf("backup not logged: %s", logs.String())
	}
	if st, err := os.Stat(baks[0]); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode: %v %v", st, err)
	}
	// The copy is the old version with the old data, usable by the old build.
	old, err := open(ctx, baks[0], Options{}, v1)
	if err != nil {
		t.Fatalf("open backup with v1 build: %v", err)
	}
	if got, err := old.Transcript(ctx, c.ID); err != nil || len(got) != 1 {
		t.Fatalf("backup content: %v %v", got, err)
	}
	if n := count(t, old, `SELECT count(*) FROM pragma_table_info('chats') WHERE name = 'color'`); n != 0 {
		t.Error("backup already has the v2 column")
	}
	_ = old.Close()

	// Already current: no second backup.
	s, err = open(ctx, path, Options{}, v2)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if baks, _ := filepath.Glob(path + ".bak-*"); len(baks) != 1 {
		t.Errorf("reopen made another backup: %v", baks)
	}
}

// All pending steps share one transaction: a failing later step leaves no
// trace of the earlier ones.
func TestFailedMigrationRollsBackEverything(t *testing.T) {
	ctx := context.Background()
	v1 := realMigrations(t)
	broken := append(slices.Clone(v1), migration{version: len(v1) + 1, name: "0002_broken.sql",
		sql: `CREATE TABLE extra (x INTEGER); INSERT INTO no_such_table VALUES (1);`})

	t.Run("fresh", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "hearth.db")
		if _, err := open(ctx, path, Options{}, broken); err == nil || !strings.Contains(err.Error(), "0002_broken.sql") {
			t.Fatalf("err = %v, want failure naming the migration", err)
		}
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n, uv int
		_ = db.QueryRow(`SELECT count(*) FROM sqlite_master`).Scan(&n)
		_ = db.QueryRow(`PRAGMA user_version`).Scan(&uv)
		if n != 0 || uv != 0 {
			t.Fatalf("after failed fresh migration: %d objects, user_version %d", n, uv)
		}
	})

	t.Run("upgrade", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "hearth.db")
		s, err := open(ctx, path, Options{}, v1)
		if err != nil {
			t.Fatal(err)
		}
		c := mustChat(t, s, NewChat{})
		_ = s.Close()
		if _, err := open(ctx, path, Options{}, broken); err == nil {
			t.Fatal("broken migration succeeded")
		}
		s, err = open(ctx, path, Options{}, v1)
		if err != nil {
			t.Fatalf("reopen at v1: %v", err)
		}
		defer s.Close()
		if s.SchemaVersion() != len(v1) || count(t, s, `SELECT count(*) FROM sqlite_master WHERE name = 'extra'`) != 0 {
			t.Fatal("partial migration left behind")
		}
		if _, err := s.GetChat(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func dirSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		out[e.Name()] = hashFile(t, filepath.Join(dir, e.Name()))
	}
	return out
}

func TestRefusesDatabasesItMustNotTouch(t *testing.T) {
	ctx := context.Background()
	latest := len(realMigrations(t))
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		want    error
		msg     string
	}{
		{
			name: "newer schema",
			prepare: func(t *testing.T, path string) {
				s := openAt(t, path)
				mustChat(t, s, NewChat{Title: "from the future"})
				rawExec(t, s.w, "PRAGMA user_version = 7")
				_ = s.Close()
			},
			want: ErrNewerSchema,
			msg:  fmt.Sprintf("was written by a newer Hearth (schema 7; this build knows %d): refusing to open it", latest),
		},
		{
			name: "other application",
			prepare: func(t *testing.T, path string) {
				db := rawDB(t, path)
				rawExec(t, db, "CREATE TABLE notes (body TEXT)", "INSERT INTO notes VALUES ('mine')", "PRAGMA user_version = 1")
				_ = db.Close()
			},
			want: ErrNotHearth,
		},
		{
			name: "tables but version 0",
			prepare: func(t *testing.T, path string) {
				s := openAt(t, path)
				rawExec(t, s.w, "PRAGMA user_version = 0")
				_ = s.Close()
			},
			want: ErrNotHearth,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "hearth.db")
			tc.prepare(t, path)
			before := dirSnapshot(t, dir)
			_, err := Open(ctx, path, Options{Logger: testLogger(t)})
			wantErr(t, err, tc.want)
			if tc.msg != "" && err.Error() != "database "+path+" "+tc.msg {
				t.Errorf("message = %q", err.Error())
			}
			if after := dirSnapshot(t, dir); !maps.Equal(before, after) {
				t.Errorf("directory changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

func TestRefusesNonDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hearth.db")
	junk := bytes.Repeat([]byte("not a database "), 400)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), path, Options{}); err == nil {
		t.Fatal("opened a junk file")
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, junk) {
		t.Fatal("junk file modified")
	}
}

func TestLoadMigrationsValidates(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		ok    bool
	}{
		{"ok", fstest.MapFS{"m/0001_a.sql": {}, "m/0002_b.sql": {}, "m/README": {}}, true},
		{"gap", fstest.MapFS{"m/0001_a.sql": {}, "m/0003_c.sql": {}}, false},
		{"duplicate", fstest.MapFS{"m/0001_a.sql": {}, "m/0001_b.sql": {}}, false},
		{"bad name", fstest.MapFS{"m/first.sql": {}}, false},
		{"empty", fstest.MapFS{"m/README": {}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadMigrations(tc.files, "m")
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, ok want %v", err, tc.ok)
			}
		})
	}
}

func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func rawExec(t testing.TB, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
