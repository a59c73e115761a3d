package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"
)

// conn is the HTTP plumbing both providers share.
type conn struct {
	kind string
	// base is what requests go to, with any user:password@ of the URL;
	// shown is the same URL with that part hidden, for every message and
	// log line.
	base   string
	shown  string
	user   string
	pass   string
	apiKey string
	idle   time.Duration
	http   *http.Client
	log    *slog.Logger
}

// maxErrorBody bounds how much of an error answer is read: enough for any
// real message, not enough for a misdirected HTML page to matter.
const maxErrorBody = 64 << 10

// call is one HTTP exchange under an idle watchdog. The watchdog runs only
// while Hearth is waiting on the server (for headers, then inside each body
// Read), so a slow consumer of events never counts as a stalled server.
type call struct {
	ctx    context.Context // the caller's
	cctx   context.Context // the request's: cancelled by ctx, by the watchdog, or by done
	cancel context.CancelCauseFunc
	timer  *time.Timer
	idle   time.Duration
	resp   *http.Response
	c      *conn
}

// open sends the request and returns once headers arrive. A non-2xx answer
// becomes *Error. On success the caller must call done.
func (c *conn) open(ctx context.Context, method, endpoint string, payload any, model string) (*call, error) {
	var body io.Reader
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return nil, fmt.Errorf("llm: encoding request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	cctx, cancel := context.WithCancelCause(ctx)
	k := &call{ctx: ctx, cctx: cctx, cancel: cancel, idle: c.idle, c: c}
	k.timer = time.AfterFunc(c.idle, func() { cancel(idleTimeoutError{c.idle}) })

	// Whether a connection was made tells a dead port ("unreachable") from a
	// server that hung up on the request.
	var connected atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(cctx, trace), method, c.base+endpoint, body)
	if err != nil {
		k.done()
		return nil, fmt.Errorf("llm: building request: %w", err)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, text/event-stream, application/x-ndjson")
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	k.timer.Stop()
	if err != nil {
		at := phaseDial
		if connected.Load() {
			at = phaseHeaders
		}
		e := c.transportError(ctx, cctx, err, at)
		k.done()
		c.log.Debug("llm request failed", "endpoint", endpoint, "code", e.Code, "err", c.scrub(err.Error()))
		return nil, e
	}
	k.resp = resp
	c.log.Debug("llm response", "endpoint", endpoint, "status", resp.StatusCode, "after", time.Since(start))
	if resp.StatusCode/100 != 2 {
		b, rerr := io.ReadAll(io.LimitReader(k.body(), maxErrorBody))
		if rerr != nil && len(b) == 0 {
			e := c.transportError(ctx, cctx, rerr, phaseBody)
			k.done()
			return nil, e
		}
		k.done()
		return nil, c.statusError(resp.StatusCode, b, endpoint, model)
	}
	return k, nil
}

// scrub hides the URL's user name and password in a text that may quote the
// URL, such as a transport error (net/http hides only the password there).
func (c *conn) scrub(s string) string {
	if c.pass != "" {
		s = strings.ReplaceAll(s, c.pass, "xxxxx")
	}
	if c.user != "" {
		s = strings.ReplaceAll(s, "//"+c.user+":", "//xxxxx:")
		s = strings.ReplaceAll(s, "//"+c.user+"@", "//xxxxx@")
	}
	return s
}

// body returns the response body with the watchdog armed around each Read.
func (k *call) body() io.Reader { return idleReader{k} }

// fail classifies an error met while reading the body.
func (k *call) fail(err error) *Error { return k.c.transportError(k.ctx, k.cctx, err, phaseBody) }

// done releases the exchange. Cancelling the request context is what tells
// the server to stop generating, so it happens on every path.
func (k *call) done() {
	k.timer.Stop()
	if k.resp != nil {
		// Closing first lets a fully read connection go back to the pool;
		// an unfinished one is torn down either way.
		_ = k.resp.Body.Close()
	}
	k.cancel(context.Canceled)
}

// contentType is the response's media type, lower case, without parameters.
func (k *call) contentType() string {
	ct, _, _ := strings.Cut(k.resp.Header.Get("Content-Type"), ";")
	return strings.ToLower(strings.TrimSpace(ct))
}

type idleReader struct{ k *call }

func (r idleReader) Read(p []byte) (int, error) {
	r.k.timer.Reset(r.k.idle)
	n, err := r.k.resp.Body.Read(p)
	r.k.timer.Stop()
	return n, err
}

// getJSON fetches endpoint and decodes it into v.
func (c *conn) getJSON(ctx context.Context, endpoint string, v any) error {
	k, err := c.open(ctx, http.MethodGet, endpoint, nil, "")
	if err != nil {
		return err
	}
	defer k.done()
	return decodeBody(k, v)
}

// decodeBody decodes a whole JSON answer into v.
func decodeBody(k *call, v any) error {
	if k.contentType() == "text/html" {
		return k.c.webPageError()
	}
	b, err := io.ReadAll(io.LimitReader(k.body(), 16<<20))
	if err != nil {
		return k.fail(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return k.c.malformedError(b, err)
	}
	return nil
}

// emitter turns reasoning fields and splitter output into events, in the
// order they arrived.
type emitter struct {
	emit func(Event) error
}

func (e emitter) segments(segs []segment) error {
	for _, s := range segs {
		kind := EventContent
		if s.reasoning {
			kind = EventReasoning
		}
		if err := e.emit(Event{Kind: kind, Text: s.text}); err != nil {
			return err
		}
	}
	return nil
}

func (e emitter) reasoning(text string) error {
	if text == "" {
		return nil
	}
	return e.emit(Event{Kind: EventReasoning, Text: text})
}

// salvage hands over text the splitter still holds before a stream fails, so
// the caller keeps everything that arrived. Emit errors are dropped here: the
// stream's own failure is the one to report.
func (e emitter) salvage(sp *thinkSplitter) {
	_ = e.segments(sp.flush())
}
