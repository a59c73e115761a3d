package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/hearth-app/hearth/backend/protocol"
)

// Error codes. They are stable: callers (and the protocol's error reasons)
// switch on them.
const (
	CodeUnreachable   = "unreachable"
	CodeAuth          = "auth"
	CodeModelNotFound = "model_not_found"
	CodeBadRequest    = "bad_request"
	CodeServerError   = "server_error"
	CodeStalled       = "stalled"
	CodeCut           = "cut"
	CodeMalformed     = "malformed"
	CodeCancelled     = "cancelled"
)

// Error is what every failure users meet becomes. Message is a sentence a user
// can act on; Status is the HTTP status when the server answered with one.
type Error struct {
	Code    string
	Message string
	Status  int
	Err     error

	said string // the server's own words, for retry decisions
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the Code of the *Error in err's chain, or "" if there is none.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// idleTimeoutError is the cancel cause the watchdog sets; telling it apart
// from the caller's own cancellation is what separates "stalled" from
// "cancelled".
type idleTimeoutError struct{ d time.Duration }

func (e idleTimeoutError) Error() string { return fmt.Sprintf("no data for %s", e.d) }

// looksLikeOllama decides whether Ollama-specific advice fits: the native
// kind, or the port Ollama listens on by default.
func (c *conn) looksLikeOllama() bool {
	if c.kind == KindOllama {
		return true
	}
	u, err := url.Parse(c.base)
	return err == nil && u.Port() == "11434"
}

// phase is how far an exchange got before it failed.
type phase int

const (
	phaseDial    phase = iota // no connection yet
	phaseHeaders              // connected, waiting for the response
	phaseBody                 // reading the response body
)

// transportError classifies a failure of the request itself or of reading
// the body.
func (c *conn) transportError(ctx, callCtx context.Context, err error, at phase) *Error {
	var idle idleTimeoutError
	if errors.As(context.Cause(callCtx), &idle) {
		what := "did not answer"
		if at == phaseBody {
			what = "stopped sending"
		}
		return &Error{
			Code: CodeStalled,
			Message: fmt.Sprintf("The model server at %s %s for %s, so Hearth gave up waiting. "+
				"It may be overloaded, stuck, or still loading a large model: check its log, or raise provider_idle_timeout "+
				"(--provider-idle-timeout, HEARTH_PROVIDER_IDLE_TIMEOUT).",
				c.shown, what, c.idle),
			Err: fmt.Errorf("llm: %w", idle),
		}
	}
	if ctx.Err() != nil {
		msg := "The request to the model server was cancelled."
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			msg = "The request to the model server ran out of time."
		}
		return &Error{Code: CodeCancelled, Message: msg, Err: ctx.Err()}
	}
	if at == phaseBody {
		return &Error{
			Code: CodeCut,
			Message: fmt.Sprintf("The model server at %s closed the connection before the answer was complete. "+
				"Try again; if it keeps happening, check the server's log (it may have crashed or run out of memory).", c.shown),
			Err: fmt.Errorf("llm: reading stream: %w", err),
		}
	}
	if at == phaseHeaders {
		// Something accepted the connection, then hung up: a crashing
		// server, or something that is not HTTP on that port.
		return &Error{
			Code: CodeServerError,
			Message: fmt.Sprintf("The model server at %s closed the connection without answering. "+
				"Check that --provider-url points at the model server, and the server's log.", c.shown),
			Err: fmt.Errorf("llm: request: %w", err),
		}
	}
	return &Error{
		Code:    CodeUnreachable,
		Message: fmt.Sprintf("Cannot reach the model server at %s (%s). %s", c.shown, c.scrub(dialReason(err)), c.startHint()),
		Err:     fmt.Errorf("llm: request: %w", err),
	}
}

func (c *conn) startHint() string {
	if c.looksLikeOllama() {
		return "Is Ollama running? Start it with `ollama serve`, or set --provider-url (HEARTH_PROVIDER_URL) to your model server."
	}
	return "Is the model server running? Start it, or set --provider-url (HEARTH_PROVIDER_URL) to the right address."
}

func dialReason(err error) string {
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &dns):
		return "unknown host " + dns.Name
	case errors.As(err, &ne) && ne.Timeout():
		return "connection timed out"
	}
	return err.Error()
}

// statusError turns a non-2xx answer into an *Error, carrying the server's own
// message, which is usually the most precise thing there is to say.
func (c *conn) statusError(status int, body []byte, endpoint, model string) *Error {
	// The server's sentence is embedded in ours; its final period would
	// double up with the parenthesis.
	said := strings.TrimSuffix(providerMessage(body), ".")
	if said == "" {
		said = http.StatusText(status)
	}
	e := &Error{Status: status, Err: fmt.Errorf("llm: %s: HTTP %d: %s", endpoint, status, said), said: said}
	low := strings.ToLower(said)
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Code = CodeAuth
		e.Message = fmt.Sprintf("The model server at %s refused access (%d: %s). "+
			"Check the API key (--api-key or HEARTH_API_KEY).", c.shown, status, said)
	case status == http.StatusNotFound && strings.Contains(low, "model"):
		e.Code = CodeModelNotFound
		e.Message = c.modelNotFoundMessage(model, said)
	case status == http.StatusNotFound:
		// Without a word about models, a 404 means the URL is wrong, and
		// "model not found" would send the user hunting the wrong problem.
		e.Code = CodeBadRequest
		e.Message = fmt.Sprintf("The model server at %s has no %s endpoint (404: %s). "+
			"Check --provider-url: OpenAI-compatible servers usually end in /v1, e.g. %s.",
			c.shown, endpoint, said, DefaultOpenAIURL)
	case status >= 500:
		e.Code = CodeServerError
		hint := "Check the model server's log."
		if status == http.StatusServiceUnavailable {
			hint = "It may still be loading the model; try again in a moment."
		}
		e.Message = fmt.Sprintf("The model server at %s failed (%d: %s). %s", c.shown, status, said, hint)
	case status == http.StatusTooManyRequests:
		e.Code = CodeServerError
		e.Message = fmt.Sprintf("The model server at %s is busy or rate-limiting (429: %s). Try again in a moment.", c.shown, said)
	default:
		e.Code = CodeBadRequest
		e.Message = fmt.Sprintf("The model server at %s rejected the request (%d: %s).", c.shown, status, said)
	}
	return e
}

func (c *conn) modelNotFoundMessage(model, said string) string {
	if model == "" {
		return fmt.Sprintf("The model server at %s needs a model name (%s). Set --model (HEARTH_MODEL); `hearth models` lists what it offers.", c.shown, said)
	}
	if c.looksLikeOllama() || strings.Contains(strings.ToLower(said), "pull") {
		return fmt.Sprintf("The model %q is not available on %s (%s). Download it with `ollama pull %s`, or pick one that `hearth models` lists.",
			model, c.shown, said, model)
	}
	return fmt.Sprintf("The model %q is not available on %s (%s). Check --model (HEARTH_MODEL); `hearth models` lists what the server offers.",
		model, c.shown, said)
}

// streamError is an error the server reported inside an already started
// stream (an OpenAI-style error chunk, llama.cpp's "error:" event, Ollama's
// {"error":...} line).
func (c *conn) streamError(said string) *Error {
	return &Error{
		Code:    CodeServerError,
		Message: fmt.Sprintf("The model server at %s failed while answering: %s", c.shown, endSentence(said)),
		Err:     fmt.Errorf("llm: server error in stream: %s", said),
	}
}

func (c *conn) malformedError(payload []byte, err error) *Error {
	hint := "Is --provider-url pointing at an OpenAI-compatible API (usually ending in /v1)?"
	if c.kind == KindOllama {
		hint = "Is this an Ollama server? If not, drop --provider ollama."
	}
	return &Error{
		Code: CodeMalformed,
		Message: fmt.Sprintf("The model server at %s sent data Hearth cannot read (%q is not valid JSON). %s",
			c.shown, snippet(payload, 80), hint),
		Err: fmt.Errorf("llm: decoding chunk: %w", err),
	}
}

// webPageError is for a 200 answer that is HTML: the URL reaches a web UI
// (Open WebUI, a router page), not the model API behind it.
func (c *conn) webPageError() *Error {
	return &Error{
		Code: CodeMalformed,
		Message: fmt.Sprintf("The address %s answered with a web page, not a model API. "+
			"Check --provider-url: OpenAI-compatible servers usually end in /v1, e.g. %s.", c.shown, DefaultOpenAIURL),
		Err: errors.New("llm: response is text/html"),
	}
}

func (c *conn) cutError() *Error {
	return &Error{
		Code: CodeCut,
		Message: fmt.Sprintf("The model server at %s ended the stream before the answer was complete. "+
			"Try again; if it keeps happening, check the server's log.", c.shown),
		Err: errors.New("llm: stream ended without an end marker"),
	}
}

// providerMessage digs the human message out of an error body. Servers
// disagree on the shape: OpenAI, vLLM, llama.cpp and Ollama /v1 use
// {"error":{"message":...}}, Ollama native {"error":"..."}, FastAPI-based
// servers {"detail":...}, some just {"message":...}; anything else is shown
// as text.
func providerMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Detail  json.RawMessage `json:"detail"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &v) == nil {
		if s := rawMessage(v.Error); s != "" {
			return s
		}
		if s := rawMessage(v.Detail); s != "" {
			return s
		}
		if v.Message != "" {
			return clip(v.Message, 500)
		}
	}
	return clip(strings.TrimSpace(string(body)), 300)
}

func rawMessage(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return clip(s, 500)
	}
	var obj struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Message != "" {
		return clip(obj.Message, 500)
	}
	return clip(string(raw), 300)
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func snippet(b []byte, n int) string { return clip(string(b), n) }

func endSentence(s string) string {
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "…") {
		return s
	}
	return s + "."
}

// Refusal is how a client is told of this failure: an unreachable server gets
// its own reason (the UI offers the settings), anything else is the
// provider's error, in the words of Message.
func (e *Error) Refusal() *protocol.Error {
	reason := protocol.ReasonProviderError
	if e.Code == CodeUnreachable {
		reason = protocol.ReasonUnreachable
	}
	return protocol.RefuseCause(reason, e, "%s", e.Message)
}
