package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
)

// Quirks of real servers that the scripted fake does not model, served by
// hand-written handlers.

func handler(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

func sse(w http.ResponseWriter, lines ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	for _, l := range lines {
		io.WriteString(w, l)
	}
}

func TestServerQuirks(t *testing.T) {
	cases := []struct {
		name      string
		h         http.HandlerFunc
		code      string // "" = success
		say       string // in the error message
		content   string
		reasoning string
	}{
		{
			name: "web page instead of API",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				io.WriteString(w, "<!doctype html><title>Open WebUI</title>")
			},
			code: llm.CodeMalformed, say: "web page",
		},
		{
			name: "stream ignored, whole answer",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"model":"m","choices":[{"message":{"role":"assistant","content":"<think>hm</think>Hi","reasoning_content":null}}],"usage":{"prompt_tokens":1,"completion_tokens":2}}`)
			},
			content: "Hi", reasoning: "hm",
		},
		{
			name: "llama.cpp error event",
			h: func(w http.ResponseWriter, r *http.Request) {
				sse(w, `data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}`+"\n\n",
					`error: {"code":500,"message":"context shift is disabled","type":"server_error"}`+"\n\n")
			},
			code: llm.CodeServerError, say: "context shift is disabled", content: "Hel",
		},
		{
			name: "finish_reason then EOF without [DONE]",
			h: func(w http.ResponseWriter, r *http.Request) {
				sse(w, `data: {"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":null}]}`+"\n\n",
					`data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\n")
			},
			content: "ok",
		},
		{
			name: "content as typed parts (Mistral)",
			h: func(w http.ResponseWriter, r *http.Request) {
				sse(w, `data: {"choices":[{"index":0,"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":"ponder"}]}]}}]}`+"\n\n",
					`data: {"choices":[{"index":0,"delta":{"content":[{"type":"text","text":"said"}]}}]}`+"\n\n",
					"data: [DONE]\n\n")
			},
			content: "said", reasoning: "ponder",
		},
		{
			name: "both reasoning fields carry the same text",
			h: func(w http.ResponseWriter, r *http.Request) {
				sse(w, `data: {"choices":[{"index":0,"delta":{"reasoning_content":"r","reasoning":"r"}}]}`+"\n\n",
					`data: {"choices":[{"index":0,"delta":{"content":"c"}}]}`+"\n\n", "data: [DONE]\n\n")
			},
			content: "c", reasoning: "r",
		},
		{
			name: "model loading",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, `{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}`)
			},
			code: llm.CodeServerError, say: "still be loading",
		},
		{
			name: "FastAPI detail",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusUnprocessableEntity)
				io.WriteString(w, `{"detail":"temperature must be positive"}`)
			},
			code: llm.CodeBadRequest, say: "temperature must be positive",
		},
		{
			name: "plain text error",
			h: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "upstream exploded", http.StatusBadGateway)
			},
			code: llm.CodeServerError, say: "upstream exploded",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := collect(t, provider(t, llm.KindOpenAI, handler(t, tc.h)), userAsks("m", "hi"))
			if tc.code == "" && r.err != nil {
				t.Fatal(r.err)
			}
			if tc.code != "" {
				var e *llm.Error
				if !errors.As(r.err, &e) || e.Code != tc.code || !strings.Contains(e.Message, tc.say) {
					t.Fatalf("got %#v, want code %q saying %q", r.err, tc.code, tc.say)
				}
			}
			if r.content != tc.content || r.reasoning != tc.reasoning {
				t.Fatalf("content %q reasoning %q", r.content, r.reasoning)
			}
		})
	}
}

// Old servers refuse stream_options; the client retries without it.
func TestStreamOptionsRefused(t *testing.T) {
	var mu sync.Mutex
	var bodies []map[string]any
	base := handler(t, func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
		if _, ok := body["stream_options"]; ok {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"message":"Unrecognized request argument supplied: stream_options"}}`)
			return
		}
		sse(w, `data: {"choices":[{"index":0,"delta":{"content":"fine"}}]}`+"\n\n", "data: [DONE]\n\n")
	})
	r := collect(t, provider(t, llm.KindOpenAI, base), userAsks("m", "hi"))
	if r.err != nil || r.content != "fine" || len(bodies) != 2 {
		t.Fatalf("err %v content %q after %d requests", r.err, r.content, len(bodies))
	}
}

// The model name in the first chunk (llama.cpp reports the loaded file)
// reveals an R1 template even when the request named no model.
func TestModelHintFromChunk(t *testing.T) {
	base := handler(t, func(w http.ResponseWriter, r *http.Request) {
		sse(w, `data: {"model":"DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf","choices":[{"index":0,"delta":{"content":"weighing"}}]}`+"\n\n",
			`data: {"choices":[{"index":0,"delta":{"content":" it</think>Yes"}}]}`+"\n\n", "data: [DONE]\n\n")
	})
	r := collect(t, provider(t, llm.KindOpenAI, base), userAsks("", "hi"))
	if r.err != nil || r.reasoning != "weighing it" || r.content != "Yes" {
		t.Fatalf("err %v reasoning %q content %q", r.err, r.reasoning, r.content)
	}
}

func TestLlamaCppModelSizes(t *testing.T) {
	base := handler(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"object":"list","data":[{"id":"qwen.gguf","object":"model","owned_by":"llamacpp","meta":{"size":4683071488}}]}`)
	})
	ms, err := provider(t, llm.KindOpenAI, base).Models(context.Background())
	if err != nil || len(ms) != 1 || ms[0].Size != 4683071488 || ms[0].OwnedBy != "llamacpp" {
		t.Fatalf("%+v %v", ms, err)
	}
}

// Something on the port accepts connections and hangs up: not
// "unreachable", and the message says what happened.
func TestHangUpWithoutAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	r := collect(t, provider(t, llm.KindOpenAI, "http://"+ln.Addr().String()+"/v1"), userAsks("m", "hi"))
	var e *llm.Error
	if !errors.As(r.err, &e) || e.Code != llm.CodeServerError || !strings.Contains(e.Message, "closed the connection") {
		t.Fatalf("%#v", r.err)
	}
}

func TestDeadline(t *testing.T) {
	base := handler(t, func(w http.ResponseWriter, r *http.Request) {
		// net/http notices a client hanging up only once the body is read.
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := provider(t, llm.KindOpenAI, base).Stream(ctx, userAsks("m", "hi"), func(llm.Event) error { return nil })
	var e *llm.Error
	if !errors.As(err, &e) || e.Code != llm.CodeCancelled || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(e.Message, "ran out of time") {
		t.Fatalf("%#v", err)
	}
}
