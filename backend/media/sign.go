package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/hearth-app/hearth/backend/ids"
)

// Signed URLs let an <img> or <video> tag load media without a token header:
// the URL itself proves that the server handed it out, for a limited time.

// signContext separates these MACs from any other use of the same secret.
const signContext = "hearth-media-url-v1"

func mac(secret []byte, id, exp string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signContext + "\x00" + id + "\x00" + exp))
	return m.Sum(nil)
}

// SignURL returns "/media/<id>?exp=<unix seconds>&sig=<hex HMAC-SHA256>".
func SignURL(secret []byte, id string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return "/media/" + id + "?exp=" + e + "&sig=" + hex.EncodeToString(mac(secret, id, e))
}

// VerifyURL checks the exp and sig query values of a signed URL for id. The
// URL is valid strictly before exp. An empty secret verifies nothing, since
// anyone could compute its MACs.
func VerifyURL(secret []byte, id string, exp, sig string, now time.Time) bool {
	if len(secret) == 0 || !ids.ValidMedia(id) {
		return false
	}
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || strconv.FormatInt(e, 10) != exp || !now.Before(time.Unix(e, 0)) {
		return false
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, mac(secret, id, exp))
}
