package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Tool is one tool a server offers, as Hearth offers it to the model.
type Tool struct {
	Server, Name, Description string
	// InputSchema is the tool's JSON Schema for its arguments.
	InputSchema json.RawMessage
	// Hints the server gives (they are hints: a server can lie, so they
	// only inform the user's decision, never replace it).
	ReadOnly, Destructive bool
}

// Result is what a call returned: its text parts joined, its images, and
// whether the tool said it failed.
type Result struct {
	Text    string
	Images  []Image
	IsError bool
}

// Image is one image a tool returned.
type Image struct {
	MIME string
	Data []byte
}

// Session is a connection to one server.
type Session struct {
	srv Server
	cs  *sdk.ClientSession
}

// clientInfo names Hearth to the servers.
var clientInfo = sdk.Implementation{Name: "hearth", Version: "1"}

// Connect starts (stdio) or reaches (http, sse) the server and opens a
// session. A stdio server's stderr goes to stderr (its log file).
func Connect(ctx context.Context, s Server, stderr io.Writer) (*Session, error) {
	return connect(ctx, s, stderr, nil)
}

// connect is Connect that calls toolsChanged (when not nil) each time the
// server says its tool list changed. toolsChanged runs on the session's
// reading goroutine and must not call the server.
func connect(ctx context.Context, s Server, stderr io.Writer, toolsChanged func()) (*Session, error) {
	var t sdk.Transport
	switch s.Transport {
	case TransportStdio:
		cmd := exec.Command(s.Command, s.Args...)
		cmd.Dir = s.Cwd
		cmd.Stderr = stderr
		cmd.Env = os.Environ()
		for k, v := range s.Env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		t = &sdk.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}
	case TransportStreamable:
		t = &sdk.StreamableClientTransport{Endpoint: s.URL, HTTPClient: withHeaders(s.Headers)}
	case TransportSSE:
		t = &sdk.SSEClientTransport{Endpoint: s.URL, HTTPClient: withHeaders(s.Headers)}
	default:
		return nil, fmt.Errorf("server %s: unknown transport %q", s.Name, s.Transport)
	}
	var opts *sdk.ClientOptions
	if toolsChanged != nil {
		opts = &sdk.ClientOptions{ToolListChangedHandler: func(context.Context, *sdk.ToolListChangedRequest) { toolsChanged() }}
	}
	c := sdk.NewClient(&clientInfo, opts)
	cs, err := c.Connect(ctx, t, nil)
	if err != nil {
		return nil, fmt.Errorf("server %s: connect: %w", s.Name, err)
	}
	return &Session{srv: s, cs: cs}, nil
}

// Tools lists the server's tools, every page, in name order.
func (s *Session) Tools(ctx context.Context) ([]Tool, error) {
	var out []Tool
	params := &sdk.ListToolsParams{}
	for {
		res, err := s.cs.ListTools(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("server %s: list tools: %w", s.srv.Name, err)
		}
		for _, t := range res.Tools {
			schema, err := json.Marshal(t.InputSchema)
			if err != nil {
				return nil, fmt.Errorf("server %s: tool %s: schema: %w", s.srv.Name, t.Name, err)
			}
			tool := Tool{Server: s.srv.Name, Name: t.Name, Description: t.Description, InputSchema: schema}
			// The spec's defaults: a tool that says nothing may change
			// things and may destroy what it changes.
			tool.Destructive = true
			if a := t.Annotations; a != nil {
				tool.ReadOnly = a.ReadOnlyHint
				tool.Destructive = !a.ReadOnlyHint && (a.DestructiveHint == nil || *a.DestructiveHint)
			}
			out = append(out, tool)
		}
		if res.NextCursor == "" {
			break
		}
		params = &sdk.ListToolsParams{Cursor: res.NextCursor}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ErrTimeout: a call ran past its server's timeout.
var ErrTimeout = errors.New("the tool did not answer in time")

// Call runs a tool with arguments (a JSON object), bounded by the server's
// timeout; cancelling ctx cancels the call on the server too.
func (s *Session) Call(ctx context.Context, name string, arguments json.RawMessage) (Result, error) {
	var args any
	if len(arguments) > 0 {
		if err := json.Unmarshal(arguments, &args); err != nil {
			return Result{}, fmt.Errorf("arguments are not JSON: %w", err)
		}
		if _, ok := args.(map[string]any); !ok {
			return Result{}, errors.New("arguments must be a JSON object")
		}
	}
	cctx, cancel := context.WithTimeoutCause(ctx, s.srv.Timeout, ErrTimeout)
	defer cancel()
	res, err := s.cs.CallTool(cctx, &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		if cause := context.Cause(cctx); errors.Is(cause, ErrTimeout) && ctx.Err() == nil {
			return Result{}, fmt.Errorf("%w (%s)", ErrTimeout, s.srv.Timeout)
		}
		return Result{}, fmt.Errorf("call %s on %s: %w", name, s.srv.Name, err)
	}
	return resultOf(res), nil
}

// resultOf keeps what Hearth shows and sends: text and images. Other
// content (audio, resources) is named in the text. Pure.
func resultOf(res *sdk.CallToolResult) Result {
	out := Result{IsError: res.IsError}
	var parts []string
	for _, c := range res.Content {
		switch v := c.(type) {
		case *sdk.TextContent:
			parts = append(parts, v.Text)
		case *sdk.ImageContent:
			out.Images = append(out.Images, Image{MIME: v.MIMEType, Data: v.Data})
		case *sdk.EmbeddedResource:
			if v.Resource != nil && v.Resource.Text != "" {
				parts = append(parts, v.Resource.Text)
			} else if v.Resource != nil {
				parts = append(parts, fmt.Sprintf("[resource %s]", v.Resource.URI))
			}
		case *sdk.ResourceLink:
			parts = append(parts, fmt.Sprintf("[resource %s]", v.URI))
		default:
			parts = append(parts, fmt.Sprintf("[%T content not shown]", c))
		}
	}
	if len(parts) == 0 && res.StructuredContent != nil {
		if b, err := json.Marshal(res.StructuredContent); err == nil {
			parts = append(parts, string(b))
		}
	}
	out.Text = strings.Join(parts, "\n")
	return out
}

// Close ends the session (stdio: stdin closed, then SIGTERM after a grace
// period).
func (s *Session) Close() error { return s.cs.Close() }

// withHeaders is an HTTP client that adds the server's configured headers
// (an API key, usually) to every request.
func withHeaders(h map[string]string) *http.Client {
	if len(h) == 0 {
		return http.DefaultClient
	}
	return &http.Client{Transport: headerRT{h: h, next: http.DefaultTransport}}
}

type headerRT struct {
	h    map[string]string
	next http.RoundTripper
}

func (r headerRT) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, v := range r.h {
		req.Header.Set(k, v)
	}
	return r.next.RoundTrip(req)
}
