package llmtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Dialects: which model server the fake's listings imitate. Each speaks
// /v1 the same way; they differ in what they say about their models.
const (
	// DialectOllama (the default) serves /api/tags, /api/show and /api/pull
	// beside /v1, as Ollama does.
	DialectOllama = "ollama"
	// DialectLMStudio serves /api/v0/models, and answers any path it does
	// not know with LM Studio's 200 {"error":"Unexpected endpoint…"}.
	DialectLMStudio = "lmstudio"
	// DialectLlamaCpp adds llama.cpp's meta to each /v1/models entry.
	DialectLlamaCpp = "llamacpp"
	// DialectOpenAI lists bare ids on /v1/models and nothing else.
	DialectOpenAI = "openai"
)

// ModelChat and ModelR1 are listed by default; ModelVision has details for
// when a test lists or pulls it.
const ModelVision = "llmtest-vision"

// ModelInfo is what the fake says about one model, in the terms of Ollama's
// /api/show (Capabilities: completion, vision, tools, thinking, embedding).
// The other dialects derive their own fields from it.
type ModelInfo struct {
	Family        string
	ParameterSize string
	ParamCount    int64
	Quantization  string
	Size          int64
	ContextLength int
	Capabilities  []string
}

var defaultInfos = map[string]ModelInfo{
	ModelChat: {Family: "llama", ParameterSize: "3.2B", ParamCount: 3212749888, Quantization: "Q4_K_M",
		Size: 2019393189, ContextLength: 131072, Capabilities: []string{"completion", "tools"}},
	ModelR1: {Family: "qwen2", ParameterSize: "7.6B", ParamCount: 7615616512, Quantization: "Q4_K_M",
		Size: 4683087332, ContextLength: 131072, Capabilities: []string{"completion", "thinking"}},
	ModelVision: {Family: "gemma3", ParameterSize: "4.3B", ParamCount: 4299915632, Quantization: "Q4_K_M",
		Size: 3338801804, ContextLength: 131072, Capabilities: []string{"completion", "vision"}},
}

// plainInfo is what a model no test described gets.
var plainInfo = ModelInfo{Family: "llama", ParameterSize: "3.2B", ParamCount: 3212749888, Quantization: "Q4_K_M",
	Size: 2 << 30, ContextLength: 8192, Capabilities: []string{"completion"}}

// SetDialect picks which server's model listings the fake imitates.
func (s *Server) SetDialect(d string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dialect = d
}

// SetModelInfo sets what the listings say about id.
func (s *Server) SetModelInfo(id string, info ModelInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.infos == nil {
		s.infos = map[string]ModelInfo{}
	}
	s.infos[id] = info
}

func (s *Server) infoLocked(id string) ModelInfo {
	if in, ok := s.infos[id]; ok {
		return in
	}
	if in, ok := defaultInfos[id]; ok {
		return in
	}
	return plainInfo
}

func digestOf(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func (s *Server) ollamaTags() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	models := make([]map[string]any, 0, len(s.models))
	for _, id := range s.models {
		in := s.infoLocked(id)
		models = append(models, map[string]any{
			"name": id, "model": id,
			"modified_at": "2025-01-01T00:00:00.000000000Z",
			"size":        in.Size,
			"digest":      digestOf(id),
			"details": map[string]any{
				"parent_model": "", "format": "gguf", "family": in.Family, "families": []string{in.Family},
				"parameter_size": in.ParameterSize, "quantization_level": in.Quantization,
			},
		})
	}
	return map[string]any{"models": models}
}

func (s *Server) openAIModels() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	data := make([]map[string]any, 0, len(s.models))
	for _, id := range s.models {
		m := map[string]any{"id": id, "object": "model", "created": 1700000000, "owned_by": "llmtest"}
		if s.dialect == DialectLlamaCpp {
			in := s.infoLocked(id)
			m["owned_by"] = "llamacpp"
			m["meta"] = map[string]any{
				"vocab_type": 2, "n_vocab": 128256, "n_ctx_train": in.ContextLength, "n_embd": 3072,
				"n_params": in.ParamCount, "size": in.Size,
			}
		}
		data = append(data, m)
	}
	return map[string]any{"object": "list", "data": data}
}

// lmStudioModels is GET /api/v0/models: type is vlm for a model that sees
// images, capabilities lists tool_use.
func (s *Server) lmStudioModels() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	data := make([]map[string]any, 0, len(s.models))
	for _, id := range s.models {
		in := s.infoLocked(id)
		typ := "llm"
		switch {
		case slices.Contains(in.Capabilities, "vision"):
			typ = "vlm"
		case slices.Contains(in.Capabilities, "embedding"):
			typ = "embeddings"
		}
		m := map[string]any{
			"id": id, "object": "model", "type": typ, "publisher": "llmtest", "arch": in.Family,
			"compatibility_type": "gguf", "quantization": in.Quantization, "state": "not-loaded",
			"max_context_length": in.ContextLength,
		}
		if slices.Contains(in.Capabilities, "tools") {
			m["capabilities"] = []string{"tool_use"}
		}
		data = append(data, m)
	}
	return map[string]any{"object": "list", "data": data}
}

// show is POST /api/show.
func (s *Server) show(w http.ResponseWriter, r *http.Request) {
	var in struct{ Model, Name string }
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		writeError(w, true, http.StatusBadRequest, "invalid JSON", "")
		return
	}
	name := in.Model
	if name == "" {
		name = in.Name
	}
	s.mu.Lock()
	s.shows++
	known := slices.Contains(s.models, name)
	info := s.infoLocked(name)
	s.notifyLocked()
	s.mu.Unlock()
	if !known {
		writeError(w, true, http.StatusNotFound, fmt.Sprintf("model '%s' not found", name), "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"license":    "LLMTEST LICENSE",
		"modelfile":  "# Modelfile generated by \"ollama show\"\nFROM " + name + "\n",
		"parameters": "stop \"<|eot_id|>\"",
		"template":   "{{ .Prompt }}",
		"details": map[string]any{
			"parent_model": "", "format": "gguf", "family": info.Family, "families": []string{info.Family},
			"parameter_size": info.ParameterSize, "quantization_level": info.Quantization,
		},
		"model_info": map[string]any{
			"general.architecture":                  info.Family,
			"general.basename":                      name,
			"general.file_type":                     15,
			"general.parameter_count":               info.ParamCount,
			"general.quantization_version":          2,
			info.Family + ".attention.head_count":   24,
			info.Family + ".block_count":            28,
			info.Family + ".context_length":         info.ContextLength,
			info.Family + ".embedding_length":       3072,
			"tokenizer.ggml.model":                  "gpt2",
			"tokenizer.ggml.pre":                    "llama-bpe",
			"tokenizer.ggml.tokens":                 nil,
			info.Family + ".rope.dimension_count":   128,
			info.Family + ".attention.key_length":   128,
			info.Family + ".feed_forward_length":    8192,
			info.Family + ".attention.value_length": 128,
		},
		"capabilities": info.Capabilities,
		"modified_at":  "2025-01-01T00:00:00.000000000Z",
	})
}

// ShowCount is how many /api/show requests arrived (the cache's proof).
func (s *Server) ShowCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shows
}

// ---- pulls ----

// Pull failures a PullScript can ask for.
const (
	// PullMissing: "pulling manifest", then Ollama's in-stream error for a
	// name the registry does not have.
	PullMissing = "missing"
	// PullCut: some progress, then the stream ends without "success".
	PullCut = "cut"
)

// PullScript is how one pull goes: each layer of Layers (sizes in bytes)
// downloads in Steps progress lines, Delay apart.
type PullScript struct {
	Layers []int64
	Steps  int
	Delay  time.Duration
	Fail   string
}

// DefaultPull is a quick, complete pull: the weights, a template, params.
var DefaultPull = PullScript{Layers: []int64{2019377376, 1429, 7711, 96}, Steps: 4, Delay: 5 * time.Millisecond}

// PullFunc picks the script for a pull of name.
type PullFunc func(name string) PullScript

// SetPull sets how pulls go; nil is DefaultPull for every name.
func (s *Server) SetPull(f PullFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pull = f
}

// PullRequest is one /api/pull as it arrived; Done says it ran to success.
type PullRequest struct {
	Name      string
	Stream    bool
	Done      bool
	Cancelled bool
}

// Pulls returns every pull received so far, oldest first.
func (s *Server) Pulls() []PullRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]PullRequest(nil), s.pulls...)
}

func (s *Server) notePull(i int, f func(*PullRequest)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.pulls[i])
	s.notifyLocked()
}

// pullModel is POST /api/pull: NDJSON lines {status, digest, total,
// completed}, as Ollama streams them, ending in {"status":"success"}; the
// model is then listed.
func (s *Server) pullModel(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Model, Name string
		Stream      *bool
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		writeError(w, true, http.StatusBadRequest, "invalid JSON", "")
		return
	}
	name := in.Model
	if name == "" {
		name = in.Name
	}
	s.mu.Lock()
	f := s.pull
	idx := len(s.pulls)
	s.pulls = append(s.pulls, PullRequest{Name: name, Stream: in.Stream == nil || *in.Stream})
	s.notifyLocked()
	s.mu.Unlock()
	sc := DefaultPull
	if f != nil {
		sc = f(name)
	}
	st := &stream{w: w, rc: http.NewResponseController(w), ctx: r.Context(), closing: s.closing}
	if !st.begin("application/x-ndjson") {
		return
	}
	line := func(v any) bool {
		b, _ := json.Marshal(v)
		return st.send(append(b, '\n'))
	}
	ok := func() bool {
		if !line(map[string]any{"status": "pulling manifest"}) || !st.wait(sc.Delay) {
			return false
		}
		if sc.Fail == PullMissing {
			return line(map[string]any{"error": "pull model manifest: file does not exist"})
		}
		for li, size := range sc.Layers {
			digest := "sha256:" + digestOf(fmt.Sprintf("%s/%d", name, li))
			short := strings.TrimPrefix(digest, "sha256:")[:12]
			steps := max(sc.Steps, 1)
			for i := 0; i <= steps; i++ {
				m := map[string]any{"status": "pulling " + short, "digest": digest, "total": size}
				if i > 0 {
					m["completed"] = size * int64(i) / int64(steps)
				}
				if !line(m) || !st.wait(sc.Delay) {
					return false
				}
				if sc.Fail == PullCut && li == 0 && i == steps/2 {
					return true
				}
			}
		}
		for _, msg := range []string{"verifying sha256 digest", "writing manifest", "success"} {
			if !line(map[string]any{"status": msg}) {
				return false
			}
		}
		return true
	}()
	switch {
	case !ok && !s.isClosing():
		s.notePull(idx, func(p *PullRequest) { p.Cancelled = true })
		s.noteCancelled()
	case ok && sc.Fail == "":
		s.mu.Lock()
		if !slices.Contains(s.models, name) {
			s.models = append(s.models, name)
		}
		s.mu.Unlock()
		s.notePull(idx, func(p *PullRequest) { p.Done = true })
	}
}
