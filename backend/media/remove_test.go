package media

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRemoveDeletesTheFile(t *testing.T) {
	f, _ := newFiles(t)
	info, err := f.Put(context.Background(), bytes.NewReader(pngBytes(t)), "a.png", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	ok, err := f.Remove(info.ID, time.Now().Add(time.Millisecond))
	if err != nil || !ok {
		t.Fatalf("Remove = %v, %v", ok, err)
	}
	if f.Has(info.ID) {
		t.Fatal("file still there")
	}
	if ok, err := f.Remove(info.ID, time.Now()); err != nil || !ok {
		t.Fatalf("removing a missing file: %v, %v", ok, err)
	}
}

// The same bytes Put after their row was last written have a new row on its
// way: the file must outlive the old row.
func TestRemoveKeepsAFilePutAgainAfterItsRowWasWritten(t *testing.T) {
	f, _ := newFiles(t)
	recorded := time.Now().Add(-time.Second)
	info, err := f.Put(context.Background(), bytes.NewReader(pngBytes(t)), "a.png", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	ok, err := f.Remove(info.ID, recorded)
	if err != nil || ok {
		t.Fatalf("Remove = %v, %v; want the file kept", ok, err)
	}
	if !f.Has(info.ID) {
		t.Fatal("file of a pending upload was removed")
	}
}

func TestRemoveOrphansTakesOnlyOldUnknownFiles(t *testing.T) {
	f, dir := newFiles(t)
	put := func(b []byte) string {
		info, err := f.Put(context.Background(), bytes.NewReader(b), "x", DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		return info.ID
	}
	known, orphan, young := put(pngBytes(t)), put(gifBytes(t)), put(jpegBytes(t))
	// A restarted process has no memory of earlier Puts.
	f, err := NewFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	for _, id := range []string{known, orphan} {
		p, _ := f.Path(id)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	stray := filepath.Join(dir, "zz", "not-a-media-file")
	if err := os.MkdirAll(filepath.Dir(stray), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stray, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(stray, old, old); err != nil {
		t.Fatal(err)
	}

	n, err := f.RemoveOrphans(func(id string) bool { return id == known }, time.Now().Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("RemoveOrphans = %d, %v; want 1", n, err)
	}
	if f.Has(orphan) {
		t.Error("old orphan kept")
	}
	if !f.Has(known) || !f.Has(young) {
		t.Error("a known or young file was removed")
	}
	if _, err := os.Stat(stray); err != nil {
		t.Errorf("a file that is not media was touched: %v", err)
	}
}
