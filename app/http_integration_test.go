package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (h *testHearth) do(t *testing.T, method, path string, body io.Reader, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(h.URL, "/")+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func reasonOf(b []byte) string {
	var v struct {
		Error struct{ Reason string } `json:"error"`
	}
	_ = json.Unmarshal(b, &v)
	return v.Error.Reason
}

func TestTCPRefusals(t *testing.T) {
	h := startHearth(t)
	bearer := "Bearer " + h.Token
	cases := []struct {
		name   string
		path   string
		hdr    map[string]string
		status int
		reason string
	}{
		{"ui without token is served", "/", nil, 200, ""},
		{"api without token", "/api/status", nil, 401, "unauthorized"},
		{"api with wrong token", "/api/status", map[string]string{"Authorization": "Bearer nope"}, 401, "unauthorized"},
		{"api with token", "/api/status", map[string]string{"Authorization": bearer}, 200, ""},
		{"api with token in query", "/api/status?token=" + h.Token, nil, 200, ""},
		{"ws without token", "/ws", nil, 401, "unauthorized"},
		{"foreign Host (DNS rebinding)", "/api/status", map[string]string{"Authorization": bearer, "Host": "evil.example"}, 403, "forbidden_host"},
		{"foreign Host on the UI too", "/", map[string]string{"Host": "evil.example:80"}, 403, "forbidden_host"},
		{"foreign Origin", "/api/status", map[string]string{"Authorization": bearer, "Origin": "https://evil.example"}, 403, "forbidden_origin"},
		{"desktop Origin", "/api/status", map[string]string{"Authorization": bearer, "Origin": "wails://wails"}, 200, ""},
		{"media without signature or token", "/media/" + strings.Repeat("a", 64), nil, 401, "unauthorized"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := h.do(t, "GET", c.path, nil, c.hdr)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
			}
			if c.reason != "" && reasonOf(body) != c.reason {
				t.Fatalf("reason %q, want %q", reasonOf(body), c.reason)
			}
		})
	}
	// The desktop window's page uploads cross-origin: its preflight is answered
	// without the token, and the reply is readable by that origin only.
	resp, _ := h.do(t, "OPTIONS", "/api/media", nil, map[string]string{"Origin": "wails://wails",
		"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"})
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "wails://wails" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("desktop preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = h.do(t, "OPTIONS", "/api/media", nil, map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
	if resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = h.do(t, "POST", "/api/media", bytes.NewReader(pngBytes(t)), map[string]string{"Origin": "wails://wails", "Authorization": bearer})
	if resp.StatusCode != 201 || resp.Header.Get("Access-Control-Allow-Origin") != "wails://wails" {
		t.Fatalf("desktop upload: %d %v", resp.StatusCode, resp.Header)
	}
	// The WebSocket itself: foreign Origin refused, token by subprotocol works.
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, h.WS+"?token="+h.Token, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("ws with foreign origin: %v %v", err, resp)
	}
	ws, _, err := websocket.Dial(ctx, h.WS, &websocket.DialOptions{Subprotocols: []string{"hearth.v1", "bearer." + h.Token}})
	if err != nil {
		t.Fatalf("ws with bearer subprotocol: %v", err)
	}
	c := newWSC(t, ws)
	if c.ready["event"] != "ready" {
		t.Fatalf("ready %v", c.ready)
	}
}

func upload(t *testing.T, h *testHearth, body []byte, contentType string, multipartName string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader = bytes.NewReader(body)
	if multipartName != "" {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", multipartName)
		_, _ = fw.Write(body)
		_ = mw.Close()
		rd, contentType = &buf, mw.FormDataContentType()
	}
	resp, b := h.do(t, "POST", "/api/media", rd, map[string]string{"Authorization": "Bearer " + h.Token, "Content-Type": contentType})
	var v map[string]any
	_ = json.Unmarshal(b, &v)
	return resp.StatusCode, v
}

func TestUploadedImageReachesModelInEveryFormat(t *testing.T) {
	pic := pngBytes(t)
	formats := []struct {
		name     string
		provider string
		format   string
	}{
		{"reasoning_content", "openai", llmtest.FormatReasoningContent},
		{"reasoning", "openai", llmtest.FormatReasoning},
		{"think tags", "openai", llmtest.FormatThink},
		{"ollama native", "ollama", ""},
	}
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			fake := llmtest.New()
			t.Cleanup(fake.Close)
			cfg := testConfig(t, fake)
			cfg.Provider = f.provider
			if f.provider == "ollama" {
				cfg.ProviderURL = fake.URL
			}
			fake.SetDefault(llmtest.Script{Format: f.format, Steps: llmtest.Steps("I see a picture.", "It has a red line.", 4, time.Millisecond)})
			h := startWith(t, cfg, fake)

			status, up := upload(t, h, pic, "application/octet-stream", "shot.png")
			if status != 201 || up["mime"] != "image/png" || len(str(up, "id")) != 64 {
				t.Fatalf("upload: %d %v", status, up)
			}
			// The signed URL loads without the token, with nosniff.
			resp, body := h.do(t, "GET", str(up, "url"), nil, nil)
			if resp.StatusCode != 200 || !bytes.Equal(body, pic) || resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Type") != "image/png" {
				t.Fatalf("media url: %d %v", resp.StatusCode, resp.Header)
			}

			c := h.dial(t)
			chat := c.newChat()
			acc := c.request(map[string]any{"type": "message", "chat_id": chat, "content": "what is this?", "media": []any{map[string]any{"id": up["id"]}}})
			if acc["event"] != "message_accepted" {
				t.Fatalf("message: %v", acc)
			}
			if md := acc["message"].(map[string]any)["media"].([]any); len(md) != 1 || md[0].(map[string]any)["mime"] != "image/png" {
				t.Fatalf("accepted message media %v", md)
			}
			evs := c.collectTurn()
			if got := answerOf(evs, "reasoning_delta"); got != "I see a picture." {
				t.Fatalf("reasoning %q", got)
			}
			if got := answerOf(evs, "delta"); got != "It has a red line." {
				t.Fatalf("answer %q", got)
			}
			reqs := fake.Requests()
			last := reqs[len(reqs)-1].Messages
			imgs := last[len(last)-1].Images
			if len(imgs) != 1 || imgs[0].Sniffed != "image/png" || imgs[0].Size != len(pic) {
				t.Fatalf("model received images %+v", imgs)
			}
		})
	}
}

func TestUploadRefusals(t *testing.T) {
	h := startHearth(t)
	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`)
	html := []byte(`<!doctype html><html><script>alert(1)</script></html>`)
	cases := []struct {
		name   string
		body   []byte
		ctype  string
		status int
		reason string
	}{
		{"svg", svg, "image/svg+xml", 415, "svg_refused"},
		{"binary labelled png", []byte("\x00\x01\x02\x03\xff\xfe not an image"), "image/png", 415, "unsupported_type"},
		{"empty", nil, "image/png", 400, "empty"},
		{"too large", append(pngBytes(t), make([]byte, 9<<20)...), "image/png", 413, "too_large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, v := upload(t, h, c.body, c.ctype, "")
			errObj, _ := v["error"].(map[string]any)
			if status != c.status || errObj["reason"] != c.reason || str(errObj, "detail") == "" {
				t.Fatalf("got %d %v, want %d %s", status, v, c.status, c.reason)
			}
		})
	}
	// HTML labelled png is text, so a document now: stored and served as
	// plain text that downloads, never as an image or a page.
	status, v := upload(t, h, html, "image/png", "")
	if status != 201 || v["mime"] != "text/plain" {
		t.Fatalf("html labelled png: %d %v", status, v)
	}
	resp, _ := h.do(t, "GET", "/media/"+str(v, "id"), nil, map[string]string{"Authorization": "Bearer " + h.Token})
	hd := resp.Header
	if hd.Get("Content-Type") != "text/plain; charset=utf-8" || hd.Get("X-Content-Type-Options") != "nosniff" ||
		hd.Get("Content-Security-Policy") != "sandbox" || !strings.HasPrefix(hd.Get("Content-Disposition"), "attachment") {
		t.Fatalf("html served with %v", hd)
	}
	// Inline data URLs in a message frame are checked the same way, and a
	// refused message leaves nothing behind.
	c := h.dial(t)
	chat := c.newChat()
	ev := c.request(map[string]any{"type": "message", "chat_id": chat, "content": "x",
		"media": []any{map[string]any{"data_url": "data:image/png;base64,PHN2Zz48L3N2Zz4=", "name": "a.png"}}})
	if ev["event"] != "error" || ev["reason"] != "svg_refused" {
		t.Fatalf("svg data url: %v", ev)
	}
	ev = c.request(map[string]any{"type": "message", "chat_id": chat, "content": "x",
		"media": []any{map[string]any{"data_url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB1", "name": "a.png"}}})
	if ev["event"] != "error" || ev["reason"] != "bad_data_url" {
		t.Fatalf("truncated data url: %v", ev)
	}
	five := []any{}
	_, up := upload(t, h, pngBytes(t), "image/png", "")
	for range 5 {
		five = append(five, map[string]any{"id": up["id"]})
	}
	if ev := c.request(map[string]any{"type": "message", "chat_id": chat, "content": "x", "media": five}); ev["reason"] != "too_many_images" {
		t.Fatalf("five images: %v", ev)
	}
	hist := c.request(map[string]any{"type": "history", "chat_id": chat})
	if items := hist["items"].([]any); len(items) != 0 {
		t.Fatalf("refused messages were stored: %v", items)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
