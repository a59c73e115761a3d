package media

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
)

func TestParseDataURL(t *testing.T) {
	png := pngBytes(t)
	std := base64.StdEncoding.EncodeToString(png)
	raw := base64.RawStdEncoding.EncodeToString(png)
	urlSafe := base64.RawURLEncoding.EncodeToString([]byte{0xfb, 0xff, 0xfe, 0x01})
	wrapped := ""
	for i := 0; i < len(std); i += 76 {
		wrapped += std[i:min(i+76, len(std))] + "\r\n"
	}
	tests := []struct {
		name   string
		in     string
		want   []byte
		reason string
	}{
		{"std padding", "data:image/png;base64," + std, png, ""},
		{"raw", "data:image/png;base64," + raw, png, ""},
		{"wrapped lines and spaces", " data:image/png;base64,\n" + wrapped + " ", png, ""},
		{"label ignored", "data:text/html;base64," + std, png, ""},
		{"no mime, params, uppercase", "DATA:;charset=utf-8;BASE64," + std, png, ""},
		{"url-safe alphabet", "data:application/octet-stream;base64," + urlSafe, []byte{0xfb, 0xff, 0xfe, 0x01}, ""},
		{"one padded byte", "data:;base64,QQ==", []byte("A"), ""},

		{"not a data url", "http://example.com/x.png", nil, protocol.ReasonBadDataURL},
		{"no comma", "data:image/png;base64", nil, protocol.ReasonBadDataURL},
		{"not base64", "data:image/png," + url.PathEscape(string(png[:8])), nil, protocol.ReasonBadDataURL},
		{"empty data", "data:image/png;base64,", nil, protocol.ReasonEmpty},
		{"only whitespace", "data:image/png;base64, \n ", nil, protocol.ReasonEmpty},
		{"truncated to 4n+1", "data:image/png;base64," + std[:41], nil, protocol.ReasonBadDataURL},
		{"cut mid-quantum, nonzero trailing bits", "data:;base64,QUJDRB", nil, protocol.ReasonBadDataURL},
		{"cut mid-quantum, clean bits", "data:;base64,QUJDRA", []byte("ABCD"), ""},
		{"padding after truncation", "data:;base64,QUJD" + "Q=", nil, protocol.ReasonBadDataURL},
		{"too much padding", "data:;base64,QQ===", nil, protocol.ReasonBadDataURL},
		{"padding in the middle", "data:;base64,QQ==QUJD", nil, protocol.ReasonBadDataURL},
		{"invalid character", "data:;base64,QU*D", nil, protocol.ReasonBadDataURL},
		{"mixed alphabets", "data:;base64,+-AA", nil, protocol.ReasonBadDataURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDataURL(tt.in)
			if tt.reason == "" {
				if err != nil || string(got) != string(tt.want) {
					t.Fatalf("got %d bytes, %v", len(got), err)
				}
				return
			}
			if protocol.ReasonOf(err) != tt.reason {
				t.Fatalf("err = %v (reason %q), want %q", err, protocol.ReasonOf(err), tt.reason)
			}
			if got != nil {
				t.Errorf("returned data with error")
			}
		})
	}
}

func TestCheckMessage(t *testing.T) {
	img := Info{ID: strings.Repeat("a", 64), MIME: "image/png", Kind: KindImage, Size: 100}
	vid := Info{ID: strings.Repeat("b", 64), MIME: "video/mp4", Kind: KindVideo, Size: 100}
	rep := func(it Info, n int) []Info {
		out := make([]Info, n)
		for i := range out {
			out[i] = it
		}
		return out
	}
	lim := DefaultLimits()
	tests := []struct {
		name   string
		items  []Info
		lim    Limits
		reason string
	}{
		{"none", nil, lim, ""},
		{"four images and a video", append(rep(img, 4), vid), lim, ""},
		{"five images", rep(img, 5), lim, protocol.ReasonTooManyImages},
		{"two videos", rep(vid, 2), lim, protocol.ReasonTooManyVideos},
		{"images not allowed", rep(img, 1), Limits{MaxImages: 0, MaxImageBytes: 1 << 20, MaxVideos: 1, MaxVideoBytes: 1 << 20}, protocol.ReasonTooManyImages},
		{"image over a lowered limit", rep(img, 1), Limits{MaxImages: 4, MaxImageBytes: 99, MaxVideos: 1, MaxVideoBytes: 1 << 20}, protocol.ReasonTooLarge},
		{"large video is fine under the video limit", []Info{{ID: vid.ID, MIME: "video/webm", Kind: KindVideo, Size: 10 << 20}}, lim, ""},
		{"svg smuggled in metadata", []Info{{ID: img.ID, MIME: "image/svg+xml", Kind: KindImage}}, lim, protocol.ReasonUnsupportedType},
		{"kind contradicts mime", []Info{{ID: img.ID, MIME: "image/png", Kind: KindVideo}}, lim, protocol.ReasonUnsupportedType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckMessage(tt.items, tt.lim)
			if protocol.ReasonOf(err) != tt.reason || (tt.reason == "") != (err == nil) {
				t.Fatalf("err = %v, want reason %q", err, tt.reason)
			}
			var me *protocol.Error
			if errors.As(err, &me) && me.Status() == http.StatusInternalServerError {
				t.Errorf("no HTTP status for %q", me.Reason)
			}
		})
	}
}

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("é", 150) + ".jpeg" // 300 + 5 bytes
	tests := []struct{ in, want string }{
		{"photo.png", "photo.png"},
		{"", "upload"},
		{"   ", "upload"},
		{".", "upload"},
		{"..", "upload"},
		{"../../etc/passwd", "passwd"},
		{"a/b.png", "b.png"},
		{`C:\Users\me\cat.jpg`, "cat.jpg"},
		{"dir/", "upload"},
		{"evil\x00.png", "evil.png"},
		{"line\nbreak\r.gif", "linebreak.gif"},
		{"tab\there.png", "tabhere.png"},
		{"bidi\u202Egnp.exe", "bidignp.exe"},
		{"bad\xffutf8.png", "bad\uFFFDutf8.png"},
		{" spaced name.webp ", "spaced name.webp"},
		{"日本語.png", "日本語.png"},
	}
	for _, tt := range tests {
		if got := SanitizeName(tt.in); got != tt.want {
			t.Errorf("SanitizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	got := SanitizeName(long)
	if len(got) > 200 || !strings.HasSuffix(got, ".jpeg") || !strings.HasPrefix(got, "éé") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("long name: %d bytes %q", len(got), got)
	}
	if got := SanitizeName(strings.Repeat("x", 300) + "." + strings.Repeat("y", 40)); len(got) != 200 {
		t.Errorf("long extension: %d bytes", len(got))
	}
}

func TestSignVerifyURL(t *testing.T) {
	secret := []byte("instance-token-0123456789abcdef")
	id := strings.Repeat("0123456789abcdef", 4)
	now := time.Unix(1_700_000_000, 0)
	exp := now.Add(time.Hour)

	u, err := url.Parse(SignURL(secret, id, exp))
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/media/"+id {
		t.Fatalf("path %q", u.Path)
	}
	q := u.Query()
	e, sig := q.Get("exp"), q.Get("sig")
	if e != "1700003600" || len(sig) != 64 {
		t.Fatalf("query %q", u.RawQuery)
	}
	flip := func(s string) string {
		b := []byte(s)
		if b[10] == '0' {
			b[10] = '1'
		} else {
			b[10] = '0'
		}
		return string(b)
	}
	other := strings.Repeat("f", 64)
	tests := []struct {
		name        string
		secret      []byte
		id, exp, sg string
		now         time.Time
		want        bool
	}{
		{"valid", secret, id, e, sig, now, true},
		{"valid just before expiry", secret, id, e, sig, exp.Add(-time.Second), true},
		{"uppercase hex signature", secret, id, e, strings.ToUpper(sig), now, true},
		{"expired at exp", secret, id, e, sig, exp, false},
		{"expired after", secret, id, e, sig, exp.Add(time.Minute), false},
		{"tampered signature", secret, id, e, flip(sig), now, false},
		{"truncated signature", secret, id, e, sig[:62], now, false},
		{"signature not hex", secret, id, e, "zz" + sig[2:], now, false},
		{"empty signature", secret, id, e, "", now, false},
		{"other id", secret, other, e, sig, now, false},
		{"extended expiry", secret, id, "1800000000", sig, now, false},
		{"non-canonical expiry", secret, id, "0" + e, sig, now, false},
		{"signed expiry", secret, id, "+" + e, sig, now, false},
		{"garbage expiry", secret, id, "soon", sig, now, false},
		{"wrong secret", []byte("another-token"), id, e, sig, now, false},
		{"empty secret", nil, id, e, sig, now, false},
		{"invalid id", secret, "../" + id, e, sig, now, false},
	}
	for _, tt := range tests {
		if got := VerifyURL(tt.secret, tt.id, tt.exp, tt.sg, tt.now); got != tt.want {
			t.Errorf("%s: VerifyURL = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{8 << 20: "8 MiB", 2048: "2 KiB", 1536: "1536 bytes", 0: "0 bytes"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
