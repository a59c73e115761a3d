package config

import (
	"errors"
	"fmt"
)

// Params are the default sampling parameters of every chat (config.toml's
// [params] table); a chat's own settings override them one by one, and what
// neither sets is the model server's default. They mirror protocol.Params
// field for field, so the composition root converts with a plain
// conversion while config stays free of the protocol package.
type Params struct {
	Temperature     *float64
	TopP            *float64
	ContextLength   *int
	ReasoningEffort string
}

type fileParams struct {
	Temperature     *float64 `toml:"temperature"`
	TopP            *float64 `toml:"top_p"`
	ContextLength   *int     `toml:"context_length"`
	ReasoningEffort *string  `toml:"reasoning_effort"`
}

// paramKeys are the [params] keys, for the strict key check.
var paramKeys = []string{"params", "params.temperature", "params.top_p", "params.context_length", "params.reasoning_effort"}

func init() {
	for _, k := range paramKeys {
		knownKeys[k] = true
	}
}

// resolveParams records where each default came from: the file or nowhere.
func (r resolver) resolveParams(fp *fileParams) Params {
	var p Params
	if fp == nil {
		fp = &fileParams{}
	}
	set := func(key string, present bool) {
		if present {
			r.src.set(key, r.fromFile())
		} else {
			r.src.set(key, Source{})
		}
	}
	p.Temperature, p.TopP, p.ContextLength = fp.Temperature, fp.TopP, fp.ContextLength
	set("params.temperature", fp.Temperature != nil)
	set("params.top_p", fp.TopP != nil)
	set("params.context_length", fp.ContextLength != nil)
	set("params.reasoning_effort", fp.ReasoningEffort != nil)
	if fp.ReasoningEffort != nil {
		p.ReasoningEffort = *fp.ReasoningEffort
	}
	return p
}

// MaxContextLength is the largest params.context_length accepted, as for a
// chat's own (protocol's checkParams).
const MaxContextLength = 1 << 24

// validateParams applies the bounds a chat's own parameters have.
func validateParams(p Params, add func(key string, err error)) {
	if t := p.Temperature; t != nil && (*t < 0 || *t > 2) {
		add("params.temperature", fmt.Errorf("params.temperature must be between 0 and 2, got %v", *t))
	}
	if t := p.TopP; t != nil && (*t <= 0 || *t > 1) {
		add("params.top_p", fmt.Errorf("params.top_p must be above 0 and at most 1, got %v", *t))
	}
	if n := p.ContextLength; n != nil && (*n < 256 || *n > MaxContextLength) {
		add("params.context_length", fmt.Errorf("params.context_length must be between 256 and %d, got %d", MaxContextLength, *n))
	}
	switch p.ReasoningEffort {
	case "", "low", "medium", "high":
	default:
		add("params.reasoning_effort", errors.New(`params.reasoning_effort must be "low", "medium" or "high"`))
	}
}
