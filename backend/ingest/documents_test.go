package ingest

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/media/mediatest"
	"github.com/hearth-app/hearth/backend/protocol"
)

// A document whose text cannot be read is refused before anything of its
// message is written, with words that say why.
func TestARefusedDocumentLeavesNoFileBehind(t *testing.T) {
	lim := media.DefaultLimits()
	lim.MaxDocuments = 2
	ctx := context.Background()
	notes := dataURL("text/markdown", []byte("# Notes\n\nThe hearth is warm.\n"))
	for _, tt := range []struct {
		name   string
		items  []protocol.MediaItem
		reason string
		detail string
	}{
		{"an image, then a scanned pdf", []protocol.MediaItem{
			{DataURL: dataURL("image/png", pngOf(t, 1))}, {DataURL: dataURL("application/pdf", mediatest.PDF("")), Name: "scan.pdf"},
		}, protocol.ReasonNoText, "media[1]: this PDF has no text to read"},
		{"notes, then an encrypted pdf", []protocol.MediaItem{
			{DataURL: notes, Name: "notes.md"}, {DataURL: dataURL("application/pdf", mediatest.EncryptedPDF()), Name: "locked.pdf"},
		}, protocol.ReasonNoText, "password"},
		{"notes, then latin-1 text", []protocol.MediaItem{
			{DataURL: notes, Name: "notes.md"}, {DataURL: dataURL("text/plain", []byte("caf\xe9 "+strings.Repeat("x", 600)+"\xe9")), Name: "old.txt"},
		}, protocol.ReasonUnsupportedType, "not UTF-8"},
		{"three documents", []protocol.MediaItem{
			{DataURL: notes, Name: "a.md"}, {DataURL: notes, Name: "b.md"}, {DataURL: dataURL("application/pdf", mediatest.PDF("c")), Name: "c.pdf"},
		}, protocol.ReasonTooManyDocs, "at most 2 documents"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in, dir := newIngester(t, lim)
			_, err := in.Message(ctx, tt.items)
			pe, _ := err.(*protocol.Error)
			if pe == nil || pe.Reason != tt.reason || !strings.Contains(pe.Detail, tt.detail) {
				t.Fatalf("err = %v, want %s saying %q", err, tt.reason, tt.detail)
			}
			if n := filesIn(t, dir); n != 0 {
				t.Errorf("%d files left behind by a refused message", n)
			}
		})
	}
}

func TestDocumentsAreStoredLikeImages(t *testing.T) {
	in, dir := newIngester(t, media.DefaultLimits())
	ctx := context.Background()
	up, err := in.Upload(ctx, bytes.NewReader(mediatest.PDF("Uploaded over HTTP")), "report.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if up.MIME != media.MIMEPDF || up.Name != "report.pdf" {
		t.Fatalf("upload %+v", up)
	}
	if _, err := in.Upload(ctx, bytes.NewReader(mediatest.PDF("")), "scan.pdf"); protocol.ReasonOf(err) != protocol.ReasonNoText {
		t.Fatalf("scanned upload: %v", err)
	}
	refs, err := in.Message(ctx, []protocol.MediaItem{{ID: up.ID}, {DataURL: dataURL("text/plain", []byte("package main\n")), Name: "main.go"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 2 || refs[1].MIME != media.MIMEText || refs[1].Name != "main.go" {
		t.Fatalf("refs %+v", refs)
	}
	blobs, err := in.Blobs(ctx, []Blob{{Where: "message 0: media[0]", Name: "again.md", Data: []byte("# Imported\n")}})
	if err != nil || blobs[0].MIME != media.MIMEText {
		t.Fatalf("import %+v %v", blobs, err)
	}
	if n := filesIn(t, dir); n != 3 {
		t.Errorf("%d files stored, want 3", n)
	}
}
