package llm_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

func listModels(t *testing.T, p llm.Provider) map[string]llm.Model {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ms, err := p.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]llm.Model{}
	for _, m := range ms {
		out[m.ID] = m
	}
	return out
}

func wantModel(t *testing.T, got map[string]llm.Model, want llm.Model) {
	t.Helper()
	m, ok := got[want.ID]
	if !ok {
		t.Fatalf("model %s not listed: %+v", want.ID, got)
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("model %s:\n got %+v\nwant %+v", want.ID, m, want)
	}
}

// Ollama's /api/tags gives size, family, parameters and quantization;
// /api/show adds the context length and what the model can do.
func TestModelsOllamaDetails(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.SetModels(llmtest.ModelChat, llmtest.ModelR1, llmtest.ModelVision)
	for _, tc := range []struct{ kind, url string }{
		{llm.KindOllama, srv.URL},
		// The default set-up: the OpenAI-compatible API of an Ollama.
		{llm.KindOpenAI, srv.URL + "/v1"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			got := listModels(t, provider(t, tc.kind, tc.url))
			owner := ""
			if tc.kind == llm.KindOpenAI {
				owner = "llmtest"
			}
			wantModel(t, got, llm.Model{ID: llmtest.ModelChat, OwnedBy: owner, Size: 2019393189, Family: "llama", ParameterSize: "3.2B",
				Quantization: "Q4_K_M", ContextLength: 131072, Capabilities: []string{llm.CapTools}})
			wantModel(t, got, llm.Model{ID: llmtest.ModelR1, OwnedBy: owner, Size: 4683087332, Family: "qwen2", ParameterSize: "7.6B",
				Quantization: "Q4_K_M", ContextLength: 131072, Capabilities: []string{llm.CapReasoning}})
			wantModel(t, got, llm.Model{ID: llmtest.ModelVision, OwnedBy: owner, Size: 3338801804, Family: "gemma3", ParameterSize: "4.3B",
				Quantization: "Q4_K_M", ContextLength: 131072, Capabilities: []string{llm.CapVision}})
		})
	}
}

// /api/show is asked once per model file (digest): the second listing costs
// one request.
func TestModelsOllamaShowCached(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	p := provider(t, llm.KindOllama, srv.URL)
	listModels(t, p)
	if n := srv.ShowCount(); n != 2 {
		t.Fatalf("first listing: %d /api/show requests, want 2", n)
	}
	got := listModels(t, p)
	if n := srv.ShowCount(); n != 2 {
		t.Fatalf("second listing: %d /api/show requests, want still 2", n)
	}
	if got[llmtest.ModelChat].ContextLength != 131072 {
		t.Fatalf("cached details lost: %+v", got[llmtest.ModelChat])
	}
}

// A server whose /api/show hangs still lists its models promptly, without
// the details it would not give.
func TestModelsShowHangs(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/show" {
			// Read first: only then does the server notice the client leave.
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		fake.ServeHTTP(w, r)
	}))
	defer hs.Close()
	start := time.Now()
	got := listModels(t, provider(t, llm.KindOllama, hs.URL))
	if d := time.Since(start); d > 6*time.Second {
		t.Fatalf("listing took %s", d)
	}
	wantModel(t, got, llm.Model{ID: llmtest.ModelChat, Size: 2019393189, Family: "llama", ParameterSize: "3.2B", Quantization: "Q4_K_M"})
}

// LM Studio says type vlm for a model that sees images, the architecture,
// quantization, context length and tool use on /api/v0/models.
func TestModelsLMStudio(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.SetDialect(llmtest.DialectLMStudio)
	srv.SetModels(llmtest.ModelChat, llmtest.ModelVision)
	got := listModels(t, provider(t, llm.KindOpenAI, srv.URL+"/v1"))
	wantModel(t, got, llm.Model{ID: llmtest.ModelChat, OwnedBy: "llmtest", Family: "llama", Quantization: "Q4_K_M",
		ContextLength: 131072, Capabilities: []string{llm.CapTools}})
	wantModel(t, got, llm.Model{ID: llmtest.ModelVision, OwnedBy: "llmtest", Family: "gemma3", Quantization: "Q4_K_M",
		ContextLength: 131072, Capabilities: []string{llm.CapVision}})
}

// llama.cpp's /v1/models meta gives size, training context and parameters.
func TestModelsLlamaCpp(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.SetDialect(llmtest.DialectLlamaCpp)
	srv.SetModels(llmtest.ModelChat)
	got := listModels(t, provider(t, llm.KindOpenAI, srv.URL+"/v1"))
	wantModel(t, got, llm.Model{ID: llmtest.ModelChat, OwnedBy: "llamacpp", Size: 2019393189, ParameterSize: "3.2B", ContextLength: 131072})
}

// A plain OpenAI-compatible server gives ids only, and nothing is made up.
func TestModelsPlainOpenAI(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.SetDialect(llmtest.DialectOpenAI)
	got := listModels(t, provider(t, llm.KindOpenAI, srv.URL+"/v1"))
	wantModel(t, got, llm.Model{ID: llmtest.ModelChat, OwnedBy: "llmtest"})
	wantModel(t, got, llm.Model{ID: llmtest.ModelR1, OwnedBy: "llmtest"})
}

func puller(t *testing.T, url string) llm.Puller {
	t.Helper()
	p, ok := provider(t, llm.KindOllama, url).(llm.Puller)
	if !ok {
		t.Fatal("the Ollama provider is not a Puller")
	}
	return p
}

// A pull reports Ollama's statuses in order with bytes adding up over the
// layers, ends at success, and the model is then listed.
func TestPull(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.SetPull(func(string) llmtest.PullScript {
		return llmtest.PullScript{Layers: []int64{1000, 10}, Steps: 2}
	})
	var got []llm.PullProgress
	err := puller(t, srv.URL).Pull(context.Background(), "qwen3:8b", func(p llm.PullProgress) { got = append(got, p) })
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, p := range got {
		if len(statuses) == 0 || statuses[len(statuses)-1] != p.Status {
			statuses = append(statuses, p.Status)
		}
	}
	if len(statuses) != 6 || statuses[0] != "pulling manifest" || !strings.HasPrefix(statuses[1], "pulling ") ||
		!strings.HasPrefix(statuses[2], "pulling ") || statuses[3] != "verifying sha256 digest" || statuses[4] != "writing manifest" || statuses[5] != "success" {
		t.Fatalf("statuses %q", statuses)
	}
	var last int64
	for _, p := range got {
		if p.Completed < last || p.Completed > p.Total {
			t.Fatalf("progress goes back or past the total: %+v", got)
		}
		last = p.Completed
	}
	if end := got[len(got)-1]; end.Completed != 1010 || end.Total != 1010 {
		t.Fatalf("last progress %+v, want 1010/1010", end)
	}
	if pulls := srv.Pulls(); len(pulls) != 1 || pulls[0].Name != "qwen3:8b" || !pulls[0].Stream || !pulls[0].Done {
		t.Fatalf("server saw %+v", pulls)
	}
	if _, ok := listModels(t, provider(t, llm.KindOllama, srv.URL))["qwen3:8b"]; !ok {
		t.Fatal("pulled model not listed")
	}
}

func TestPullFailures(t *testing.T) {
	t.Run("unknown name", func(t *testing.T) {
		srv := llmtest.New()
		defer srv.Close()
		srv.SetPull(func(string) llmtest.PullScript { return llmtest.PullScript{Fail: llmtest.PullMissing} })
		err := puller(t, srv.URL).Pull(context.Background(), "no-such-model", func(llm.PullProgress) {})
		if llm.CodeOf(err) != llm.CodeModelNotFound || !strings.Contains(err.Error(), `no model named "no-such-model"`) {
			t.Fatalf("err %v (%s)", err, llm.CodeOf(err))
		}
	})
	t.Run("cut", func(t *testing.T) {
		srv := llmtest.New()
		defer srv.Close()
		srv.SetPull(func(string) llmtest.PullScript {
			return llmtest.PullScript{Layers: []int64{100}, Steps: 4, Fail: llmtest.PullCut}
		})
		err := puller(t, srv.URL).Pull(context.Background(), "m", func(llm.PullProgress) {})
		if llm.CodeOf(err) != llm.CodeCut || !strings.Contains(err.Error(), "resumes") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("cancel reaches the server", func(t *testing.T) {
		srv := llmtest.New()
		defer srv.Close()
		srv.SetPull(func(string) llmtest.PullScript {
			return llmtest.PullScript{Layers: []int64{1 << 30}, Steps: 10000, Delay: 10 * time.Millisecond}
		})
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		err := puller(t, srv.URL).Pull(ctx, "big", func(p llm.PullProgress) {
			if n++; n == 3 {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) && llm.CodeOf(err) != llm.CodeCancelled {
			t.Fatalf("err %v", err)
		}
		wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer wcancel()
		if err := srv.WaitCancelled(wctx, 1); err != nil {
			t.Fatal(err)
		}
		if p := srv.Pulls(); len(p) != 1 || !p[0].Cancelled {
			t.Fatalf("server saw %+v", p)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		srv := llmtest.New()
		url := srv.URL
		srv.Close()
		err := puller(t, url).Pull(context.Background(), "m", func(llm.PullProgress) {})
		if llm.CodeOf(err) != llm.CodeUnreachable {
			t.Fatalf("err %v", err)
		}
	})
}
