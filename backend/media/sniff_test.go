package media

import (
	"errors"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/protocol"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		mime     string
		kind     Kind
		reason   string // "" = accepted
		inReason string // substring of the message
	}{
		{"png", pngBytes(t), "image/png", KindImage, "", ""},
		{"jpeg", jpegBytes(t), "image/jpeg", KindImage, "", ""},
		{"gif", gifBytes(t), "image/gif", KindImage, "", ""},
		{"webp", webpBytes(), "image/webp", KindImage, "", ""},
		{"mp4", mp4Bytes(), "video/mp4", KindVideo, "", ""},
		{"mp4 mp42", cat(ftyp("mp42", 0, "mp42", "isom"), box("mdat")), "video/mp4", KindVideo, "", ""},
		{"quicktime", quickTimeBytes(), "video/quicktime", KindVideo, "", ""},
		{"quicktime via compat", cat(ftyp("wxyz", 0, "abcd", "qt  ")), "video/quicktime", KindVideo, "", ""},
		{"3gp compatible with isom", cat(ftyp("3gp4", 0, "isom", "3gp4")), "video/mp4", KindVideo, "", ""},
		{"webm", webmBytes(), "video/webm", KindVideo, "", ""},
		{"webm header only", ebmlHeader("webm"), "video/webm", KindVideo, "", ""},

		{"empty", nil, "", "", protocol.ReasonEmpty, "empty"},
		// Text and PDFs are documents now (document_test.go); HTML is text,
		// stored and served as text/plain, never as a page.
		{"html", htmlBytes, "text/plain", KindDocument, "", ""},
		{"pdf", pdfBytes, "application/pdf", KindDocument, "", ""},
		{"text", []byte("just some text\n"), "text/plain", KindDocument, "", ""},
		{"binary", []byte("\x00\x01\x02\x03 not text"), "", "", protocol.ReasonUnsupportedType, "application/octet-stream"},
		{"svg", svgBytes, "", "", protocol.ReasonSVGRefused, "SVG"},
		{"svg with prolog, comment, doctype", svgProlog, "", "", protocol.ReasonSVGRefused, ""},
		{"svg uppercase after whitespace", svgPlain, "", "", protocol.ReasonSVGRefused, ""},
		{"svg doctype only", []byte(`<!DOCTYPE svg>`), "", "", protocol.ReasonSVGRefused, ""},
		{"xml that is not svg", []byte(`<?xml version="1.0"?><svgfoo/>`), "text/plain", KindDocument, "", ""},
		{"heic", cat(ftyp("heic", 0, "mif1", "heic")), "", "", protocol.ReasonUnsupportedType, "heic"},
		{"avif listing iso8", cat(ftyp("avif", 0, "avif", "mif1", "miaf", "iso8")), "", "", protocol.ReasonUnsupportedType, "avif"},
		{"unknown major with heif compat and mp4", cat(ftyp("abcd", 0, "iso8", "mif1")), "", "", protocol.ReasonUnsupportedType, "mif1"},
		{"m4a audio", cat(ftyp("M4A ", 0, "M4A ", "mp42", "isom")), "", "", protocol.ReasonUnsupportedType, "M4A"},
		{"ftyp unknown brands", cat(ftyp("zzzz", 0, "yyyy")), "", "", protocol.ReasonUnsupportedType, "zzzz"},
		{"ftyp too small", cat(be32(8), []byte("ftypisom"), be32(0)), "", "", protocol.ReasonUnsupportedType, "malformed"},
		{"matroska", ebmlHeader("matroska"), "", "", protocol.ReasonUnsupportedType, "matroska"},
		{"ebml truncated", ebmlHeader("webm")[:12], "", "", protocol.ReasonUnsupportedType, "EBML"},
		{"riff wave", cat([]byte("RIFF"), le32(4), []byte("WAVEfmt "), le32(0)), "", "", protocol.ReasonUnsupportedType, ""},
		{"riff webp without vp8 chunk", cat([]byte("RIFF"), le32(8), []byte("WEBPJUNK")), "", "", protocol.ReasonUnsupportedType, ""},
		{"bmp", []byte("BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"), "", "", protocol.ReasonUnsupportedType, "bmp"},
		{"truncated png signature", pngBytes(t)[:5], "", "", protocol.ReasonUnsupportedType, ""},
		{"html after png-like label", append([]byte("<html>"), pngBytes(t)...), "", "", protocol.ReasonUnsupportedType, "text/html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mime, kind, err := Sniff(tt.data)
			if tt.reason == "" {
				if err != nil || mime != tt.mime || kind != tt.kind {
					t.Fatalf("Sniff = %q, %q, %v; want %q, %q", mime, kind, err, tt.mime, tt.kind)
				}
				return
			}
			var me *protocol.Error
			if !errors.As(err, &me) || me.Reason != tt.reason {
				t.Fatalf("Sniff = %q, %q, %v; want reason %q", mime, kind, err, tt.reason)
			}
			if mime != "" || kind != "" {
				t.Errorf("refused but returned %q %q", mime, kind)
			}
			if me.Status() != 400 && me.Status() != 415 {
				t.Errorf("status %d", me.Status())
			}
			if !strings.Contains(me.Detail, tt.inReason) {
				t.Errorf("message %q lacks %q", me.Detail, tt.inReason)
			}
		})
	}
}

// Sniff only looks at SniffLen bytes, so what follows cannot change the
// verdict and huge inputs cost nothing.
func TestSniffOnlyReadsHead(t *testing.T) {
	big := append(pngBytes(t), make([]byte, 1<<20)...)
	if m, _, err := Sniff(big); err != nil || m != "image/png" {
		t.Fatalf("%q %v", m, err)
	}
	late := append(make([]byte, SniffLen), pngBytes(t)...)
	if _, _, err := Sniff(late); protocol.ReasonOf(err) != protocol.ReasonUnsupportedType {
		t.Fatalf("signature after the head accepted: %v", err)
	}
}

func TestReadVint(t *testing.T) {
	tests := []struct {
		in    []byte
		v     uint64
		n     int
		known bool
	}{
		{[]byte{0x81}, 1, 1, true},
		{[]byte{0xFF}, 0x7F, 1, false},
		{[]byte{0x40, 0x02}, 2, 2, true},
		{[]byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 1<<56 - 1, 8, false},
		{[]byte{0x01, 0, 0, 0, 0, 0, 0, 5}, 5, 8, true},
		{[]byte{0x00}, 0, 0, false},
		{[]byte{0x20, 0x01}, 0, 0, false}, // needs 3 bytes
		{nil, 0, 0, false},
	}
	for _, tt := range tests {
		v, n, known := readVint(tt.in)
		if v != tt.v || n != tt.n || known != tt.known {
			t.Errorf("readVint(% x) = %d, %d, %v; want %d, %d, %v", tt.in, v, n, known, tt.v, tt.n, tt.known)
		}
	}
}
