package llm

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Capabilities a model may have, as Model.Capabilities names them. Only what
// the server says is listed: an absent capability is unknown or missing.
const (
	CapVision    = "vision"
	CapTools     = "tools"
	CapReasoning = "reasoning"
	CapEmbedding = "embedding"
)

// Model is one model a server offers. Every field but ID is optional: it is
// set only when the server says it, never guessed.
type Model struct {
	ID      string `json:"id"`
	OwnedBy string `json:"owned_by,omitempty"`
	Size    int64  `json:"size,omitempty"` // bytes on disk
	// Family is the architecture ("llama", "qwen2", "gemma3").
	Family string `json:"family,omitempty"`
	// ParameterSize is the server's own spelling ("3.2B", "494M").
	ParameterSize string `json:"parameter_size,omitempty"`
	// Quantization as the server names it ("Q4_K_M", "4bit").
	Quantization string `json:"quantization,omitempty"`
	// ContextLength is the most tokens the model was trained to attend to.
	ContextLength int      `json:"context_length,omitempty"`
	Capabilities  []string `json:"capabilities,omitempty"`
}

// Details for a model listing: the extra requests behind them are bounded
// in number and time so that a slow or odd server never slows the picker
// down by more than detailsTimeout.
const (
	detailsTimeout     = 3 * time.Second
	detailsConcurrency = 4
)

// ---- Ollama: /api/tags, /api/show ----

type olTags struct {
	Models []struct {
		Name    string `json:"name"`
		Model   string `json:"model"`
		Size    int64  `json:"size"`
		Digest  string `json:"digest"`
		Details struct {
			Family            string `json:"family"`
			ParameterSize     string `json:"parameter_size"`
			QuantizationLevel string `json:"quantization_level"`
		} `json:"details"`
	} `json:"models"`
}

// olShow is the part of POST /api/show that says what a model can do.
type olShow struct {
	ModelInfo    map[string]any `json:"model_info"`
	Capabilities []string       `json:"capabilities"`
}

// showInfo is what /api/show adds to a listing; ok is false when the
// server did not answer (nothing is then cached).
type showInfo struct {
	ctx  int
	caps []string
}

// showCache remembers /api/show per digest: a digest names one exact model
// file, so its answer never changes, and the picker's listing stays one
// request once every model has been seen.
type showCache struct {
	mu sync.Mutex
	m  map[string]showInfo
}

func (s *showCache) get(digest string) (showInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[digest]
	return v, ok
}

func (s *showCache) put(digest string, v showInfo) {
	if digest == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]showInfo{}
	}
	// A bound against a server whose digests change on every listing.
	if len(s.m) > 1024 {
		clear(s.m)
	}
	s.m[digest] = v
}

// ollamaModels lists c's /api/tags and fills in /api/show's details for each.
func ollamaModels(ctx context.Context, c *conn, cache *showCache) ([]Model, error) {
	var tags olTags
	if err := c.getJSON(ctx, "/api/tags", &tags); err != nil {
		return nil, err
	}
	models := make([]Model, 0, len(tags.Models))
	digests := make([]string, 0, len(tags.Models))
	for _, t := range tags.Models {
		id := t.Name
		if id == "" {
			id = t.Model
		}
		models = append(models, Model{
			ID: id, Size: t.Size, Family: t.Details.Family,
			ParameterSize: t.Details.ParameterSize, Quantization: t.Details.QuantizationLevel,
		})
		digests = append(digests, t.Digest)
	}
	ollamaShowAll(ctx, c, cache, models, digests)
	return models, nil
}

// ollamaShowAll asks /api/show for every model not yet cached, a few at a
// time and under one deadline; a model whose answer is late or failed
// simply lacks those details.
func ollamaShowAll(ctx context.Context, c *conn, cache *showCache, models []Model, digests []string) {
	ctx, cancel := context.WithTimeout(ctx, detailsTimeout)
	defer cancel()
	sem := make(chan struct{}, detailsConcurrency)
	var wg sync.WaitGroup
	for i := range models {
		if info, ok := cache.get(digests[i]); ok {
			info.apply(&models[i])
			continue
		}
		wg.Add(1)
		go func(m *Model, digest string) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			info, err := ollamaShow(ctx, c, m.ID)
			if err != nil {
				c.log.Debug("no details for model", "model", m.ID, "err", err)
				return
			}
			cache.put(digest, info)
			info.apply(m)
		}(&models[i], digests[i])
	}
	wg.Wait()
}

func ollamaShow(ctx context.Context, c *conn, model string) (showInfo, error) {
	k, err := c.open(ctx, http.MethodPost, "/api/show", map[string]string{"model": model}, model)
	if err != nil {
		return showInfo{}, err
	}
	defer k.done()
	var s olShow
	if err := decodeBody(k, &s); err != nil {
		return showInfo{}, err
	}
	info := showInfo{ctx: contextLength(s.ModelInfo)}
	if s.Capabilities != nil {
		info.caps = []string{}
		for _, cp := range s.Capabilities {
			switch cp {
			case "vision":
				info.caps = append(info.caps, CapVision)
			case "tools":
				info.caps = append(info.caps, CapTools)
			case "thinking":
				info.caps = append(info.caps, CapReasoning)
			case "embedding":
				info.caps = append(info.caps, CapEmbedding)
			}
		}
	}
	return info, nil
}

func (s showInfo) apply(m *Model) {
	if s.ctx > 0 {
		m.ContextLength = s.ctx
	}
	if s.caps != nil {
		m.Capabilities = append([]string{}, s.caps...)
	}
}

// contextLength reads "<architecture>.context_length" from model_info, as
// Ollama reports the GGUF metadata.
func contextLength(info map[string]any) int {
	arch, _ := info["general.architecture"].(string)
	if v, ok := info[arch+".context_length"].(float64); ok && arch != "" {
		return int(v)
	}
	for k, v := range info {
		if f, ok := v.(float64); ok && strings.HasSuffix(k, ".context_length") {
			return int(f)
		}
	}
	return 0
}

// ---- OpenAI-compatible servers: /v1/models, and what some add ----

type oaModels struct {
	Data []struct {
		ID      string `json:"id"`
		OwnedBy string `json:"owned_by"`
		// llama.cpp's server describes the loaded GGUF here.
		Meta *struct {
			Size      int64 `json:"size"`
			NParams   int64 `json:"n_params"`
			NCtxTrain int   `json:"n_ctx_train"`
		} `json:"meta"`
	} `json:"data"`
}

// lmsModels is LM Studio's GET /api/v0/models.
type lmsModels struct {
	Data []struct {
		ID                string   `json:"id"`
		Type              string   `json:"type"` // llm | vlm | embeddings
		Arch              string   `json:"arch"`
		Quantization      string   `json:"quantization"`
		MaxContextLength  int      `json:"max_context_length"`
		Capabilities      []string `json:"capabilities"`
		CompatibilityType string   `json:"compatibility_type"`
	} `json:"data"`
}

// openAIModels lists /models and, for servers that say more about their
// models elsewhere — LM Studio's /api/v0/models, Ollama's /api/tags and
// /api/show under the same host — adds what they say. The extra listings
// run alongside the main one, so a server without them costs no wait.
func openAIModels(ctx context.Context, c *conn, cache *showCache) ([]Model, error) {
	root := c.root()
	type extra struct {
		lms    *lmsModels
		ollama map[string]Model
	}
	extras := make(chan extra, 1)
	dctx, cancel := context.WithTimeout(ctx, detailsTimeout)
	defer cancel()
	go func() {
		var x extra
		if root == nil {
			extras <- x
			return
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			var l lmsModels
			if root.getJSON(dctx, "/api/v0/models", &l) == nil && len(l.Data) > 0 {
				x.lms = &l
			}
		}()
		go func() {
			defer wg.Done()
			if ms, err := ollamaModels(dctx, root, cache); err == nil {
				x.ollama = make(map[string]Model, len(ms))
				for _, m := range ms {
					x.ollama[m.ID] = m
				}
			}
		}()
		wg.Wait()
		extras <- x
	}()

	var list oaModels
	if err := c.getJSON(ctx, "/models", &list); err != nil {
		return nil, err
	}
	models := make([]Model, 0, len(list.Data))
	for _, d := range list.Data {
		m := Model{ID: d.ID, OwnedBy: d.OwnedBy}
		if d.Meta != nil {
			m.Size = d.Meta.Size
			m.ContextLength = d.Meta.NCtxTrain
			m.ParameterSize = paramSize(d.Meta.NParams)
		}
		models = append(models, m)
	}
	x := <-extras
	if x.lms != nil {
		byID := make(map[string]int, len(x.lms.Data))
		for i, d := range x.lms.Data {
			byID[d.ID] = i
		}
		for i := range models {
			if j, ok := byID[models[i].ID]; ok {
				applyLMStudio(&models[i], x.lms.Data[j].Type, x.lms.Data[j].Arch, x.lms.Data[j].Quantization,
					x.lms.Data[j].MaxContextLength, x.lms.Data[j].Capabilities)
			}
		}
	}
	for i := range models {
		if o, ok := x.ollama[models[i].ID]; ok {
			o.OwnedBy = models[i].OwnedBy
			models[i] = o
		}
	}
	return models, nil
}

func applyLMStudio(m *Model, typ, arch, quant string, ctxLen int, caps []string) {
	m.Family, m.Quantization, m.ContextLength = arch, quant, ctxLen
	var out []string
	switch typ {
	case "vlm":
		out = append(out, CapVision)
	case "embeddings":
		out = append(out, CapEmbedding)
	}
	for _, c := range caps {
		if c == "tool_use" {
			out = append(out, CapTools)
		}
	}
	m.Capabilities = out
}

// paramSize spells a parameter count as Ollama does: "8.0B", "494M".
func paramSize(n int64) string {
	switch {
	case n <= 0:
		return ""
	case n >= 1e9:
		return fmt.Sprintf("%.1fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%dM", n/1e6)
	}
	return fmt.Sprintf("%dK", n/1e3)
}

// root is the same server without the /v1 of an OpenAI-compatible URL,
// where LM Studio and Ollama serve their own APIs; nil when the URL has no
// /v1 to strip (a hosted API under another path).
func (c *conn) root() *conn {
	if !strings.HasSuffix(c.base, "/v1") {
		return nil
	}
	r := *c
	r.base = strings.TrimSuffix(c.base, "/v1")
	r.shown = strings.TrimSuffix(c.shown, "/v1")
	return &r
}
