package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"

	"github.com/hearth-app/hearth/backend/protocol"
)

// Documents are attachments whose text goes to the model: plain text of any
// kind (notes, markdown, source code, logs, CSV) and PDFs. The stored bytes
// stay the original file; the text is extracted from them, and the same
// bytes always give the same text, so the model reads the same words every
// turn without a second copy on disk.
const (
	MIMEText = "text/plain"
	MIMEPDF  = "application/pdf"
)

// Bounds that keep one hostile or broken file from holding a turn or the
// upload that carries it: PDFs can declare any page count and nest their
// page tree in loops the library would follow.
const (
	maxPDFPages  = 2000
	pdfTimeLimit = 20 * time.Second
)

// isTextHead reports whether the first bytes of a file read as text: a
// UTF-16 byte-order mark, or valid UTF-8 (a rune cut by the end of the head
// is fine) without NUL or the control bytes that only binary files carry.
func isTextHead(head []byte, complete bool) bool {
	if hasUTF16BOM(head) {
		return true
	}
	head = bytes.TrimPrefix(head, utf8BOM)
	if !complete {
		// Drop a rune the sniff window cut in half.
		for i := 1; i <= utf8.UTFMax && i <= len(head); i++ {
			if utf8.RuneStart(head[len(head)-i]) {
				if r, _ := utf8.DecodeRune(head[len(head)-i:]); r == utf8.RuneError && !utf8.FullRune(head[len(head)-i:]) {
					head = head[:len(head)-i]
				}
				break
			}
		}
	}
	if !utf8.Valid(head) {
		return false
	}
	for _, c := range head {
		if isBinaryControl(c) {
			return false
		}
	}
	return true
}

// isBinaryControl: C0 controls other than tab, line breaks, form feed and
// escape (coloured logs), and DEL.
func isBinaryControl(c byte) bool {
	switch c {
	case '\t', '\n', '\v', '\f', '\r', 0x1B:
		return false
	}
	return c < 0x20 || c == 0x7F
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func hasUTF16BOM(b []byte) bool {
	return len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF)
}

// ExtractText is the text of a document as the model reads it, or a
// refusal that says in words why there is none: a text file that is not
// UTF-8 (or UTF-16 with a byte-order mark), a PDF that is encrypted, broken
// or has no text layer (a scan). Line endings become "\n".
func ExtractText(mime string, data []byte) (string, error) {
	var text string
	switch mime {
	case MIMEText:
		t, err := decodeText(data)
		if err != nil {
			return "", err
		}
		text = t
	case MIMEPDF:
		t, err := pdfText(data)
		if err != nil {
			return "", err
		}
		text = t
	default:
		return "", newError(protocol.ReasonUnsupportedType, nil, "%s is not a document", mime)
	}
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	if strings.TrimSpace(text) == "" {
		if mime == MIMEPDF {
			return "", newError(protocol.ReasonNoText, nil,
				"this PDF has no text to read (it may be a scan or made of pictures); export it with text, or attach the pages as images")
		}
		return "", newError(protocol.ReasonNoText, nil, "this file holds no text, only blank space")
	}
	return text, nil
}

func decodeText(data []byte) (string, error) {
	if hasUTF16BOM(data) {
		if len(data)%2 != 0 {
			return "", newError(protocol.ReasonUnsupportedType, nil, "this file starts as UTF-16 text but its length is odd; save it as UTF-8")
		}
		order := binary.ByteOrder(binary.LittleEndian)
		if data[0] == 0xFE {
			order = binary.BigEndian
		}
		units := make([]uint16, 0, len(data)/2-1)
		for p := 2; p+1 < len(data); p += 2 {
			units = append(units, order.Uint16(data[p:]))
		}
		s := string(utf16.Decode(units))
		if strings.ContainsRune(s, 0) {
			return "", notText()
		}
		return s, nil
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		return "", newError(protocol.ReasonUnsupportedType, nil, "this file is not UTF-8 text; save it as UTF-8 and attach it again")
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", notText()
	}
	return string(data), nil
}

func notText() *protocol.Error {
	return newError(protocol.ReasonUnsupportedType, nil, "this file starts like text but holds binary data")
}

// pdfText reads the text layer of every page with github.com/ledongthuc/pdf
// (pure Go, BSD-licensed, maintained fork of rsc.io/pdf). The library panics
// on some malformed files, and its own page lookup loops forever on a page
// tree that contains itself, so the tree is walked here with bounds, each
// page's content is interpreted through a callback that can stop it, and
// the whole runs behind a recover and a time limit that really ends it.
func pdfText(data []byte) (string, error) {
	type result struct {
		text string
		err  error
	}
	var stop atomic.Bool
	done := make(chan result, 1)
	go func() {
		var res result
		defer func() {
			if p := recover(); p != nil {
				res = result{err: fmt.Errorf("pdf: %v", p)}
			}
			done <- res
		}()
		res.text, res.err = readPDF(data, &stop)
	}()
	timer := time.NewTimer(pdfTimeLimit)
	defer timer.Stop()
	var res result
	select {
	case res = <-done:
	case <-timer.C:
		stop.Store(true)
		return "", newError(protocol.ReasonNoText, nil, "the text of this PDF could not be read in %d seconds; it may be damaged", int(pdfTimeLimit.Seconds()))
	}
	if res.err == nil {
		return res.text, nil
	}
	var pe *protocol.Error
	if errors.As(res.err, &pe) {
		return "", pe
	}
	if errors.Is(res.err, pdf.ErrInvalidPassword) || strings.Contains(res.err.Error(), "encrypt") {
		return "", newError(protocol.ReasonNoText, res.err, "this PDF is protected by a password; remove the protection and attach it again")
	}
	return "", newError(protocol.ReasonNoText, res.err, "the text of this PDF could not be read; it may be damaged")
}

// Bounds on a PDF's structure: a real page tree is shallow, and a real
// file's text is a small multiple of its size at most.
const (
	maxPDFTreeDepth = 64
	maxPDFTextBytes = 64 << 20
)

var errPDFStop = errors.New("stopped")

func readPDF(data []byte, stop *atomic.Bool) (string, error) {
	// The library knows PDF 1.0 to 1.7 only; a PDF 2.0 file keeps the same
	// syntax for everything text extraction reads.
	r, err := pdf.NewReader(pdfVersionShim{data}, int64(len(data)))
	if err != nil {
		return "", err
	}
	var pages []pdf.Value
	visited := 0
	var walk func(node pdf.Value, depth int) error
	walk = func(node pdf.Value, depth int) error {
		visited++
		if depth > maxPDFTreeDepth || visited > 4*maxPDFPages {
			return errors.New("the page tree is malformed")
		}
		switch node.Key("Type").Name() {
		case "Page":
			if len(pages) >= maxPDFPages {
				return newError(protocol.ReasonTooLarge, nil, "this PDF has more than %d pages, the most that are read", maxPDFPages)
			}
			pages = append(pages, node)
		case "Pages":
			kids := node.Key("Kids")
			for i := 0; i < kids.Len(); i++ {
				if err := walk(kids.Index(i), depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(r.Trailer().Key("Root").Key("Pages"), 0); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, page := range pages {
		var pb strings.Builder
		if err := pageText(page, &pb, stop); err != nil {
			return "", err
		}
		text := strings.TrimSpace(pb.String())
		if text == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(text)
		if b.Len() > maxPDFTextBytes {
			return "", newError(protocol.ReasonNoText, nil, "the text of this PDF could not be read; it is damaged or far too large")
		}
	}
	return b.String(), nil
}

// pageText writes the text a page shows, as the library's GetPlainText
// does (a line break per text object and per T*), but through Interpret's
// callback, so that a stop or an oversized text ends it.
func pageText(page pdf.Value, b *strings.Builder, stop *atomic.Bool) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == errPDFStop { //nolint:errorlint // our own sentinel, panicked as is
				err = newError(protocol.ReasonNoText, nil, "the text of this PDF could not be read; it is damaged or far too large")
				return
			}
			panic(p)
		}
	}()
	contents := page.Key("Contents")
	if contents.IsNull() {
		return nil
	}
	// Resources may be inherited from the page tree; the walk up is bounded.
	res := page
	for i := 0; i < maxPDFTreeDepth && !res.IsNull() && res.Key("Resources").IsNull(); i++ {
		res = res.Key("Parent")
	}
	fonts := res.Key("Resources").Key("Font")
	encoders := map[string]pdf.TextEncoding{}
	var enc pdf.TextEncoding
	show := func(raw string) {
		if enc == nil {
			b.WriteString(raw)
			return
		}
		b.WriteString(enc.Decode(raw))
	}
	pdf.Interpret(contents, func(stk *pdf.Stack, op string) {
		if stop.Load() || b.Len() > maxPDFTextBytes {
			panic(errPDFStop)
		}
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		switch op {
		case "BT", "T*":
			b.WriteString("\n")
		case "Tf":
			if len(args) != 2 {
				return
			}
			name := args[0].Name()
			e, ok := encoders[name]
			if !ok {
				if f := fonts.Key(name); !f.IsNull() {
					font := pdf.Font{V: f}
					e = font.Encoder()
				}
				encoders[name] = e
			}
			enc = e
		case "'", "\"":
			if len(args) == 0 {
				return
			}
			b.WriteString("\n")
			show(args[len(args)-1].RawString())
		case "Tj":
			if len(args) == 1 {
				show(args[0].RawString())
			}
		case "TJ":
			if len(args) != 1 {
				return
			}
			for i := 0; i < args[0].Len(); i++ {
				if x := args[0].Index(i); x.Kind() == pdf.String {
					show(x.RawString())
				}
			}
		}
	})
	return nil
}

// pdfVersionShim presents "%PDF-2.x" headers as "%PDF-1.7" to the library.
type pdfVersionShim struct{ b []byte }

func (s pdfVersionShim) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(s.b)) {
		return 0, io.EOF
	}
	n := copy(p, s.b[off:])
	if off < 8 && bytes.HasPrefix(s.b, []byte("%PDF-2.")) {
		for i := off; i < off+int64(n) && i < 8; i++ {
			switch i {
			case 5:
				p[i-off] = '1'
			case 7:
				p[i-off] = '7'
			}
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
