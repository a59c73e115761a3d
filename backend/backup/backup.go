// Package backup copies Hearth's data while it runs: a consistent snapshot of
// the database and the media files beside it.
package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// Run writes a consistent copy of the database and the media files into
// dest, a directory that must not exist yet (or be empty), while Hearth runs.
func Run(ctx context.Context, st *store.Store, mf *media.Files, dest string) (files int, err error) {
	if !filepath.IsAbs(dest) {
		return 0, protocol.Refuse(protocol.ReasonInvalidField, "backup destination must be an absolute path")
	}
	if err := checkDest(st, mf, dest); err != nil {
		return 0, err
	}
	if entries, err := os.ReadDir(dest); err == nil && len(entries) > 0 {
		return 0, protocol.Refuse(protocol.ReasonInvalidField, "%s exists and is not empty; give a new directory", dest)
	}
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err := st.Backup(ctx, filepath.Join(dest, "hearth.db")); err != nil {
		return 0, fmt.Errorf("backup database: %w", err)
	}
	if mf == nil {
		return 0, nil
	}
	src := mf.Dir()
	err = filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || ctx.Err() != nil {
			return errors.Join(err, ctx.Err())
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dest, "media", rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o700)
		}
		if strings.HasPrefix(d.Name(), ".") {
			return nil // unfinished uploads
		}
		files++
		// Media files are content-addressed and never change: a hard link is a
		// safe, instant copy; fall back to copying across filesystems.
		if os.Link(path, to) == nil {
			return nil
		}
		return copyFile(path, to)
	})
	if err != nil {
		return files, fmt.Errorf("backup media: %w", err)
	}
	return files, nil
}

// checkDest refuses a destination inside the data directory: the copy
// would be copied into itself (inside media/, without end). Symbolic links and
// ".." are resolved as the kernel will when the directory is created.
func checkDest(st *store.Store, mf *media.Files, dest string) error {
	where := resolvePath(dest)
	dirs := []string{filepath.Dir(st.Path())}
	if mf != nil {
		dirs = append(dirs, mf.Dir())
	}
	for _, d := range dirs {
		if within(where, resolvePath(d)) {
			return protocol.Refuse(protocol.ReasonInvalidField, "%s is inside Hearth's data directory %s, so the backup would copy itself: choose a directory outside it",
				dest, filepath.Dir(st.Path()))
		}
	}
	return nil
}

// resolvePath resolves the symbolic links of the longest part of p that
// exists; the rest, still to be created, is taken as written.
func resolvePath(p string) string {
	parts := strings.Split(p, string(filepath.Separator))
	for i := len(parts); i > 0; i-- {
		prefix := strings.Join(parts[:i], string(filepath.Separator))
		if prefix == "" {
			prefix = string(filepath.Separator)
		}
		if r, err := filepath.EvalSymlinks(prefix); err == nil {
			return filepath.Join(append([]string{r}, parts[i:]...)...)
		}
	}
	return filepath.Clean(p)
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
