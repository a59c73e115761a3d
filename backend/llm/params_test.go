package llm_test

import (
	"encoding/json"
	"testing"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

func fptr(v float64) *float64 { return &v }

// Each wire format gets the sampling parameters where it expects them:
// OpenAI-compatible servers at the top level (no context length: they have
// no field for it), Ollama's native API in options, num_ctx included.
func TestSamplingParamsInEachWireFormat(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	req := userAsks("m", "hi")
	req.Temperature, req.TopP, req.ContextLength, req.ReasoningEffort = fptr(0), fptr(0.75), 16384, "low"
	if r := collect(t, openAIFor(t, srv), req); r.err != nil {
		t.Fatal(r.err)
	}
	if r := collect(t, ollamaFor(t, srv), req); r.err != nil {
		t.Fatal(r.err)
	}
	reqs := srv.Requests()
	oa, ol := reqs[0], reqs[1]
	// A temperature of 0 is a choice (greedy decoding), not "unset".
	if oa.Temperature == nil || *oa.Temperature != 0 || oa.TopP == nil || *oa.TopP != 0.75 || oa.ReasoningEffort != "low" {
		t.Errorf("openai got temperature %v top_p %v effort %q", oa.Temperature, oa.TopP, oa.ReasoningEffort)
	}
	var raw map[string]any
	if err := json.Unmarshal(oa.Body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"options", "num_ctx", "context_length"} {
		if _, ok := raw[k]; ok {
			t.Errorf("openai request has %q: %s", k, oa.Body)
		}
	}
	if ol.Path != "/api/chat" || ol.Temperature == nil || *ol.Temperature != 0 || ol.TopP == nil || *ol.TopP != 0.75 ||
		ol.NumCtx == nil || *ol.NumCtx != 16384 || ol.Think != `"low"` {
		t.Errorf("ollama got %s", ol.Body)
	}
}

// Nothing set, nothing sent: the server's (or the Modelfile's) defaults hold.
func TestNoSamplingParamsSendsNone(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	for _, p := range []llm.Provider{openAIFor(t, srv), ollamaFor(t, srv)} {
		if r := collect(t, p, userAsks("m", "hi")); r.err != nil {
			t.Fatal(r.err)
		}
	}
	for _, r := range srv.Requests() {
		var raw map[string]any
		if err := json.Unmarshal(r.Body, &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"options", "temperature", "top_p"} {
			if _, ok := raw[k]; ok {
				t.Errorf("%s: %q sent unasked: %s", r.Path, k, r.Body)
			}
		}
	}
}

// A server that refuses temperature and top_p (OpenAI's reasoning models)
// gets the request again without them, and the chat still works.
func TestSamplingRefusedIsDropped(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.SetDefault(llmtest.Script{Fail: llmtest.FailNoSampling, Steps: llmtest.Steps("", answer, 5, 0)})
	req := userAsks("o3", "hi")
	req.Temperature, req.TopP = fptr(0.3), fptr(0.9)
	r := collect(t, openAIFor(t, srv), req)
	if r.err != nil || r.content != answer {
		t.Fatalf("err %v content %q", r.err, r.content)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[1].Temperature != nil || reqs[1].TopP != nil {
		t.Fatalf("retry: %d requests, last %s", len(reqs), reqs[len(reqs)-1].Body)
	}
}
