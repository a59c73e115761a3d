// Package mediatest makes real document files for tests: PDFs written by
// hand, object by object, with a correct cross-reference table, so that the
// extractor reads them as it would a file from a word processor.
package mediatest

import (
	"bytes"
	"fmt"
	"strings"
)

// PDF is a PDF 1.4 file with one page per argument, each page showing its
// text in Helvetica, one line per "\n". An empty string makes a page with
// no text at all (a drawn rectangle), as a scanned page has none.
func PDF(pages ...string) []byte {
	var objs []string
	// 1: catalog, 2: page tree, 3: font; then a page and its content each.
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	objs = append(objs,
		"<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	)
	for i, text := range pages {
		var content string
		if text == "" {
			content = "0.5 g 72 600 200 100 re f"
		} else {
			var b strings.Builder
			b.WriteString("BT /F1 12 Tf 72 720 Td 14 TL\n")
			for j, line := range strings.Split(text, "\n") {
				if j > 0 {
					b.WriteString("T*\n")
				}
				fmt.Fprintf(&b, "(%s) Tj\n", escape(line))
			}
			b.WriteString("ET")
			content = b.String()
		}
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content)+1, content),
		)
	}
	return assemble(objs, "")
}

// EncryptedPDF is a one-page PDF whose trailer names an encryption handler
// other than the standard password one, so no reader can open it without
// software it lacks, as with a password-protected file.
func EncryptedPDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
		"<< /Filter /Adobe.PubSec /V 4 /R 4 >>",
	}
	return assemble(objs, " /Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]")
}

func assemble(objs []string, trailerExtra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailerExtra, xref)
	return b.Bytes()
}

func escape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
	return r.Replace(s)
}
