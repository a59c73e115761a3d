// Package media validates uploaded images, videos and documents and stores
// them as content-addressed files. The type of an upload is decided from its bytes
// only, never from a client's label, and checked against a short allow-list:
// whatever the browser later receives is something it renders as media, not
// as a document that could run script.
package media

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hearth-app/hearth/backend/protocol"
)

// Kind is the broad class of an allowed upload; limits apply per kind.
type Kind string

const (
	KindImage    Kind = "image"
	KindVideo    Kind = "video"
	KindDocument Kind = "document"
)

// Limits bound one message's attachments. Non-positive values are enforced
// literally (they refuse that kind), never read as "unlimited".
type Limits struct {
	MaxImages     int
	MaxImageBytes int64
	MaxVideos     int
	MaxVideoBytes int64
	// Documents: text files and PDFs, whose text goes to the model.
	MaxDocuments     int
	MaxDocumentBytes int64
}

// DefaultLimits: 4 images of 8 MiB, 1 video of 20 MiB and 4 documents of
// 16 MiB per message.
func DefaultLimits() Limits {
	return Limits{MaxImages: 4, MaxImageBytes: 8 << 20, MaxVideos: 1, MaxVideoBytes: 20 << 20,
		MaxDocuments: 4, MaxDocumentBytes: 16 << 20}
}

func (l Limits) maxBytes(k Kind) int64 {
	switch k {
	case KindVideo:
		return l.MaxVideoBytes
	case KindDocument:
		return l.MaxDocumentBytes
	}
	return l.MaxImageBytes
}

// MaxUploadBytes is the largest file any kind allows.
func (l Limits) MaxUploadBytes() int64 {
	return max(l.MaxImageBytes, l.MaxVideoBytes, l.MaxDocumentBytes)
}

// newError is a refusal with the protocol's reason; the cause stays for logs.
func newError(reason string, cause error, format string, args ...any) *protocol.Error {
	return protocol.RefuseCause(reason, cause, format, args...)
}

// allowed is the allow-list: MIME type → kind.
var allowed = map[string]Kind{
	"image/png":       KindImage,
	"image/jpeg":      KindImage,
	"image/webp":      KindImage,
	"image/gif":       KindImage,
	"video/mp4":       KindVideo,
	"video/webm":      KindVideo,
	"video/quicktime": KindVideo,
	MIMEText:          KindDocument,
	MIMEPDF:           KindDocument,
}

// KindOf reports the kind of an allowed MIME type.
func KindOf(mime string) (Kind, bool) {
	k, ok := allowed[mime]
	return k, ok
}

// CheckMessage enforces the per-message limits on attachments that are
// already stored; sizes are checked again because limits may have been
// lowered since an upload was accepted.
func CheckMessage(items []Info, lim Limits) error {
	var images, videos, documents int
	for _, it := range items {
		k, ok := allowed[it.MIME]
		if !ok || k != it.Kind {
			return newError(protocol.ReasonUnsupportedType, nil, "attachment %s has an unsupported type %q", it.ID, it.MIME)
		}
		if it.Size > lim.maxBytes(k) {
			return tooLarge(k, lim.maxBytes(k))
		}
		switch k {
		case KindVideo:
			videos++
		case KindDocument:
			documents++
		default:
			images++
		}
	}
	if images > lim.MaxImages {
		return newError(protocol.ReasonTooManyImages, nil, "a message may carry at most %d images, this one has %d", lim.MaxImages, images)
	}
	if videos > lim.MaxVideos {
		return newError(protocol.ReasonTooManyVideos, nil, "a message may carry at most %d videos, this one has %d", lim.MaxVideos, videos)
	}
	if documents > lim.MaxDocuments {
		return newError(protocol.ReasonTooManyDocs, nil, "a message may carry at most %d documents, this one has %d", lim.MaxDocuments, documents)
	}
	return nil
}

// noDocuments refuses a text file or PDF where the limits take none, in
// the words of a wrong type: to this server it is one.
func noDocuments() *protocol.Error {
	return newError(protocol.ReasonUnsupportedType, nil, "this server takes no documents (text files or PDFs)")
}

func tooLarge(k Kind, limit int64) *protocol.Error {
	return newError(protocol.ReasonTooLarge, nil, "%s is larger than the limit of %s", k, formatBytes(limit))
}

func formatBytes(n int64) string {
	switch {
	case n > 0 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n > 0 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

const (
	maxNameBytes = 200
	// A longer "extension" is more likely part of the name; keeping it
	// whole could leave no room for the name itself.
	maxExtBytes = 16
)

// SanitizeName keeps a client-supplied file name fit for display and for a
// Content-Disposition header: the last path element only, no control or
// invisible formatting characters (bidi overrides can disguise an
// extension), valid UTF-8, at most 200 bytes with the extension kept.
func SanitizeName(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if strings.Trim(name, ".") == "" {
		return "upload"
	}
	if len(name) > maxNameBytes {
		ext := path.Ext(name)
		if len(ext) > maxExtBytes {
			ext = ""
		}
		name = truncateUTF8(strings.TrimSuffix(name, ext), maxNameBytes-len(ext)) + ext
	}
	return name
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Inspect checks an attachment held in memory as Put checks a stream (type
// sniffed from the bytes, size within its kind's limit, a document's text
// readable) and names it by its content, without writing anything: a
// message's files are all inspected before the first is stored.
func Inspect(data []byte, name string, lim Limits) (Info, error) {
	mime, kind, err := Sniff(data[:min(len(data), SniffLen)])
	if err != nil {
		return Info{}, err
	}
	if kind == KindDocument && lim.MaxDocumentBytes <= 0 {
		return Info{}, noDocuments()
	}
	if limit := lim.maxBytes(kind); int64(len(data)) > limit {
		return Info{}, tooLarge(kind, limit)
	}
	if kind == KindDocument {
		if _, err := ExtractText(mime, data); err != nil {
			return Info{}, err
		}
	}
	sum := sha256.Sum256(data)
	return Info{ID: hex.EncodeToString(sum[:]), MIME: mime, Kind: kind, Size: int64(len(data)), Name: SanitizeName(name)}, nil
}
