package config

import (
	"strings"
	"testing"
)

func TestDocumentKeysFromTheFile(t *testing.T) {
	c, err := loadWith(t, loadCase{file: "[media]\nmax_documents = 2\nmax_document_bytes = 4096\ndocument_chars = 500\n"}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	if c.Media.MaxDocuments != 2 || c.Media.MaxDocumentBytes != 4096 || c.DocumentChars != 500 {
		t.Fatalf("documents: %d %d %d", c.Media.MaxDocuments, c.Media.MaxDocumentBytes, c.DocumentChars)
	}
	if got := describe(t, c, c.Source("media.document_chars")); got != "file" {
		t.Errorf("media.document_chars came from %q", got)
	}
	for bad, want := range map[string]string{
		"[media]\nmax_documents = 0\n":         "media.max_documents must be positive",
		"[media]\nmax_document_bytes = -1\n":   "media.max_document_bytes must be positive",
		"[media]\ndocument_chars = 0\n":        "media.document_chars must be positive",
		"[media]\ndocument_chars = 99999999\n": "media.document_chars is at most",
	} {
		_, err := loadWith(t, loadCase{file: bad}, "linux")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", bad, err, want)
		}
	}
}
