package media

import (
	"encoding/base64"
	"testing"

	"github.com/hearth-app/hearth/backend/media/mediatest"
	"github.com/hearth-app/hearth/backend/protocol"
)

func seedAll(f *testing.F) [][]byte {
	seeds := [][]byte{
		pngBytes(f), jpegBytes(f), gifBytes(f), webpBytes(), mp4Bytes(), quickTimeBytes(), webmBytes(),
		htmlBytes, svgBytes, svgProlog, svgPlain, pdfBytes, ebmlHeader("matroska"),
		ftyp("heic", 0, "mif1"), {0x1A, 0x45, 0xDF, 0xA3, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x42, 0x82},
		[]byte("<?xml"), []byte("<!--"), []byte("<!DOCTYPE"),
	}
	return seeds
}

// FuzzSniff: never panics, and an accepted verdict is always on the
// allow-list with the matching kind; a refusal is always a *protocol.Error.
func FuzzSniff(f *testing.F) {
	for _, s := range seedAll(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		mime, kind, err := Sniff(b)
		if err != nil {
			if protocol.ReasonOf(err) == "" {
				t.Fatalf("refusal without a reason: %v", err)
			}
			return
		}
		if k, ok := KindOf(mime); !ok || k != kind {
			t.Fatalf("accepted %q as %q", mime, kind)
		}
	})
}

// FuzzParseDataURL: never panics; accepted data round-trips through a
// canonical data URL, and whatever it decodes to can be sniffed safely.
func FuzzParseDataURL(f *testing.F) {
	for _, s := range seedAll(f) {
		f.Add("data:image/png;base64," + base64.StdEncoding.EncodeToString(s))
		f.Add("data:;base64," + base64.RawURLEncoding.EncodeToString(s))
	}
	f.Add("data:image/png;base64,iVBORw0KGgo=\n")
	f.Add("data:,hello")
	f.Add("DATA:;BASE64,====")
	f.Fuzz(func(t *testing.T, s string) {
		data, err := ParseDataURL(s)
		if err != nil {
			if protocol.ReasonOf(err) == "" {
				t.Fatalf("refusal without a reason: %v", err)
			}
			return
		}
		again, err := ParseDataURL("data:;base64," + base64.StdEncoding.EncodeToString(data))
		if err != nil || string(again) != string(data) {
			t.Fatalf("round trip failed: %v", err)
		}
		_, _, _ = Sniff(data)
	})
}

// FuzzExtractText: a hostile document never panics the server (the PDF
// library's panics are recovered) and is either text or a refusal with a
// reason; the same bytes always give the same text.
func FuzzExtractText(f *testing.F) {
	f.Add([]byte("# notes\n"), false)
	f.Add(utf16LE("héllo"), false)
	f.Add(mediatest.PDF("seed text", ""), true)
	f.Add(mediatest.EncryptedPDF(), true)
	f.Fuzz(func(t *testing.T, b []byte, pdf bool) {
		mime := MIMEText
		if pdf {
			mime = MIMEPDF
		}
		text, err := ExtractText(mime, b)
		if err != nil {
			if protocol.ReasonOf(err) == "" {
				t.Fatalf("refusal without a reason: %v", err)
			}
			return
		}
		if again, _ := ExtractText(mime, b); again != text {
			t.Fatal("a second extraction differs")
		}
	})
}
