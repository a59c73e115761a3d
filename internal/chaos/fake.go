package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// gatedFake is the model server of the load run: an OpenAI-compatible
// streaming endpoint whose answer to "load N" is a burst of chunks, then a
// trickle (so the stream stays alive) until the gate opens, then a second
// burst. Its answer to bigPrompt is one burst of big chunks (bigBytes in
// all), then the trickle. It records exactly what it sent for each prompt, so
// the checks know every byte a client should end up with.
//
// Before each chunk it calls pace (when set) with what it has sent so far: the
// load run holds the stream there until the chat's reading clients are close
// behind, so the model never outruns the clients on a starved CPU (which
// would make a reading client a slow one). What is tested is that nothing is
// lost or doubled and that non-readers are dropped, not how fast the model is.
type gatedFake struct {
	URL      string
	ln       net.Listener
	hs       *http.Server
	chunk    int // bytes per chunk
	burst    int // chunks per burst
	bigBytes int // the whole first burst of the answer to bigPrompt
	tick     time.Duration

	gate     chan struct{}
	gateOnce sync.Once
	pace     func(ctx context.Context, prompt string, sent int)

	mu   sync.Mutex
	sent map[string]*strings.Builder
	done map[string]bool
}

const (
	bigPrompt = "load big"
	bigChunk  = 64 << 10
)

func newGatedFake(chunk, burst, bigBytes int, tick time.Duration) (*gatedFake, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	g := &gatedFake{URL: "http://" + ln.Addr().String(), ln: ln, chunk: chunk, burst: burst, bigBytes: bigBytes, tick: tick,
		gate: make(chan struct{}), sent: map[string]*strings.Builder{}, done: map[string]bool{}}
	g.hs = &http.Server{Handler: g, ReadHeaderTimeout: time.Minute}
	go func() { _ = g.hs.Serve(ln) }()
	return g, nil
}

func (g *gatedFake) close() {
	g.open()
	_ = g.hs.Close()
}

// open lets every stream go on to its second burst and its end.
func (g *gatedFake) open() { g.gateOnce.Do(func() { close(g.gate) }) }

// text is what was sent for prompt, and whether the stream is complete.
func (g *gatedFake) text(prompt string) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.sent[prompt]
	if b == nil {
		return "", false
	}
	return b.String(), g.done[prompt]
}

func (g *gatedFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"chaos-model","object":"model","owned_by":"chaos"}]}`))
	case r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions":
		g.chat(w, r)
	default:
		http.NotFound(w, r)
	}
}

func lastUser(body []byte) (string, error) {
	var req struct {
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return "", err
	}
	for i := len(req.Messages) - 1; i >= 0; i-- {
		m := req.Messages[i]
		if m.Role != "user" {
			continue
		}
		var s string
		if json.Unmarshal(m.Content, &s) == nil {
			return s, nil
		}
		var parts []struct{ Type, Text string }
		if err := json.Unmarshal(m.Content, &parts); err != nil {
			return "", err
		}
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(p.Text)
		}
		return b.String(), nil
	}
	return "", nil
}

func (g *gatedFake) chat(w http.ResponseWriter, r *http.Request) {
	body := make([]byte, 0, 4096)
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Body.Read(buf)
		body = append(body, buf[:n]...)
		if err != nil {
			break
		}
	}
	prompt, err := lastUser(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	g.mu.Lock()
	rec := &strings.Builder{}
	g.sent[prompt] = rec
	g.mu.Unlock()
	send := func(delta map[string]any, finish any) bool {
		b, _ := json.Marshal(map[string]any{
			"id": "chatcmpl-chaos", "object": "chat.completion.chunk", "created": 0, "model": "chaos-model",
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		})
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	content := func(s string) bool {
		if g.pace != nil {
			g.mu.Lock()
			sent := rec.Len()
			g.mu.Unlock()
			g.pace(r.Context(), prompt, sent)
		}
		if !send(map[string]any{"content": s}, nil) {
			return false
		}
		g.mu.Lock()
		rec.WriteString(s)
		g.mu.Unlock()
		return true
	}
	tag := strings.ReplaceAll(strings.TrimSpace(strings.TrimPrefix(prompt, "load")), " ", "_")
	size, first, second := g.chunk, g.burst, g.burst
	if prompt == bigPrompt {
		size, first, second = bigChunk, g.bigBytes/bigChunk, 0
	}
	chunk := func(phase string, i int) string {
		head := fmt.Sprintf("%s-%s%05d ", tag, phase, i)
		return head + strings.Repeat("x", max(0, size-len(head)-1)) + " "
	}
	if !send(map[string]any{"role": "assistant", "content": ""}, nil) {
		return
	}
	for i := range first {
		if !content(chunk("a", i)) {
			return
		}
	}
	t := time.NewTicker(g.tick)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-g.gate:
		case <-r.Context().Done():
			return
		case <-t.C:
			if !content(fmt.Sprintf("%s-tick%05d ", tag, i)) {
				return
			}
			continue
		}
		break
	}
	for i := range second {
		if !content(chunk("b", i)) {
			return
		}
	}
	if !send(map[string]any{}, "stop") {
		return
	}
	if _, err := w.Write([]byte("data: [DONE]\n\n")); err != nil {
		return
	}
	_ = rc.Flush()
	g.mu.Lock()
	g.done[prompt] = true
	g.mu.Unlock()
}
