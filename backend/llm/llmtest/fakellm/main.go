// Command fakellm runs the llmtest fake model server for manual and browser
// tests: point Hearth at it with --provider-url URL/v1 (or --provider ollama
// --provider-url URL) and chat with a "model" whose behaviour is known.
//
// It prints one JSON line, {"url":"http://127.0.0.1:PORT"}, once listening,
// and exits on SIGINT or SIGTERM. What it answers depends on the last user
// message:
//
//	"use tool NAME {JSON}" (or "tool:NAME {JSON}")
//	                  when the request offers NAME: a sentence, then a call of
//	                  NAME with those arguments; once the result is back, an
//	                  answer quoting it (for tool-call tests)
//	contains "fail"   HTTP 500
//	contains "slow"   a word every 100 ms until the turn is cancelled (for
//	                  stop/cancel tests: however slow the machine, the answer
//	                  is still streaming when the test acts; it ends by itself
//	                  only after about 17 minutes)
//	contains "image"  says how many images arrived and their MIME types
//	has documents     names each attached document (Hearth's <document>
//	                  blocks) with its length and first line
//	contains "math"   an answer with $E=mc^2$ and a $$ display block
//	contains "which settings"
//	                  says the system prompt, model and sampling parameters
//	                  the request carried (for per-chat settings tests)
//	contains "table"  a table with math in its cells, then a table of long
//	                  words wider than the window
//	anything else     ~1 s of reasoning, then a markdown answer echoing the
//	                  prompt with a fenced Go block, in chunks ~30 ms apart
//
// It serves Ollama's /api/tags, /api/show and /api/pull too (see pullScript
// for how downloads go).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	format := flag.String("format", llmtest.FormatReasoningContent,
		"reasoning format on /v1: reasoning_content | reasoning | think | think_noopen")
	models := flag.String("models", llmtest.ModelChat+","+llmtest.ModelR1, "comma-separated model ids to list")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, *format, strings.Split(*models, ","), log); err != nil {
		log.Error("fakellm", "err", err)
		os.Exit(1)
	}
}

func run(addr, format string, models []string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := llmtest.Listen(addr)
	if err != nil {
		return err
	}
	defer srv.Close()
	srv.SetModels(models...)
	srv.SetPull(pullScript)
	srv.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
		sc := reply(r)
		sc.Format = format
		log.Info("request", "path", r.Path, "model", r.Model, "prompt", clip(r.LastUser(), 60), "fail", sc.Fail)
		return sc, true
	})
	line, err := json.Marshal(map[string]string{"url": srv.URL})
	if err != nil {
		return fmt.Errorf("encoding address: %w", err)
	}
	if _, err := fmt.Fprintf(os.Stdout, "%s\n", line); err != nil {
		return fmt.Errorf("announcing address: %w", err)
	}
	<-ctx.Done()
	log.Info("shutting down")
	return nil
}

const chunkGap = 30 * time.Millisecond

// slowWords makes the "slow" answer outlast any test that acts on it.
const slowWords = 10_000

// reply scripts the answer to one request.
func reply(r llmtest.RecordedRequest) llmtest.Script {
	prompt := r.LastUser()
	if sc, ok := toolReply(r, prompt); ok {
		return sc
	}
	docs, ask := documents(prompt)
	// The person's own words choose the answer, not a document's text.
	low := strings.ToLower(ask)
	switch {
	case strings.Contains(low, "fail"):
		return llmtest.Script{Fail: llmtest.FailServer}
	case strings.Contains(low, "slow"):
		steps := thinking("a slow answer", 3)
		for i := 1; i <= slowWords; i++ {
			steps = append(steps, llmtest.Step{Content: fmt.Sprintf("word%d ", i), Delay: 100 * time.Millisecond})
		}
		return llmtest.Script{Steps: steps}
	case strings.Contains(low, "image"):
		return llmtest.Script{Steps: append(thinking("the attached images", 5), answerSteps(imageAnswer(r))...)}
	case len(docs) > 0:
		return llmtest.Script{Steps: append(thinking("the attached documents", 5), answerSteps(documentAnswer(docs))...)}
	case strings.Contains(low, "table"):
		return llmtest.Script{Steps: append(thinking("tables", 3), answerSteps(tableAnswer)...)}
	case strings.Contains(low, "which settings"):
		return llmtest.Script{Steps: answerSteps(settingsAnswer(r))}
	case strings.Contains(low, "math"):
		ans := "The famous relation is $E=mc^2$, and the Gaussian integral is\n\n" +
			"$$\n\\int_{-\\infty}^{\\infty} e^{-x^2}\\,dx = \\sqrt{\\pi}\n$$\n\nBoth render as math."
		return llmtest.Script{Steps: append(thinking("some math", 5), answerSteps(ans)...)}
	}
	ans := fmt.Sprintf("You said: **%s**\n\nHere is a Go program that says it back:\n\n"+
		"```go\npackage main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(%s)\n}\n```\n\nThat is all.",
		strings.ReplaceAll(prompt, "*", `\*`), strconv.Quote(prompt))
	return llmtest.Script{Steps: append(thinking(strconv.Quote(clip(prompt, 80)), 10), answerSteps(ans)...)}
}

var documentBlock = regexp.MustCompile(`(?s)<document name="([^"]*)">\n(.*?)\n</document>(\n\[[^\]]*\])?\n*`)

type document struct{ name, text, note string }

// documents splits a user message into the documents Hearth put ahead of it
// and the words that follow them.
func documents(content string) ([]document, string) {
	var docs []document
	for _, m := range documentBlock.FindAllStringSubmatch(content, -1) {
		docs = append(docs, document{name: m[1], text: m[2], note: strings.TrimSpace(m[3])})
	}
	return docs, documentBlock.ReplaceAllString(content, "")
}

func documentAnswer(docs []document) string {
	var b strings.Builder
	fmt.Fprintf(&b, "I read %d document(s):\n\n", len(docs))
	for _, d := range docs {
		first, _, _ := strings.Cut(strings.TrimSpace(d.text), "\n")
		fmt.Fprintf(&b, "- **%s**, %d characters, beginning: %s\n", d.name, len([]rune(d.text)), first)
		if d.note != "" {
			fmt.Fprintf(&b, "  - Hearth noted: %s\n", d.note)
		}
	}
	return b.String()
}

// tableAnswer has math in table cells (copied, it must be each formula's TeX
// once) and a table of long words that does not fit a window (it must
// scroll, not break the words).
const tableAnswer = "Costs:\n\n| operation | cost |\n|---|---|\n| lookup | $O(1)$ |\n| sort | $O(n \\log n)$ |\n\n" +
	"Long words:\n\n| first | second | third | fourth | fifth | sixth | seventh | eighth |\n|---|---|---|---|---|---|---|---|\n" +
	"| internationalization | characteristically | incomprehensibilities | counterrevolutionaries | " +
	"uncharacteristically | institutionalization | disproportionately | electroencephalograph |\n\nThat is all."

// pullScript is how a download through /api/pull goes: a name with "slow"
// downloads a 4.7 GB model a little every 100 ms, for longer than any test
// waits (to watch and cancel); one with "missing" is a name the registry
// does not have; any other arrives in about two seconds.
func pullScript(name string) llmtest.PullScript {
	switch {
	case strings.Contains(name, "slow"):
		return llmtest.PullScript{Layers: []int64{4683087332, 1429}, Steps: 10_000, Delay: 100 * time.Millisecond}
	case strings.Contains(name, "missing"):
		return llmtest.PullScript{Fail: llmtest.PullMissing, Delay: 100 * time.Millisecond}
	}
	return llmtest.PullScript{Layers: []int64{3338801804, 1429, 7711}, Steps: 8, Delay: 80 * time.Millisecond}
}

// thinking is a short reasoning stream spread over about n×100 ms.
func thinking(topic string, n int) []llmtest.Step {
	text := fmt.Sprintf("Let me think about %s… The user wants a clear answer, so I will keep it short and show an example.", topic)
	chunks := llmtest.Chunks(text, max(1, len(text)/n))
	steps := make([]llmtest.Step, 0, len(chunks))
	for _, c := range chunks {
		steps = append(steps, llmtest.Step{Reasoning: c, Delay: 100 * time.Millisecond})
	}
	return steps
}

func answerSteps(text string) []llmtest.Step {
	return llmtest.Steps("", text, 8, chunkGap)
}

func imageAnswer(r llmtest.RecordedRequest) string {
	var last llmtest.RecordedMessage
	for _, m := range r.Messages {
		if m.Role == "user" {
			last = m
		}
	}
	if len(last.Images) == 0 {
		return "I received 0 images."
	}
	mimes := make([]string, 0, len(last.Images))
	for _, img := range last.Images {
		mimes = append(mimes, img.MIME)
	}
	noun := "images"
	if len(last.Images) == 1 {
		noun = "image"
	}
	return fmt.Sprintf("I received %d %s: %s.", len(last.Images), noun, strings.Join(mimes, ", "))
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// settingsAnswer reports what a request asked of the model, one "name: value"
// line each, "unset" for what it left out.
func settingsAnswer(r llmtest.RecordedRequest) string {
	system := "unset"
	if len(r.Messages) > 0 && r.Messages[0].Role == "system" {
		system = r.Messages[0].Content
	}
	f := func(v *float64) string {
		if v == nil {
			return "unset"
		}
		return strconv.FormatFloat(*v, 'g', -1, 64)
	}
	numCtx := "unset"
	if r.NumCtx != nil {
		numCtx = strconv.Itoa(*r.NumCtx)
	}
	effort := r.ReasoningEffort
	if r.Think != "" {
		effort = strings.Trim(r.Think, `"`)
	}
	if effort == "" {
		effort = "unset"
	}
	return fmt.Sprintf("system: %s\n\nmodel: %s\n\ntemperature: %s\n\ntop_p: %s\n\nnum_ctx: %s\n\nreasoning_effort: %s\n",
		system, r.Model, f(r.Temperature), f(r.TopP), numCtx, effort)
}

// useTool reads "use tool NAME {JSON}" or "tool:NAME {JSON}" out of a prompt.
var useTool = regexp.MustCompile(`(?:use tool |tool:)([A-Za-z0-9_-]+)\s*(\{.*\})?`)

// toolReply calls the tool a prompt names, if the request offers it, and
// answers with the result once it is back.
func toolReply(r llmtest.RecordedRequest, prompt string) (llmtest.Script, bool) {
	m := useTool.FindStringSubmatch(prompt)
	if m == nil {
		return llmtest.Script{}, false
	}
	if r.LastRole() == "tool" {
		res := r.Messages[len(r.Messages)-1].Content
		if len(res) > 200 {
			res = res[:200] + "…"
		}
		return llmtest.Script{Steps: answerSteps(fmt.Sprintf("The tool %s returned: %s", m[1], res))}, true
	}
	offered := false
	for _, t := range r.Tools {
		offered = offered || t.Name == m[1]
	}
	if !offered {
		return llmtest.Script{Steps: answerSteps(fmt.Sprintf("No tool named %s is offered to me.", m[1]))}, true
	}
	args := m[2]
	if args == "" {
		args = "{}"
	}
	return llmtest.Script{Steps: []llmtest.Step{
		{Content: "Let me use " + m[1] + ". "},
		{ToolCalls: []llmtest.ToolCall{{ID: "call_" + strconv.Itoa(len(r.Messages)), Name: m[1], Arguments: args}}},
	}}, true
}
