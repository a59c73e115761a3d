package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// What the fake model says is a pure function of the prompt, so every check
// knows the whole answer of every turn: "chaos TAG KIND" is answered with
// words TAG-001 TAG-002 …, one per streamed chunk.
const (
	kindSlow   = "slow"   // the first message of a burst: long, so kills land mid-stream
	kindQueued = "queued" // messages queued behind it: shorter
)

type shape struct {
	words int
	gap   time.Duration
}

var shapes = map[string]shape{
	kindSlow:   {words: 200, gap: 10 * time.Millisecond},
	kindQueued: {words: 40, gap: 10 * time.Millisecond},
}

func prompt(tag, kind string) string { return "chaos " + tag + " " + kind }

// parsePrompt returns the tag and kind of a prompt made by prompt.
func parsePrompt(p string) (tag, kind string, ok bool) {
	f := strings.Fields(p)
	if len(f) != 3 || f[0] != "chaos" {
		return "", "", false
	}
	if _, known := shapes[f[2]]; !known {
		return "", "", false
	}
	return f[1], f[2], true
}

func words(tag string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d ", tag, i+1)
	}
	return out
}

// answerFor is the whole answer the fake model gives to p ("" if p is not a
// chaos prompt).
func answerFor(p string) string {
	tag, kind, ok := parsePrompt(p)
	if !ok {
		return ""
	}
	return strings.Join(words(tag, shapes[kind].words), "")
}

// scriptFor is the fake model's streamed reply to p.
func scriptFor(p string) llmtest.Script {
	tag, kind, ok := parsePrompt(p)
	if !ok {
		return llmtest.Script{Steps: []llmtest.Step{{Content: "not a chaos prompt"}}}
	}
	sh := shapes[kind]
	steps := make([]llmtest.Step, 0, sh.words)
	for _, w := range words(tag, sh.words) {
		steps = append(steps, llmtest.Step{Content: w, Delay: sh.gap})
	}
	return llmtest.Script{Steps: steps}
}

// prefixRelated says whether one of a, b is a prefix of the other.
func prefixRelated(a, b string) bool {
	return strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
}
