package media

import (
	"bytes"
	"encoding/binary"
	"net/http"
	"strings"

	"github.com/hearth-app/hearth/backend/protocol"
)

// SniffLen is how many leading bytes Sniff needs to decide.
const SniffLen = 512

const allowedList = "PNG, JPEG, WebP, GIF, MP4, WebM, QuickTime, PDF, text files"

// Sniff decides the MIME type from the leading bytes of a file and refuses
// everything outside the allow-list. It never consults a name or a declared
// type: an HTML page labelled image/png is still an HTML page.
func Sniff(head []byte) (mime string, kind Kind, err error) {
	if len(head) == 0 {
		return "", "", newError(protocol.ReasonEmpty, nil, "the file is empty")
	}
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", KindImage, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", KindImage, nil
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return "image/gif", KindImage, nil
	case isWebP(head):
		return "image/webp", KindImage, nil
	}
	if m, ok, why := sniffISOBMFF(head); ok {
		if m == "" {
			return "", "", unsupported(why)
		}
		return m, KindVideo, nil
	}
	if doc, ok := ebmlDocType(head); ok {
		if doc == "webm" {
			return "video/webm", KindVideo, nil
		}
		if doc == "" {
			return "", "", unsupported("EBML without a readable document type")
		}
		return "", "", unsupported("EBML document type " + doc)
	}
	if looksLikeSVG(head) {
		return "", "", newError(protocol.ReasonSVGRefused, nil,
			"SVG images are refused because they can carry scripts; convert to PNG first")
	}
	if bytes.HasPrefix(head, []byte("%PDF-")) {
		return MIMEPDF, KindDocument, nil
	}
	// Any text is a document: it is stored, served and sent as plain text,
	// never as a page, so HTML or script source is only words here. Whether
	// the whole file is text is checked once all of it is read.
	if isTextHead(head, len(head) < SniffLen) {
		return MIMEText, KindDocument, nil
	}
	detected, _, _ := strings.Cut(http.DetectContentType(head), ";")
	if strings.HasPrefix(detected, "text/") && bytes.IndexByte(head, 0) < 0 {
		// Most likely text in an old 8-bit encoding (Latin-1, Windows-1252).
		return "", "", newError(protocol.ReasonUnsupportedType, nil,
			"this text file is not UTF-8 (%s); save it as UTF-8 and attach it again", detected)
	}
	return "", "", unsupported(detected)
}

func unsupported(what string) *protocol.Error {
	return newError(protocol.ReasonUnsupportedType, nil, "unsupported file type (%s); allowed: %s", what, allowedList)
}

// isWebP requires the first chunk to be a VP8 variant, not just the RIFF
// container, which also carries WAV and AVI.
func isWebP(b []byte) bool {
	if len(b) < 16 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return false
	}
	switch string(b[12:16]) {
	case "VP8 ", "VP8L", "VP8X":
		return true
	}
	return false
}

// ISO base media file brands. HEIF/AVIF stills and M4A audio share the
// container with MP4 video and often list an MP4 brand as "compatible", so
// their brands refuse the file outright.
var (
	mp4Brands = map[string]bool{
		"isom": true, "iso2": true, "iso3": true, "iso4": true, "iso5": true, "iso6": true,
		"iso7": true, "iso8": true, "iso9": true, "mp41": true, "mp42": true, "mp71": true,
		"avc1": true, "av01": true, "M4V ": true, "M4VH": true, "M4VP": true, "dash": true,
		"mmp4": true, "msnv": true, "MSNV": true, "XAVC": true, "f4v ": true,
	}
	nonVideoBrands = map[string]bool{
		"heic": true, "heix": true, "heim": true, "heis": true, "hevc": true, "hevx": true,
		"mif1": true, "mif2": true, "msf1": true, "miaf": true, "avif": true, "avis": true,
		"avci": true, "crx ": true, "jpx ": true, "jp2 ": true,
		"M4A ": true, "M4B ": true, "M4P ": true, "F4A ": true, "F4B ": true,
	}
)

const quickTimeBrand = "qt  "

// sniffISOBMFF reads the ftyp box: ok says it is one; mime is "" when the
// brands name something other than an allowed video, with why explaining.
func sniffISOBMFF(b []byte) (mime string, ok bool, why string) {
	if len(b) < 16 || string(b[4:8]) != "ftyp" {
		return "", false, ""
	}
	size := binary.BigEndian.Uint32(b[0:4])
	if size < 16 {
		return "", true, "malformed ftyp box"
	}
	major := string(b[8:12])
	switch {
	case major == quickTimeBrand:
		return "video/quicktime", true, ""
	case mp4Brands[major]:
		return "video/mp4", true, ""
	case nonVideoBrands[major]:
		return "", true, "ISO media brand " + strings.TrimSpace(major)
	}
	end := len(b)
	if uint64(size) < uint64(end) {
		end = int(size)
	}
	var compat []string
	for p := 16; p+4 <= end; p += 4 {
		compat = append(compat, string(b[p:p+4]))
	}
	for _, br := range compat {
		if nonVideoBrands[br] {
			return "", true, "ISO media brand " + strings.TrimSpace(br)
		}
	}
	for _, br := range compat {
		if br == quickTimeBrand {
			return "video/quicktime", true, ""
		}
	}
	for _, br := range compat {
		if mp4Brands[br] {
			return "video/mp4", true, ""
		}
	}
	return "", true, "ISO media brand " + strings.TrimSpace(major)
}

var ebmlMagic = []byte{0x1A, 0x45, 0xDF, 0xA3}

// ebmlDocType walks the EBML header's children looking for DocType (0x4282).
// ok says the bytes start with an EBML header; doc is "" if DocType is not
// within the bytes given.
func ebmlDocType(b []byte) (doc string, ok bool) {
	if !bytes.HasPrefix(b, ebmlMagic) {
		return "", false
	}
	p := len(ebmlMagic)
	size, n, known := readVint(b[p:])
	if n == 0 {
		return "", true
	}
	p += n
	end := len(b)
	if known && size < uint64(end-p) {
		end = p + int(size)
	}
	for p < end {
		idLen := vintLen(b[p])
		if idLen == 0 || idLen > 4 || idLen > end-p {
			return "", true
		}
		id := b[p : p+idLen]
		p += idLen
		sz, n, known := readVint(b[p:end])
		if n == 0 || !known || sz > uint64(end-p-n) {
			return "", true
		}
		p += n
		if len(id) == 2 && id[0] == 0x42 && id[1] == 0x82 {
			return strings.TrimRight(string(b[p:p+int(sz)]), "\x00"), true
		}
		p += int(sz)
	}
	return "", true
}

// vintLen is the length of an EBML variable-size integer from its first
// byte: one more than the number of leading zero bits; 0 if invalid.
func vintLen(first byte) int {
	for i := 0; i < 8; i++ {
		if first&(0x80>>i) != 0 {
			return i + 1
		}
	}
	return 0
}

// readVint decodes an EBML size. known is false for the reserved
// "unknown size" value (all value bits set).
func readVint(b []byte) (v uint64, n int, known bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	n = vintLen(b[0])
	if n == 0 || n > len(b) {
		return 0, 0, false
	}
	v = uint64(b[0] & (0xFF >> n))
	allOnes := v == uint64(0xFF>>n)
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
		allOnes = allOnes && c == 0xFF
	}
	return v, n, !allOnes
}

// looksLikeSVG: an XML prolog, comments or a doctype followed by an <svg>
// root, or a doctype naming svg.
func looksLikeSVG(b []byte) bool {
	s := bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	for {
		s = bytes.TrimLeft(s, " \t\r\n\f")
		var closer string
		switch {
		case hasPrefixFold(s, "<svg"):
			rest := s[4:]
			return len(rest) == 0 || bytes.IndexByte([]byte(" \t\r\n\f>/"), rest[0]) >= 0
		case bytes.HasPrefix(s, []byte("<?")):
			closer = "?>"
		case bytes.HasPrefix(s, []byte("<!--")):
			closer = "-->"
		case hasPrefixFold(s, "<!doctype"):
			end := bytes.IndexByte(s, '>')
			if end < 0 {
				end = len(s)
			}
			if bytes.Contains(bytes.ToLower(s[:end]), []byte("svg")) {
				return true
			}
			closer = ">"
		default:
			return false
		}
		i := bytes.Index(s, []byte(closer))
		if i < 0 {
			return false
		}
		s = s[i+len(closer):]
	}
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}
