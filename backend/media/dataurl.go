package media

import (
	"encoding/base64"
	"strings"

	"github.com/hearth-app/hearth/backend/protocol"
)

// ParseDataURL decodes "data:<mime>;base64,<data>". The declared MIME type
// is ignored on purpose (Sniff decides). Whitespace and line breaks inside
// the data are tolerated, as are padded, unpadded and URL-safe base64;
// truncated or corrupt data is refused with bad_data_url rather than
// stored as a broken file.
func ParseDataURL(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) < 5 || !strings.EqualFold(s[:5], "data:") {
		return nil, newError(protocol.ReasonBadDataURL, nil, "not a data: URL")
	}
	meta, payload, ok := strings.Cut(s[5:], ",")
	if !ok {
		return nil, newError(protocol.ReasonBadDataURL, nil, "data URL has no comma before its data")
	}
	params := strings.Split(meta, ";")
	if !strings.EqualFold(strings.TrimSpace(params[len(params)-1]), "base64") {
		return nil, newError(protocol.ReasonBadDataURL, nil, "only base64 data URLs are accepted")
	}
	payload = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n', '\f':
			return -1
		}
		return r
	}, payload)
	if payload == "" {
		return nil, newError(protocol.ReasonEmpty, nil, "the data URL carries no data")
	}

	data := strings.TrimRight(payload, "=")
	pad := len(payload) - len(data)
	// Padding must complete the last quantum exactly; anything else means
	// characters were lost.
	if pad > 2 || (pad > 0 && len(payload)%4 != 0) || len(data)%4 == 1 {
		return nil, newError(protocol.ReasonBadDataURL, nil, "base64 data is truncated (%d characters)", len(data))
	}
	enc := base64.RawStdEncoding
	if strings.ContainsAny(data, "-_") {
		enc = base64.RawURLEncoding
	}
	out, err := enc.Strict().DecodeString(data)
	if err != nil {
		return nil, newError(protocol.ReasonBadDataURL, err, "invalid base64 data: %v", err)
	}
	if len(out) == 0 {
		return nil, newError(protocol.ReasonEmpty, nil, "the data URL carries no data")
	}
	return out, nil
}
