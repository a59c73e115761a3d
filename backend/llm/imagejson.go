package llm

import (
	"encoding/base64"
)

// b64JSON marshals image bytes as a JSON string of their base64, with an
// optional prefix ("data:image/png;base64,"), straight from the bytes when
// the request body is encoded. The request itself never holds the image as a
// base64 Go string, so a turn holds the raw bytes plus one encoded copy (the
// body), not two.
type b64JSON struct {
	prefix string
	data   []byte
}

func (b b64JSON) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, len(b.prefix)+base64.StdEncoding.EncodedLen(len(b.data))+2)
	out = append(out, '"')
	out = append(out, b.prefix...)
	out = base64.StdEncoding.AppendEncode(out, b.data)
	return append(out, '"'), nil
}
