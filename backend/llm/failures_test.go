package llm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

func TestFailures(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	partial := llmtest.Steps("thinking", "partial answer", 4, 0)
	cases := []struct {
		fail, code string
		status     int
		say        string // in the message
		keepsText  bool   // what streamed before the failure reached the caller
	}{
		{llmtest.FailAuth, llm.CodeAuth, 401, "Invalid API key provided", false},
		{llmtest.FailModel, llm.CodeModelNotFound, 404, "ollama pull ghost-model", false},
		{llmtest.FailServer, llm.CodeServerError, 500, "llama runner process has terminated", false},
		{llmtest.FailBadRequest, llm.CodeBadRequest, 400, "field required", false},
		{llmtest.FailCut, llm.CodeCut, 0, "before the answer was complete", true},
		{llmtest.FailDropConn, llm.CodeCut, 0, "closed the connection", true},
		{llmtest.FailMalformed, llm.CodeMalformed, 0, "not valid JSON", true},
		{llmtest.FailMidstream, llm.CodeServerError, 0, "failed while answering", true},
		{llmtest.FailStall, llm.CodeStalled, 0, "stopped sending", true},
		{llmtest.FailStallHeader, llm.CodeStalled, 0, "did not answer", false},
	}
	for _, tc := range cases {
		for _, kind := range []string{llm.KindOpenAI, llm.KindOllama} {
			t.Run(tc.fail+"/"+kind, func(t *testing.T) {
				srv.On(tc.fail, llmtest.Script{Fail: tc.fail, Steps: partial})
				base := srv.URL + "/v1"
				if kind == llm.KindOllama {
					base = srv.URL
				}
				p := provider(t, kind, base, func(c *llm.Config) {
					if tc.code == llm.CodeStalled {
						c.IdleTimeout = 300 * time.Millisecond
					}
				})
				r := collect(t, p, userAsks("ghost-model", "please "+tc.fail))
				var e *llm.Error
				if !errors.As(r.err, &e) {
					t.Fatalf("error %#v is not *llm.Error", r.err)
				}
				if e.Code != tc.code || e.Status != tc.status || !strings.Contains(e.Message, tc.say) {
					t.Fatalf("got code %q status %d message %q; want %q %d containing %q", e.Code, e.Status, e.Message, tc.code, tc.status, tc.say)
				}
				if !strings.Contains(e.Message, srv.URL) {
					t.Errorf("message does not name the server: %q", e.Message)
				}
				if e.Error() != e.Message || e.Unwrap() == nil {
					t.Errorf("Error() %q, Unwrap %v", e.Error(), e.Unwrap())
				}
				if tc.keepsText && (r.reasoning != "thinking" || r.content != "partial answer") {
					t.Errorf("text before the failure: reasoning %q content %q", r.reasoning, r.content)
				}
			})
		}
	}
}

func TestUnreachable(t *testing.T) {
	url := deadURL(t)
	for _, tc := range []struct {
		kind, base, hint string
	}{
		{llm.KindOllama, url, "Is Ollama running? Start it with `ollama serve`"},
		{llm.KindOpenAI, url + "/v1", "Is the model server running?"},
	} {
		p := provider(t, tc.kind, tc.base)
		r := collect(t, p, userAsks("m", "hi"))
		var e *llm.Error
		if !errors.As(r.err, &e) || e.Code != llm.CodeUnreachable {
			t.Fatalf("%s: %#v", tc.kind, r.err)
		}
		for _, want := range []string{tc.base, "connection refused", tc.hint, "--provider-url"} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("%s: message %q lacks %q", tc.kind, e.Message, want)
			}
		}
		if _, err := p.Models(context.Background()); llm.CodeOf(err) != llm.CodeUnreachable {
			t.Errorf("%s models: %v", tc.kind, err)
		}
	}
}

// A 404 that says nothing about models means the URL is wrong, and the
// message says so instead of blaming the model.
func TestWrongPath(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	r := collect(t, provider(t, llm.KindOpenAI, srv.URL+"/api"), userAsks("m", "hi"))
	var e *llm.Error
	if !errors.As(r.err, &e) || e.Code != llm.CodeBadRequest || e.Status != 404 || !strings.Contains(e.Message, "/v1") {
		t.Fatalf("%#v", r.err)
	}
}

func TestModelNotFoundOnOtherServers(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.SetDefault(llmtest.Script{Fail: llmtest.FailModel})
	r := collect(t, openAIFor(t, srv), userAsks("gpt-9", "hi"))
	var e *llm.Error
	if !errors.As(r.err, &e) || e.Code != llm.CodeModelNotFound || !strings.Contains(e.Message, `"gpt-9"`) {
		t.Fatalf("%#v", r.err)
	}
}

// Cancelling the context ends the stream promptly with "cancelled", keeps
// what had arrived, and the server sees its request abandoned.
func TestCancelAbortsUpstream(t *testing.T) {
	for _, kind := range []string{llm.KindOpenAI, llm.KindOllama} {
		t.Run(kind, func(t *testing.T) {
			srv := llmtest.New()
			defer srv.Close()
			srv.SetDefault(llmtest.Script{Steps: llmtest.Steps("", strings.Repeat("word ", 200), 5, 20*time.Millisecond)})
			p := openAIFor(t, srv)
			if kind == llm.KindOllama {
				p = ollamaFor(t, srv)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			events := 0
			done := make(chan error, 1)
			go func() {
				done <- p.Stream(ctx, userAsks("m", "slow"), func(ev llm.Event) error {
					if events++; events == 3 {
						cancel()
					}
					return nil
				})
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Stream did not return after cancel")
			}
			if llm.CodeOf(err) != llm.CodeCancelled || !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %#v", err)
			}
			waitCancelled(t, srv)
		})
	}
}

// An emit error aborts the stream, comes back unchanged, and stops the
// server too.
func TestEmitErrorAborts(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.SetDefault(llmtest.Script{Steps: llmtest.Steps("", strings.Repeat("word ", 200), 5, 20*time.Millisecond)})
	stop := errors.New("consumer gone")
	n := 0
	err := openAIFor(t, srv).Stream(context.Background(), userAsks("m", "hi"), func(llm.Event) error {
		if n++; n == 2 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Fatalf("err = %v, want the emit error itself", err)
	}
	waitCancelled(t, srv)
}

func waitCancelled(t *testing.T, srv *llmtest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitCancelled(ctx, 1); err != nil {
		t.Fatalf("the server never saw the request abandoned: %v", err)
	}
}
