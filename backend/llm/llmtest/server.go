// Package llmtest is a fake LLM server for tests. It speaks the real wire
// formats — OpenAI chat.completion.chunk SSE (with DeepSeek-style
// reasoning_content, Ollama/OpenRouter/vLLM-style reasoning, <think> tags
// with or without the opening tag) and Ollama's native NDJSON — and replies
// with scripts, so tests decide exactly what a model "says", how fast, and
// how it fails.
//
//	srv := llmtest.New()
//	defer srv.Close()
//	srv.On("weather", llmtest.Script{Format: llmtest.FormatThink, Steps: llmtest.Steps("Hmm.", "Sunny.", 4, 0)})
//	p, _ := llm.New(llm.Config{BaseURL: srv.URL + "/v1"})
package llmtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
)

// Chunk formats of /v1/chat/completions. /api/chat always speaks Ollama's.
const (
	FormatReasoningContent = "reasoning_content" // DeepSeek, vLLM, llama.cpp (the default)
	FormatReasoning        = "reasoning"         // Ollama /v1, OpenRouter, newer vLLM
	FormatThink            = "think"             // <think>…</think> inside content
	FormatThinkNoOpen      = "think_noopen"      // reasoning…</think>answer, no opening tag
	FormatOllama           = "ollama"            // on /v1 it means Ollama's /v1 dialect: FormatReasoning
)

// Failures a Script can ask for.
const (
	FailAuth        = "401"
	FailModel       = "404_model"
	FailServer      = "500"
	FailBadRequest  = "400"
	FailNoThinking  = "no_thinking" // 400 "does not support thinking" if thinking/effort was asked for
	FailCut         = "cut"         // steps, then the stream ends without an end marker
	FailStall       = "stall"       // steps, then silence until the client gives up
	FailStallHeader = "stall_headers"
	FailMalformed   = "malformed"            // steps, then a chunk that is not JSON
	FailMidstream   = "error_midstream"      // steps, then the server's in-stream error object
	FailDropConn    = "refuse_after_headers" // headers (and steps), then the connection is dropped

	// FailNoSampling: 400 as OpenAI's reasoning models answer a request
	// with temperature or top_p.
	FailNoSampling = "no_sampling"

	// FailNoTools: a request with tools gets 400 as Ollama answers for a
	// model without tool support (/api/chat) or llama.cpp without --jinja
	// (/v1); without tools, the steps' text is answered and no tool called.
	FailNoTools = "no_tools"
)

// Step is one chunk of the reply. Delay is waited before it is sent.
// ToolCalls are sent after the step's text, in the wire format of the
// request; a reply with any ends as a call for tools.
type Step struct {
	Reasoning, Content string
	Delay              time.Duration
	ToolCalls          []ToolCall
}

// Script is one scripted reply. Usage, when nil, is made up from word counts.
type Script struct {
	Format string
	Steps  []Step
	Usage  *llm.Usage
	Fail   string
}

// RecordedImage is one image as the server decoded it.
type RecordedImage struct {
	MIME    string // declared in the data URL; for Ollama, sniffed
	Sniffed string // sniffed from the decoded bytes
	Size    int    // decoded bytes; -1 if it did not decode
	URL     string // set when the image was a URL rather than a data URL
}

// RecordedMessage is one message as the server received it.
type RecordedMessage struct {
	Role    string
	Content string // text parts joined with "\n"
	// Reasoning is past reasoning sent back (reasoning_content, reasoning or
	// thinking); ReasoningSent says whether any such field was present.
	Reasoning     string
	ReasoningSent bool
	Images        []RecordedImage
	// ToolCalls: an assistant message's calls. ToolCallID (/v1) and
	// ToolName (/api/chat's tool_name): a tool message's call.
	ToolCalls  []RecordedToolCall
	ToolCallID string
	ToolName   string
}

// RecordedRequest is one request as the server received it.
type RecordedRequest struct {
	Method, Path    string
	Model           string
	Messages        []RecordedMessage
	ReasoningEffort string
	Think           string // Ollama's think as raw JSON ("true", `"high"`), "" if absent
	Stream          bool
	IncludeUsage    bool
	Header          http.Header
	Body            []byte

	// Temperature and TopP as sent (top level on /v1, options on Ollama's
	// native API); NumCtx is Ollama's options.num_ctx. Nil: absent.
	Temperature, TopP *float64
	NumCtx            *int
	// ContinueFinalMessage: vLLM's flag to go on from the last assistant
	// message (OpenAI-compatible requests only).
	ContinueFinalMessage bool
	// Tools offered, in order; nil when the request had none.
	Tools []RecordedTool
}

// LastUser returns the content of the last user message.
func (r RecordedRequest) LastUser() string {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role == "user" {
			return r.Messages[i].Content
		}
	}
	return ""
}

// Responder picks a script for a request; ok=false passes to the next rule.
type Responder func(RecordedRequest) (s Script, ok bool)

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	URL string // base, e.g. http://127.0.0.1:PORT; OpenAI clients add /v1

	hs      *http.Server
	ln      net.Listener
	closing chan struct{}
	once    sync.Once

	mu        sync.Mutex
	def       Script
	rules     []Responder
	models    []string
	apiKey    string
	reqs      []RecordedRequest
	cancelled int
	changed   chan struct{} // closed and replaced whenever the fields above change
	seq       int
	active    int // handlers running
	closed    bool
	dialect   string
	infos     map[string]ModelInfo
	shows     int
	pull      PullFunc
	pulls     []PullRequest
}

// The models listed until SetModels says otherwise. ModelR1 is named like an
// R1 distill, so clients treat it as a model that may omit the opening
// <think> (use it with FormatThinkNoOpen).
const (
	ModelChat = "llmtest-chat"
	ModelR1   = "llmtest-r1"
)

// New starts a server on a random loopback port, like httptest.NewServer.
func New() *Server {
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("llmtest: %v", err))
	}
	return s
}

// Listen starts a server on addr.
func Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("llmtest: listen %s: %w", addr, err)
	}
	s := &Server{
		URL:     "http://" + ln.Addr().String(),
		ln:      ln,
		closing: make(chan struct{}),
		changed: make(chan struct{}),
		models:  []string{ModelChat, ModelR1},
		def: Script{Steps: []Step{
			{Reasoning: "The user says hello. "},
			{Reasoning: "I will greet them."},
			{Content: "Hello from "},
			{Content: "llmtest."},
		}},
	}
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.hs.Serve(ln) }()
	return s, nil
}

// Close stops the server, ends every stream still open (stalled ones too)
// and waits for the handlers to return.
func (s *Server) Close() {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.closing)
		_ = s.hs.Close()
		_ = s.wait(context.Background(), func() bool { return s.active == 0 })
	})
}

// SetDefault sets the reply for requests no rule matches.
func (s *Server) SetDefault(sc Script) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = sc
}

// On replies with sc when the last user message contains substring.
// Rules added later take precedence, so a test can override a general rule.
func (s *Server) On(substring string, sc Script) {
	s.Use(func(r RecordedRequest) (Script, bool) {
		return sc, strings.Contains(r.LastUser(), substring)
	})
}

// Use adds a rule computed from the request (e.g. echoing it).
func (s *Server) Use(r Responder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, r)
}

// SetModels sets the model ids both model listings report.
func (s *Server) SetModels(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.models = append([]string(nil), ids...)
}

// RequireAPIKey makes every endpoint answer 401 unless the request carries
// "Authorization: Bearer key". An empty key turns the check off.
func (s *Server) RequireAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiKey = key
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RecordedRequest(nil), s.reqs...)
}

// CancelledCount is how many requests the client abandoned before their
// reply was complete — the proof that cancelling a turn stops the server.
func (s *Server) CancelledCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancelled
}

// WaitCancelled blocks until CancelledCount reaches n or ctx ends.
func (s *Server) WaitCancelled(ctx context.Context, n int) error {
	return s.wait(ctx, func() bool { return s.cancelled >= n })
}

// WaitRequests blocks until n requests have arrived or ctx ends.
func (s *Server) WaitRequests(ctx context.Context, n int) error {
	return s.wait(ctx, func() bool { return len(s.reqs) >= n })
}

func (s *Server) wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("llmtest: waiting: %w", ctx.Err())
		}
	}
}

// notifyLocked wakes waiters; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) record(r RecordedRequest) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, r)
	s.seq++
	s.notifyLocked()
	return s.seq
}

func (s *Server) noteCancelled() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelled++
	s.notifyLocked()
}

func (s *Server) script(r RecordedRequest) Script {
	s.mu.Lock()
	rules, def := append([]Responder(nil), s.rules...), s.def
	s.mu.Unlock()
	for i := len(rules) - 1; i >= 0; i-- {
		if sc, ok := rules[i](r); ok {
			return sc
		}
	}
	return def
}

func (s *Server) authorized(r *http.Request) bool {
	s.mu.Lock()
	key := s.apiKey
	s.mu.Unlock()
	return key == "" || r.Header.Get("Authorization") == "Bearer "+key
}

// ServeHTTP routes the endpoints of the dialect the fake imitates; anything
// else is a plain-text 404, as Ollama answers a wrong path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "llmtest: closing", http.StatusServiceUnavailable)
		return
	}
	s.active++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active--
		s.notifyLocked()
		s.mu.Unlock()
	}()
	ollama := strings.HasPrefix(r.URL.Path, "/api/")
	if !s.authorized(r) {
		writeError(w, ollama, http.StatusUnauthorized, "Invalid API key provided.", "invalid_api_key")
		return
	}
	s.mu.Lock()
	dialect := s.dialect
	s.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions":
		s.chat(w, r, false)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		writeJSON(w, http.StatusOK, s.openAIModels())
	case dialect == DialectLMStudio && r.Method == http.MethodGet && r.URL.Path == "/api/v0/models":
		writeJSON(w, http.StatusOK, s.lmStudioModels())
	case dialect == DialectLMStudio:
		// LM Studio's answer to a path it does not serve, status included.
		writeJSON(w, http.StatusOK, map[string]string{
			"error": fmt.Sprintf("Unexpected endpoint or method. (%s %s). Returning 200 anyway", r.Method, r.URL.Path),
		})
	case dialect != "" && dialect != DialectOllama:
		http.Error(w, "404 page not found", http.StatusNotFound)
	case r.Method == http.MethodPost && r.URL.Path == "/api/chat":
		s.chat(w, r, true)
	case r.Method == http.MethodGet && r.URL.Path == "/api/tags":
		writeJSON(w, http.StatusOK, s.ollamaTags())
	case r.Method == http.MethodPost && r.URL.Path == "/api/show":
		s.show(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/api/pull":
		s.pullModel(w, r)
	default:
		http.Error(w, "404 page not found", http.StatusNotFound)
	}
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request, ollama bool) {
	rec, err := decodeRequest(r, ollama)
	if err != nil {
		writeError(w, ollama, http.StatusBadRequest, err.Error(), "invalid_request_error")
		return
	}
	id := s.record(rec)
	sc := s.script(rec)
	model := rec.Model
	if model == "" {
		model = "llmtest"
	}
	switch sc.Fail {
	case FailAuth:
		writeError(w, ollama, http.StatusUnauthorized, "Invalid API key provided.", "invalid_api_key")
		return
	case FailModel:
		writeError(w, ollama, http.StatusNotFound, fmt.Sprintf("model %q not found, try pulling it first", model), "model_not_found")
		return
	case FailServer:
		writeError(w, ollama, http.StatusInternalServerError, "llama runner process has terminated: exit status 2", "server_error")
		return
	case FailBadRequest:
		writeError(w, ollama, http.StatusBadRequest, "messages: field required", "invalid_request_error")
		return
	case FailNoThinking:
		if rec.ReasoningEffort != "" || (rec.Think != "" && rec.Think != "false") {
			writeError(w, ollama, http.StatusBadRequest, fmt.Sprintf("%q does not support thinking", model), "invalid_request_error")
			return
		}
		// A model without thinking never reasons.
		sc.Steps = contentOnly(sc.Steps)
	case FailStallHeader:
		s.stall(r.Context())
		return
	case FailNoSampling:
		if rec.Temperature != nil || rec.TopP != nil {
			writeError(w, ollama, http.StatusBadRequest, "Unsupported parameter: 'temperature' is not supported with this model.", "invalid_request_error")
			return
		}
	case FailNoTools:
		if len(rec.Tools) > 0 {
			writeError(w, ollama, http.StatusBadRequest, noToolsMessage(ollama, model), "invalid_request_error")
			return
		}
		sc.Steps = withoutCalls(sc.Steps)
	}
	st := &stream{w: w, rc: http.NewResponseController(w), ctx: r.Context(), closing: s.closing}
	var ok bool
	if ollama {
		ok = st.ollama(sc, model, rec)
	} else {
		ok = st.openAI(sc, model, rec, id)
	}
	if !ok && !s.isClosing() {
		s.noteCancelled()
	}
}

// stall waits as a hung server would, counting the client's giving up as a
// cancellation.
func (s *Server) stall(ctx context.Context) {
	select {
	case <-ctx.Done():
		if !s.isClosing() {
			s.noteCancelled()
		}
	case <-s.closing:
	}
}

func (s *Server) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

func contentOnly(steps []Step) []Step {
	out := make([]Step, 0, len(steps))
	for _, st := range steps {
		if st.Content != "" {
			out = append(out, Step{Content: st.Content, Delay: st.Delay})
		}
	}
	return out
}

// Steps cuts a reasoning and an answer text into steps of about size bytes
// (at word boundaries where possible), each sent delay after the previous.
func Steps(reasoning, content string, size int, delay time.Duration) []Step {
	var steps []Step
	for _, c := range Chunks(reasoning, size) {
		steps = append(steps, Step{Reasoning: c, Delay: delay})
	}
	for _, c := range Chunks(content, size) {
		steps = append(steps, Step{Content: c, Delay: delay})
	}
	return steps
}

// Chunks cuts text into pieces of at least size bytes ending after a space
// where there is one, like the token runs a model streams. Concatenated,
// they are text.
func Chunks(text string, size int) []string {
	if text == "" {
		return nil
	}
	size = max(size, 1)
	var out []string
	var cur strings.Builder
	for _, word := range strings.SplitAfter(text, " ") {
		cur.WriteString(word)
		if cur.Len() >= size {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
