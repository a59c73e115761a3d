package app

import (
	"bytes"
	"mime/multipart"
	"testing"
)

// A multipart upload larger than the body cap is too large, whatever part
// carries the bytes: saying the form has no file would send the user looking
// for the wrong mistake.
func TestMultipartUploadOverTheCapIsTooLarge(t *testing.T) {
	h := startHearth(t)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormField("comment")
	_, _ = fw.Write(bytes.Repeat([]byte("x"), 22<<20)) // over the 20 MiB video limit + 1 MiB of slack
	ff, _ := mw.CreateFormFile("file", "a.png")
	_, _ = ff.Write(pngOf(t, 9))
	_ = mw.Close()
	resp, b := h.do(t, "POST", "/api/media", &buf, map[string]string{"Authorization": "Bearer " + h.Token, "Content-Type": mw.FormDataContentType()})
	if resp.StatusCode != 413 || reasonOf(b) != "too_large" {
		t.Fatalf("got %d %s, want 413 too_large", resp.StatusCode, b)
	}

	// A form that really has no file part is still told so. A new buffer:
	// the refusal came before the server read the whole body, so the client
	// may still be reading the first one.
	var small bytes.Buffer
	mw = multipart.NewWriter(&small)
	_ = mw.WriteField("comment", "no file here")
	_ = mw.Close()
	resp, b = h.do(t, "POST", "/api/media", &small, map[string]string{"Authorization": "Bearer " + h.Token, "Content-Type": mw.FormDataContentType()})
	if resp.StatusCode != 400 || reasonOf(b) != "missing_file" {
		t.Fatalf("got %d %s, want 400 missing_file", resp.StatusCode, b)
	}
}
