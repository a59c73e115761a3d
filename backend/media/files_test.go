package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
)

func newFiles(t *testing.T) (*Files, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "media")
	f, err := NewFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	return f, dir
}

// storedFiles lists every file under dir, temp files included.
func storedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestNewFilesMode(t *testing.T) {
	_, dir := newFiles(t)
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v, %v", fi.Mode(), err)
	}
}

func TestPutStoresRealFiles(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		mime string
		kind Kind
	}{
		{"a.png", pngBytes(t), "image/png", KindImage},
		{"b.jpg", jpegBytes(t), "image/jpeg", KindImage},
		{"c.gif", gifBytes(t), "image/gif", KindImage},
		{"d.webp", webpBytes(), "image/webp", KindImage},
		{"e.mp4", mp4Bytes(), "video/mp4", KindVideo},
		{"f.mov", quickTimeBytes(), "video/quicktime", KindVideo},
		{"g.webm", webmBytes(), "video/webm", KindVideo},
	}
	f, dir := newFiles(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte per Read: the sniffer must not depend on a big first read.
			info, err := f.Put(context.Background(), &oneByteReader{r: bytes.NewReader(tt.data)}, "dir/"+tt.name, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			want := Info{ID: sha(tt.data), MIME: tt.mime, Kind: tt.kind, Size: int64(len(tt.data)), Name: tt.name}
			if info != want {
				t.Fatalf("info %+v, want %+v", info, want)
			}
			p := filepath.Join(dir, info.ID[:2], info.ID[2:])
			if got, _ := f.Path(info.ID); got != p {
				t.Errorf("Path = %q, want %q", got, p)
			}
			got, err := os.ReadFile(p)
			if err != nil || !bytes.Equal(got, tt.data) {
				t.Fatalf("stored content differs: %v", err)
			}
			if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
				t.Errorf("file mode %v", fi.Mode().Perm())
			}
			if fi, _ := os.Stat(filepath.Dir(p)); fi.Mode().Perm() != 0o700 {
				t.Errorf("fan-out dir mode %v", fi.Mode().Perm())
			}
			if !f.Has(info.ID) {
				t.Error("Has = false")
			}
		})
	}
	if n := len(storedFiles(t, dir)); n != len(tests) {
		t.Errorf("%d files stored, want %d", n, len(tests))
	}
}

type oneByteReader struct{ r io.Reader }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestPutDedup(t *testing.T) {
	f, dir := newFiles(t)
	data := pngBytes(t)
	a, err := f.Put(context.Background(), bytes.NewReader(data), "first.png", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.Put(context.Background(), bytes.NewReader(data), "second.png", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID || a.Name != "first.png" || b.Name != "second.png" {
		t.Errorf("a=%+v b=%+v", a, b)
	}
	if files := storedFiles(t, dir); len(files) != 1 {
		t.Errorf("files after dedup: %v", files)
	}
}

func TestPutConcurrentSameContent(t *testing.T) {
	f, dir := newFiles(t)
	data := mp4Bytes()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.Put(context.Background(), bytes.NewReader(data), "v.mp4", DefaultLimits())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if files := storedFiles(t, dir); len(files) != 1 {
		t.Errorf("files: %v", files)
	}
}

// countingReader yields a valid header followed by an endless stream and
// counts how much was pulled, to prove Put stops at the limit.
type countingReader struct {
	head []byte
	n    int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k := copy(p, c.head)
	c.head = c.head[k:]
	for i := k; i < len(p); i++ {
		p[i] = 0
	}
	c.n += int64(len(p))
	return len(p), nil
}

func TestPutRefusals(t *testing.T) {
	small := Limits{MaxImages: 4, MaxImageBytes: 64 << 10, MaxVideos: 1, MaxVideoBytes: 256 << 10}
	bigVideo := cat(mp4Bytes(), make([]byte, 100<<10)) // over the image limit, under the video limit
	tests := []struct {
		name   string
		r      io.Reader
		lim    Limits
		reason string
		is     error
	}{
		{"html labelled png", bytes.NewReader(htmlBytes), small, protocol.ReasonUnsupportedType, nil},
		{"svg", bytes.NewReader(svgProlog), small, protocol.ReasonSVGRefused, nil},
		{"pdf", bytes.NewReader(pdfBytes), small, protocol.ReasonUnsupportedType, nil},
		{"empty", bytes.NewReader(nil), small, protocol.ReasonEmpty, nil},
		{"endless image", &countingReader{head: pngBytes(t)}, small, protocol.ReasonTooLarge, nil},
		{"endless video", &countingReader{head: webmBytes()}, small, protocol.ReasonTooLarge, nil},
		{"image one byte over", bytes.NewReader(cat(pngBytes(t), make([]byte, 64<<10-len(pngBytes(t))+1))), small, protocol.ReasonTooLarge, nil},
		{"video limit does not apply to images", bytes.NewReader(cat(pngBytes(t), make([]byte, 100<<10))), small, protocol.ReasonTooLarge, nil},
		{"limit smaller than the head", bytes.NewReader(bigVideo), Limits{MaxImageBytes: 10, MaxVideoBytes: 10}, protocol.ReasonTooLarge, nil},
		{"reader fails midway", io.MultiReader(bytes.NewReader(mp4Bytes()), iotestErrReader{}), small, "", errBroken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, dir := newFiles(t)
			_, err := f.Put(context.Background(), tt.r, "x.png", tt.lim)
			if err == nil {
				t.Fatal("accepted")
			}
			if protocol.ReasonOf(err) != tt.reason {
				t.Errorf("reason %q (%v), want %q", protocol.ReasonOf(err), err, tt.reason)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err %v is not %v", err, tt.is)
			}
			if files := storedFiles(t, dir); len(files) != 0 {
				t.Errorf("left behind: %v", files)
			}
			if c, ok := tt.r.(*countingReader); ok && c.n > tt.lim.MaxVideoBytes+64<<10 {
				t.Errorf("read %d bytes of an oversize stream", c.n)
			}
		})
	}

	f, _ := newFiles(t)
	if _, err := f.Put(context.Background(), bytes.NewReader(bigVideo), "big.mp4", small); err != nil {
		t.Errorf("video under its own limit refused: %v", err)
	}
}

var errBroken = errors.New("connection reset")

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errBroken }

func TestPutCancelled(t *testing.T) {
	f, dir := newFiles(t)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	head := pngBytes(t)
	go func() {
		_, _ = pw.Write(head)
		cancel()
		_, _ = pw.Write(make([]byte, 1024))
		_ = pw.Close()
	}()
	_, err := f.Put(ctx, pr, "x.png", DefaultLimits())
	_ = pr.Close() // unblocks the writer if Put stopped reading mid-write
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if files := storedFiles(t, dir); len(files) != 0 {
		t.Errorf("left behind: %v", files)
	}
}

func TestOpenAndPathRejectBadIDs(t *testing.T) {
	f, _ := newFiles(t)
	info, err := f.Put(context.Background(), bytes.NewReader(gifBytes(t)), "g.gif", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	file, err := f.Open(info.ID)
	if err != nil {
		t.Fatal(err)
	}
	_ = file.Close()

	for _, id := range []string{
		"",
		"../../etc/passwd",
		strings.ToUpper(info.ID),
		info.ID[:63],
		info.ID + "0",
		info.ID[:2] + "/" + info.ID[3:],
		"..%2f" + info.ID[5:],
		strings.Repeat("g", 64),
		info.ID[:62] + "\x00a",
	} {
		if _, err := f.Open(id); protocol.ReasonOf(err) != protocol.ReasonNotFound {
			t.Errorf("Open(%q) err = %v", id, err)
		}
		if _, err := f.Path(id); err == nil {
			t.Errorf("Path(%q) accepted", id)
		}
		if f.Has(id) {
			t.Errorf("Has(%q)", id)
		}
	}
	missing := strings.Repeat("ab", 32)
	if _, err := f.Open(missing); protocol.ReasonOf(err) != protocol.ReasonNotFound || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) err = %v", err)
	}
}

func TestServe(t *testing.T) {
	f, _ := newFiles(t)
	data := mp4Bytes()
	info, err := f.Put(context.Background(), bytes.NewReader(data), "v.mp4", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	serve := func(method, id, mime string, hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "/media/"+id, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		f.Serve(w, req, id, mime)
		return w
	}

	w := serve("GET", info.ID, info.MIME, nil)
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), data) {
		t.Fatalf("GET: %d, %d bytes", w.Code, w.Body.Len())
	}
	for k, want := range map[string]string{
		"Content-Type":            "video/mp4",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "sandbox",
		"Cache-Control":           "private, max-age=86400, immutable",
		"Accept-Ranges":           "bytes",
		"Etag":                    `"` + info.ID + `"`,
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}

	w = serve("GET", info.ID, info.MIME, map[string]string{"Range": "bytes=4-11"})
	if w.Code != http.StatusPartialContent || w.Body.String() != "ftypisom" ||
		w.Header().Get("Content-Range") != "bytes 4-11/"+strconv.Itoa(len(data)) {
		t.Errorf("range: %d %q %q", w.Code, w.Body.String(), w.Header().Get("Content-Range"))
	}

	w = serve("GET", info.ID, info.MIME, map[string]string{"If-None-Match": `"` + info.ID + `"`})
	if w.Code != http.StatusNotModified {
		t.Errorf("conditional: %d", w.Code)
	}

	w = serve("HEAD", info.ID, info.MIME, nil)
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != strconv.Itoa(len(data)) {
		t.Errorf("HEAD: %d len=%d cl=%q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}

	if w = serve("GET", info.ID, "text/html", nil); w.Header().Get("Content-Type") != "application/octet-stream" {
		t.Errorf("disallowed mime served as %q", w.Header().Get("Content-Type"))
	}
	for _, id := range []string{strings.Repeat("0", 64), "../../etc/passwd"} {
		if w = serve("GET", id, "image/png", nil); w.Code != http.StatusNotFound {
			t.Errorf("Serve(%q) = %d", id, w.Code)
		}
	}
}

func TestRemoveStaleTemps(t *testing.T) {
	f, dir := newFiles(t)
	if _, err := f.Put(context.Background(), bytes.NewReader(pngBytes(t)), "p.png", DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, tempPrefix+"old")
	fresh := filepath.Join(dir, tempPrefix+"fresh")
	for _, p := range []string{old, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	n, err := f.RemoveStaleTemps(time.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("removed %d, %v", n, err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Error("stale temp kept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("fresh temp removed")
	}
	if len(storedFiles(t, dir)) != 2 {
		t.Errorf("files: %v", storedFiles(t, dir))
	}
}
