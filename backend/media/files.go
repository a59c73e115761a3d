package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hearth-app/hearth/backend/ids"
	"github.com/hearth-app/hearth/backend/protocol"
)

// Info describes a stored file. ID is the SHA-256 of the content in
// lowercase hex, so identical uploads share one file.
type Info struct {
	ID   string
	MIME string
	Kind Kind
	Size int64
	// Name is the sanitised original base name, for display only; it never
	// becomes part of a path.
	Name string
}

// Files is a content-addressed store rooted at a directory: dir/ab/cdef…
// for ID abcdef…, so no directory grows past a few thousand entries.
type Files struct {
	dir string

	// mu orders Put's last step (is the file there? rename it in) against
	// Remove, and guards lastPut.
	mu sync.Mutex
	// lastPut is when each id was last Put. The caller records the upload in
	// the database after Put returns; a Remove in between must not take the
	// file from under that record (see Remove).
	lastPut   map[string]time.Time
	prunedLen int

	// docs keeps documents' extracted text for the turns that send it again.
	docs docCache
}

// putMemory is how long lastPut remembers a Put: far longer than any caller
// takes to record the upload after Put returns.
const putMemory = 10 * time.Minute

// tempPrefix marks uploads in progress; RemoveStaleTemps recognises
// leftovers by it.
const tempPrefix = ".upload-"

// NewFiles opens (creating, mode 0700) the store at dir.
func NewFiles(dir string) (*Files, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("media: creating %s: %w", abs, err)
	}
	return &Files{dir: abs, lastPut: map[string]time.Time{}}, nil
}

// Dir is the root directory, for backups.
func (f *Files) Dir() string { return f.dir }

// Put streams r into the store. It sniffs the first bytes before accepting
// the rest, so a refused type costs one read, and stops reading one byte
// past the limit of the sniffed kind. Whatever goes wrong, no partial file
// is left behind. Cancelling ctx stops Put between reads.
func (f *Files) Put(ctx context.Context, r io.Reader, name string, lim Limits) (Info, error) {
	tmp, err := os.CreateTemp(f.dir, tempPrefix+"*")
	if err != nil {
		return Info{}, fmt.Errorf("media: creating temp file: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()

	r = ctxReader{ctx: ctx, r: r}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return Info{}, fmt.Errorf("media: reading upload: %w", err)
	}
	head = head[:n]
	mime, kind, err := Sniff(head)
	if err != nil {
		return Info{}, err
	}
	limit := lim.maxBytes(kind)
	if kind == KindDocument && limit <= 0 {
		return Info{}, noDocuments()
	}
	if int64(n) > limit {
		return Info{}, tooLarge(kind, limit)
	}

	h := sha256.New()
	w := io.MultiWriter(tmp, h)
	// A document is kept in memory too: its text is extracted before the
	// file is stored, and one that has none is refused like a wrong type.
	var doc *bytes.Buffer
	if kind == KindDocument {
		doc = new(bytes.Buffer)
		w = io.MultiWriter(tmp, h, doc)
	}
	if _, err := w.Write(head); err != nil {
		return Info{}, fmt.Errorf("media: writing %s: %w", tmp.Name(), err)
	}
	rest, err := io.Copy(w, io.LimitReader(r, limit-int64(n)+1))
	if err != nil {
		return Info{}, fmt.Errorf("media: storing upload: %w", err)
	}
	size := int64(n) + rest
	if size > limit {
		return Info{}, tooLarge(kind, limit)
	}
	if doc != nil {
		if _, err := ExtractText(mime, doc.Bytes()); err != nil {
			return Info{}, err
		}
	}
	// The database row that will point here is committed after Put
	// returns; the bytes must be on disk before that.
	if err := tmp.Sync(); err != nil {
		return Info{}, fmt.Errorf("media: syncing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("media: closing %s: %w", tmp.Name(), err)
	}

	id := hex.EncodeToString(h.Sum(nil))
	final := f.pathOf(id)
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return Info{}, fmt.Errorf("media: creating %s: %w", filepath.Dir(final), err)
	}
	info := Info{ID: id, MIME: mime, Kind: kind, Size: size, Name: SanitizeName(name)}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rememberPutLocked(id)
	switch _, err := os.Lstat(final); {
	case err == nil:
		return info, nil // same content already stored; the deferred cleanup drops ours
	case !errors.Is(err, fs.ErrNotExist):
		return Info{}, fmt.Errorf("media: %w", err)
	}
	// A concurrent Put of the same bytes may rename first; rename replaces
	// atomically with identical content, so either outcome is correct.
	if err := os.Rename(tmp.Name(), final); err != nil {
		return Info{}, fmt.Errorf("media: storing %s: %w", id, err)
	}
	keep = true
	syncDir(filepath.Dir(final))
	return info, nil
}

// rememberPutLocked notes a Put of id and forgets old ones, pruning only when
// the map has doubled so the cost stays constant per Put. Caller holds f.mu.
func (f *Files) rememberPutLocked(id string) {
	now := time.Now()
	f.lastPut[id] = now
	if len(f.lastPut) < 2*f.prunedLen+64 {
		return
	}
	for k, t := range f.lastPut {
		if now.Sub(t) > putMemory {
			delete(f.lastPut, k)
		}
	}
	f.prunedLen = len(f.lastPut)
}

// Remove deletes the file of id, whose database row the caller has just
// deleted; recordedAt is when that row was last written. A Put of the same
// bytes after that time has a new row on its way (the upload is recorded
// after Put returns), so the file is kept and false returned: the start-up
// sweep removes it later if no row comes. A missing file is not an error.
func (f *Files) Remove(id string, recordedAt time.Time) (bool, error) {
	p, err := f.Path(id)
	if err != nil {
		return false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// Milliseconds: the database keeps times to the millisecond.
	if t, ok := f.lastPut[id]; ok && t.UnixMilli() > recordedAt.UnixMilli() {
		return false, nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("media: removing %s: %w", id, err)
	}
	delete(f.lastPut, id)
	return true, nil
}

// RemoveOrphans deletes stored files whose id known does not recognise and
// that were last modified before cutoff: left by a crash between a database
// change and the file's removal, or by an upload whose record failed. The
// cutoff spares files an upload in progress is about to record.
func (f *Files) RemoveOrphans(known func(id string) bool, cutoff time.Time) (int, error) {
	fanout, err := os.ReadDir(f.dir)
	if err != nil {
		return 0, fmt.Errorf("media: %w", err)
	}
	removed := 0
	for _, d := range fanout {
		if !d.IsDir() || len(d.Name()) != 2 {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(f.dir, d.Name()))
		if err != nil {
			return removed, fmt.Errorf("media: %w", err)
		}
		for _, e := range entries {
			id := d.Name() + e.Name()
			if !e.Type().IsRegular() || !ids.ValidMedia(id) || known(id) {
				continue
			}
			fi, err := e.Info()
			if err != nil || !fi.ModTime().Before(cutoff) {
				continue
			}
			if ok, err := f.Remove(id, fi.ModTime()); err != nil {
				return removed, err
			} else if ok {
				removed++
			}
		}
	}
	return removed, nil
}

// syncDir makes a rename durable; best effort, since not every platform
// can fsync a directory and the file itself is already synced.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (f *Files) pathOf(id string) string {
	return filepath.Join(f.dir, id[:2], id[2:])
}

// Path returns the file of id; it does not check that it exists.
func (f *Files) Path(id string) (string, error) {
	if !ids.ValidMedia(id) {
		return "", newError(protocol.ReasonNotFound, nil, "invalid media id %q", truncateUTF8(id, 80))
	}
	return f.pathOf(id), nil
}

// Open opens the file of id for reading.
func (f *Files) Open(id string) (*os.File, error) {
	p, err := f.Path(id)
	if err != nil {
		return nil, err
	}
	file, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, newError(protocol.ReasonNotFound, err, "media %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return file, nil
}

// Has reports whether the file of id is stored.
func (f *Files) Has(id string) bool {
	p, err := f.Path(id)
	if err != nil {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// ReadAll reads a whole attachment (for the model, for an export). A nil
// Files has none: media is disabled.
func (f *Files) ReadAll(id string) ([]byte, error) {
	if f == nil {
		return nil, errors.New("media is not enabled")
	}
	file, err := f.Open(id)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return io.ReadAll(file)
}

// cacheMaxAge: content under an ID never changes, so the only reason to
// expire is to stop serving a deleted chat's media from the browser cache.
const cacheMaxAge = 24 * time.Hour

// Serve writes the file of id with range support. The headers keep the
// browser from treating the bytes as anything but the given media type:
// nosniff, a sandbox CSP in case it is opened as a document, and a MIME
// outside the allow-list is downgraded to application/octet-stream.
func (f *Files) Serve(w http.ResponseWriter, r *http.Request, id, mime string) {
	file, err := f.Open(id)
	if err != nil {
		if protocol.ReasonOf(err) == protocol.ReasonNotFound {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		http.Error(w, "media unavailable", http.StatusInternalServerError)
		return
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		http.Error(w, "media unavailable", http.StatusInternalServerError)
		return
	}
	if _, ok := allowed[mime]; !ok {
		mime = "application/octet-stream"
	}
	h := w.Header()
	if mime == MIMEText {
		// A UTF-16 file's byte-order mark still wins in the browser.
		mime += "; charset=utf-8"
	}
	h.Set("Content-Type", mime)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cache-Control", fmt.Sprintf("private, max-age=%d, immutable", int(cacheMaxAge.Seconds())))
	h.Set("ETag", `"`+id+`"`)
	http.ServeContent(w, r, "", fi.ModTime(), file)
}

// RemoveStaleTemps deletes uploads left half-written by a crash, that is
// temp files last modified before cutoff; call it at start-up with a cutoff
// well before now so a concurrent upload is not cut short.
func (f *Files) RemoveStaleTemps(cutoff time.Time) (int, error) {
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return 0, fmt.Errorf("media: %w", err)
	}
	removed := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(f.dir, e.Name())); err == nil {
			removed++
		}
	}
	return removed, nil
}
