package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// Real files, encoded by Go's image packages, and byte-built container
// headers for the formats Go cannot write.

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	return img
}

func pngBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	pal := image.NewPaletted(image.Rect(0, 0, 4, 4), []color.Color{color.Black, color.White})
	if err := gif.Encode(&b, pal, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func le32(n int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(n)) }
func be32(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// webpBytes is a RIFF/WEBP file with a lossless (VP8L) 1x1 bitstream header.
func webpBytes() []byte {
	vp8l := []byte{0x2f, 0x00, 0x00, 0x00, 0x00, 0x88, 0x88, 0x08, 0x00}
	body := cat([]byte("WEBP"), []byte("VP8L"), le32(len(vp8l)), vp8l, []byte{0})
	return cat([]byte("RIFF"), le32(len(body)), body)
}

// box builds an ISO BMFF box.
func box(typ string, payload ...[]byte) []byte {
	p := cat(payload...)
	return cat(be32(8+len(p)), []byte(typ), p)
}

func ftyp(major string, minor int, compat ...string) []byte {
	parts := [][]byte{[]byte(major), be32(minor)}
	for _, c := range compat {
		parts = append(parts, []byte(c))
	}
	return box("ftyp", parts...)
}

func mp4Bytes() []byte {
	return cat(ftyp("isom", 0x200, "isom", "iso2", "avc1", "mp41"), box("free"), box("mdat", []byte("not really h264")))
}

func quickTimeBytes() []byte {
	return cat(ftyp("qt  ", 0x20050300, "qt  "), box("wide"), box("mdat", []byte("frames")))
}

// ebml builds an EBML element with a one-byte size (payload < 127 bytes).
func ebml(id []byte, payload ...[]byte) []byte {
	p := cat(payload...)
	return cat(id, []byte{0x80 | byte(len(p))}, p)
}

func ebmlHeader(docType string) []byte {
	return ebml([]byte{0x1A, 0x45, 0xDF, 0xA3},
		ebml([]byte{0x42, 0x86}, []byte{1}),       // EBMLVersion
		ebml([]byte{0x42, 0xF7}, []byte{1}),       // EBMLReadVersion
		ebml([]byte{0x42, 0xF2}, []byte{4}),       // EBMLMaxIDLength
		ebml([]byte{0x42, 0xF3}, []byte{8}),       // EBMLMaxSizeLength
		ebml([]byte{0x42, 0x82}, []byte(docType)), // DocType
		ebml([]byte{0x42, 0x87}, []byte{4}),       // DocTypeVersion
		ebml([]byte{0x42, 0x85}, []byte{2}),       // DocTypeReadVersion
	)
}

func webmBytes() []byte {
	// Segment with unknown size, as live encoders (MediaRecorder) write it.
	return cat(ebmlHeader("webm"), []byte{0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
}

var (
	htmlBytes = []byte("<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>")
	svgBytes  = []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>`)
	svgProlog = []byte("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- made by hand -->\n" +
		"<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg>")
	svgPlain = []byte("  \n<SVG\nwidth=\"1\"></SVG>")
	pdfBytes = []byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
)
