package media

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/hearth-app/hearth/backend/media/mediatest"
	"github.com/hearth-app/hearth/backend/protocol"
)

func utf16LE(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func TestSniffDocuments(t *testing.T) {
	long := strings.Repeat("é", SniffLen) // the head ends inside a rune
	tests := []struct {
		name string
		data []byte
		mime string
	}{
		{"markdown", []byte("# Notes\n\n- one\n- two\n"), MIMEText},
		{"go source", []byte("package main\n\nfunc main() {\n\tprintln(\"hi\")\n}\n"), MIMEText},
		{"utf-8 with bom", append([]byte{0xEF, 0xBB, 0xBF}, "Grüße"...), MIMEText},
		{"utf-16 with bom", utf16LE("Grüße aus Köln"), MIMEText},
		{"coloured log", []byte("\x1b[31merror\x1b[0m: disk full\r\n"), MIMEText},
		{"long text cut mid-rune by the head", []byte(long), MIMEText},
		{"html is text, never a page", htmlBytes, MIMEText},
		{"pdf", mediatest.PDF("hello"), MIMEPDF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mime, kind, err := Sniff(tt.data)
			if err != nil || mime != tt.mime || kind != KindDocument {
				t.Fatalf("Sniff = %q, %q, %v; want %q document", mime, kind, err, tt.mime)
			}
		})
	}
	for name, data := range map[string][]byte{
		"nul byte":     []byte("abc\x00def"),
		"latin-1":      []byte("caf\xe9 au lait"),
		"bell control": []byte("ring \x07 ring"),
		"elf binary":   []byte("\x7fELF\x02\x01\x01\x00"),
	} {
		if _, _, err := Sniff(data); protocol.ReasonOf(err) != protocol.ReasonUnsupportedType {
			t.Errorf("%s: %v, want unsupported_type", name, err)
		}
	}
}

func TestExtractText(t *testing.T) {
	report, err := os.ReadFile("testdata/report.pdf") // printed to PDF by Chromium: subset fonts, ToUnicode maps
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mime   string
		data   []byte
		want   []string // substrings of the text
		reason string   // "" = extracted
		detail string
	}{
		{"markdown", MIMEText, []byte("# Title\r\n\r\nBody text.\r\n"), []string{"# Title\n\nBody text.\n"}, "", ""},
		{"utf-16", MIMEText, utf16LE("Grüße aus Köln"), []string{"Grüße aus Köln"}, "", ""},
		{"utf-8 bom dropped", MIMEText, append([]byte{0xEF, 0xBB, 0xBF}, "x"...), []string{"x"}, "", ""},
		{"hand-made pdf", MIMEPDF, mediatest.PDF("The hearth is warm.\nSecond line (with parens)", "Page two"),
			[]string{"The hearth is warm.", "Second line (with parens)", "Page two"}, "", ""},
		{"pdf from a browser", MIMEPDF, report,
			[]string{"Quarterly report", "Revenue grew by 12% in the third quarter — déjà vu."}, "", ""},
		{"pdf 2.0 header", MIMEPDF, bytes.Replace(mediatest.PDF("Version two"), []byte("%PDF-1.4"), []byte("%PDF-2.0"), 1),
			[]string{"Version two"}, "", ""},

		{"scanned pdf", MIMEPDF, mediatest.PDF(""), nil, protocol.ReasonNoText, "no text to read"},
		{"encrypted pdf", MIMEPDF, mediatest.EncryptedPDF(), nil, protocol.ReasonNoText, "password"},
		{"broken pdf", MIMEPDF, mediatest.PDF("x")[:200], nil, protocol.ReasonNoText, "could not be read"},
		{"blank text", MIMEText, []byte(" \n\t\n"), nil, protocol.ReasonNoText, "no text"},
		{"not utf-8 later on", MIMEText, append([]byte(strings.Repeat("a", 600)), 0xff), nil, protocol.ReasonUnsupportedType, "not UTF-8"},
		{"nul later on", MIMEText, append([]byte(strings.Repeat("a", 600)), 0), nil, protocol.ReasonUnsupportedType, "binary"},
		{"odd utf-16", MIMEText, utf16LE("ab")[:5], nil, protocol.ReasonUnsupportedType, "UTF-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, err := ExtractText(tt.mime, tt.data)
			if tt.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range tt.want {
					if !strings.Contains(text, w) {
						t.Errorf("text %q lacks %q", text, w)
					}
				}
				again, _ := ExtractText(tt.mime, tt.data)
				if again != text {
					t.Errorf("a second extraction differs: %q", again)
				}
				return
			}
			pe, ok := err.(*protocol.Error)
			if !ok || pe.Reason != tt.reason || !strings.Contains(pe.Detail, tt.detail) {
				t.Fatalf("err %v, want %s with %q", err, tt.reason, tt.detail)
			}
		})
	}
}

// A document is refused as a whole before it is stored: a PDF without text
// leaves no file, not even a temp file.
func TestPutDocuments(t *testing.T) {
	f, err := NewFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	info, err := f.Put(ctx, bytes.NewReader(mediatest.PDF("Stored text")), "notes.pdf", DefaultLimits())
	if err != nil || info.Kind != KindDocument || info.MIME != MIMEPDF || info.Name != "notes.pdf" {
		t.Fatalf("%+v %v", info, err)
	}
	text, err := f.DocumentText(info.ID, info.MIME)
	if err != nil || !strings.Contains(text, "Stored text") {
		t.Fatalf("DocumentText = %q, %v", text, err)
	}
	// Past the sniff window, the rest of a "text" file must be text too.
	binaryTail := append([]byte(strings.Repeat("text ", 200)), 0, 1, 2)
	for name, data := range map[string][]byte{"scan.pdf": mediatest.PDF(""), "tail.txt": binaryTail} {
		if _, err := f.Put(ctx, bytes.NewReader(data), name, DefaultLimits()); err == nil {
			t.Errorf("%s stored", name)
		}
	}
	lim := DefaultLimits()
	lim.MaxDocumentBytes = 100
	if _, err := f.Put(ctx, strings.NewReader(strings.Repeat("x", 101)), "big.txt", lim); protocol.ReasonOf(err) != protocol.ReasonTooLarge {
		t.Errorf("over the document limit: %v", err)
	}
	entries, _ := os.ReadDir(f.Dir())
	if len(entries) != 1 { // the fan-out directory of the stored PDF
		t.Errorf("%d entries in the store, want 1", len(entries))
	}
}

func TestCheckMessageCountsDocuments(t *testing.T) {
	doc := Info{ID: "d", MIME: MIMEText, Kind: KindDocument, Size: 10}
	lim := DefaultLimits()
	lim.MaxDocuments = 2
	if err := CheckMessage([]Info{doc, doc}, lim); err != nil {
		t.Fatal(err)
	}
	err := CheckMessage([]Info{doc, doc, doc}, lim)
	if protocol.ReasonOf(err) != protocol.ReasonTooManyDocs || !strings.Contains(err.Error(), "at most 2 documents") {
		t.Fatalf("three documents: %v", err)
	}
	lim.MaxDocumentBytes = 5
	if protocol.ReasonOf(CheckMessage([]Info{doc}, lim)) != protocol.ReasonTooLarge {
		t.Fatal("a document over the lowered size limit passed")
	}
}

// The model reads exactly the pages' lines, a blank line between pages, and
// nothing around them.
func TestPDFTextIsExact(t *testing.T) {
	got, err := ExtractText(MIMEPDF, mediatest.PDF("The hearth is warm.\nSecond line", "", "Page three"))
	if want := "The hearth is warm.\nSecond line\n\nPage three"; err != nil || got != want {
		t.Fatalf("text %q, %v; want %q", got, err, want)
	}
}
