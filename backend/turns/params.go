package turns

import (
	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
)

// effectiveParams are the parameters one turn asks the model for: each one
// the chat sets, else the default from config.toml (unset there too: the
// model server's own). The reasoning effort the message itself asks for
// comes first of all.
func effectiveParams(effort string, chat, defaults protocol.Params) protocol.Params {
	p := defaults
	if chat.Temperature != nil {
		p.Temperature = chat.Temperature
	}
	if chat.TopP != nil {
		p.TopP = chat.TopP
	}
	if chat.ContextLength != nil {
		p.ContextLength = chat.ContextLength
	}
	if chat.ReasoningEffort != "" {
		p.ReasoningEffort = chat.ReasoningEffort
	}
	if effort != "" {
		p.ReasoningEffort = effort
	}
	return p
}

// withParams puts p into a request; each provider sends them as its wire
// format expects (see docs/providers.md).
func withParams(req llm.Request, p protocol.Params) llm.Request {
	req.Temperature, req.TopP, req.ReasoningEffort = p.Temperature, p.TopP, p.ReasoningEffort
	req.ContextLength = 0
	if p.ContextLength != nil {
		req.ContextLength = *p.ContextLength
	}
	return req
}
