package llm

// olOptions are the model options of Ollama's native API that Hearth sets
// per chat. Ollama's OpenAI-compatible /v1 takes temperature and top_p as
// OpenAI does but has no field for num_ctx: a context length reaches Ollama
// only through the native API.
type olOptions struct {
	Temperature *float64 `json:"temperature,omitempty"`
	TopP        *float64 `json:"top_p,omitempty"`
	NumCtx      int      `json:"num_ctx,omitempty"`
}

// ollamaOptions is nil when the request sets nothing, so the model's own
// Modelfile defaults stay in force.
func ollamaOptions(req Request) *olOptions {
	if req.Temperature == nil && req.TopP == nil && req.ContextLength <= 0 {
		return nil
	}
	return &olOptions{Temperature: req.Temperature, TopP: req.TopP, NumCtx: max(req.ContextLength, 0)}
}
