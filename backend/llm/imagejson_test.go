package llm

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"runtime"
	"testing"
)

// Building a request does not encode its images: the only encoded copy is
// the body, made when it is sent.
func TestRequestsHoldNoEncodedCopyOfTheirImages(t *testing.T) {
	img := Image{MIME: "image/png", Data: bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 3<<18)} // 3 MiB
	msgs := []Message{{Role: "user", Content: "look", Images: []Image{img}}}
	allocated := func(f func()) uint64 {
		var a, b runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&a)
		f()
		runtime.ReadMemStats(&b)
		return b.TotalAlloc - a.TotalAlloc
	}
	var oa []oaMessage
	var ol []olMessage
	if n := allocated(func() { oa = buildOpenAIMessages(msgs) }); n > 64<<10 {
		t.Errorf("building an OpenAI request allocated %d bytes for a %d-byte image", n, len(img.Data))
	}
	if n := allocated(func() { ol = buildOllamaMessages(msgs) }); n > 64<<10 {
		t.Errorf("building an Ollama request allocated %d bytes for a %d-byte image", n, len(img.Data))
	}
	enc := base64.StdEncoding.EncodeToString(img.Data)
	var got struct {
		Content []struct {
			ImageURL struct{ URL string } `json:"image_url"`
		}
	}
	b, err := json.Marshal(oa[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &got); err != nil || len(got.Content) != 2 || got.Content[1].ImageURL.URL != "data:image/png;base64,"+enc {
		t.Fatalf("OpenAI image part does not round-trip: %v", err)
	}
	var gotOl struct{ Images []string }
	if b, err = json.Marshal(ol[0]); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &gotOl); err != nil || len(gotOl.Images) != 1 || gotOl.Images[0] != enc {
		t.Fatalf("Ollama image does not round-trip: %v", err)
	}
}
