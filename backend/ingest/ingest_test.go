package ingest

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/png"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

func pngOf(t *testing.T, w int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, 1))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func dataURL(mime string, b []byte) string {
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b)
}

func newIngester(t *testing.T, lim media.Limits) (*Ingester, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "hearth.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	files, err := media.NewFiles(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	return &Ingester{Store: st, Files: files, Limits: lim}, files.Dir()
}

// filesIn counts stored files (temp files included: a refusal must leave none).
func filesIn(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A message refused for any of its items, or for its count, writes nothing:
// the checks run before the first file is stored.
func TestARefusedMessageLeavesNoFileBehind(t *testing.T) {
	lim := media.Limits{MaxImages: 2, MaxImageBytes: 1 << 20, MaxVideos: 1, MaxVideoBytes: 1 << 20}
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		items  []protocol.MediaItem
		reason string
	}{
		{"too many images", []protocol.MediaItem{
			{DataURL: dataURL("image/png", pngOf(t, 1))}, {DataURL: dataURL("image/png", pngOf(t, 2))}, {DataURL: dataURL("image/png", pngOf(t, 3))},
		}, protocol.ReasonTooManyImages},
		{"a good image, then an svg", []protocol.MediaItem{
			{DataURL: dataURL("image/png", pngOf(t, 4))}, {DataURL: dataURL("image/svg+xml", []byte(`<svg onload="x"/>`))},
		}, protocol.ReasonSVGRefused},
		{"a good image, then an unknown upload", []protocol.MediaItem{
			{DataURL: dataURL("image/png", pngOf(t, 5))}, {ID: "0000000000000000000000000000000000000000000000000000000000000000"},
		}, protocol.ReasonInvalidMedia},
		{"a good image, then a broken data URL", []protocol.MediaItem{
			{DataURL: dataURL("image/png", pngOf(t, 6))}, {DataURL: "data:image/png;base64,@@@"},
		}, protocol.ReasonBadDataURL},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in, dir := newIngester(t, lim)
			_, err := in.Message(ctx, tt.items)
			if protocol.ReasonOf(err) != tt.reason {
				t.Fatalf("err = %v (reason %q), want %q", err, protocol.ReasonOf(err), tt.reason)
			}
			if n := filesIn(t, dir); n != 0 {
				t.Errorf("%d files left behind by a refused message", n)
			}
		})
	}
}

func TestAMessageStoresAndRecordsItsFiles(t *testing.T) {
	in, dir := newIngester(t, media.DefaultLimits())
	ctx := context.Background()
	up, err := in.Upload(ctx, bytes.NewReader(pngOf(t, 7)), "up.png")
	if err != nil {
		t.Fatal(err)
	}
	refs, err := in.Message(ctx, []protocol.MediaItem{{ID: up.ID}, {DataURL: dataURL("image/png", pngOf(t, 8)), Name: "inline.png"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 2 || refs[0].ID != up.ID || refs[1].Name != "inline.png" || refs[1].MIME != "image/png" {
		t.Fatalf("refs %+v", refs)
	}
	if _, err := in.Store.GetMedia(ctx, refs[1].ID); err != nil {
		t.Errorf("inline file not recorded: %v", err)
	}
	if n := filesIn(t, dir); n != 2 {
		t.Errorf("%d files stored, want 2", n)
	}
}

// An import is checked whole: a bad file in its last message means nothing
// of it is written.
func TestARefusedImportLeavesNoFileBehind(t *testing.T) {
	in, dir := newIngester(t, media.DefaultLimits())
	_, err := in.Blobs(context.Background(), []Blob{
		{Where: "message 0: media[0]", Name: "a.png", Data: pngOf(t, 9)},
		// Not HTML, which is text now, attached as a document.
		{Where: "message 4: media[1]", Name: "b.bin", Data: []byte("\x00\x01\x02 a binary file")},
	})
	if protocol.ReasonOf(err) != protocol.ReasonUnsupportedType {
		t.Fatalf("err = %v", err)
	}
	if pe, _ := err.(*protocol.Error); pe == nil || !bytes.HasPrefix([]byte(pe.Detail), []byte("message 4: media[1]: ")) {
		t.Errorf("refusal %v does not say where", err)
	}
	if n := filesIn(t, dir); n != 0 {
		t.Errorf("%d files left behind by a refused import", n)
	}
}

func TestDisabledMediaRefuses(t *testing.T) {
	var in *Ingester
	if _, err := in.Message(context.Background(), []protocol.MediaItem{{DataURL: "data:,x"}}); protocol.ReasonOf(err) != protocol.ReasonInvalidMedia {
		t.Errorf("message with media disabled: %v", err)
	}
	if _, err := in.Upload(context.Background(), bytes.NewReader(nil), ""); protocol.ReasonOf(err) != protocol.ReasonMediaDisabled {
		t.Errorf("upload with media disabled: %v", err)
	}
}
