package mcp

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// testServerBinary builds internal/testserver once per test binary.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func testServerBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := osMkdirTemp()
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "testserver")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, "./internal/testserver").CombinedOutput()
		if err != nil {
			buildOnce.err = errors.New(string(out))
		}
	})
	if buildOnce.err != nil {
		t.Fatalf("build the test MCP server: %v", buildOnce.err)
	}
	return buildOnce.path
}

// syncBuffer is a stderr sink the server process and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func checkTools(t *testing.T, ctx context.Context, s *Session, server, want string) {
	t.Helper()
	tools, err := s.Tools(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools {
		names = append(names, tl.Name)
		if tl.Server != server || len(tl.InputSchema) == 0 {
			t.Errorf("tool %+v", tl)
		}
	}
	if strings.Join(names, " ") != want {
		t.Fatalf("tools %v", names)
	}
	byName := map[string]Tool{}
	for _, tl := range tools {
		byName[tl.Name] = tl
	}
	if e, f := byName["echo"], byName["fail"]; !e.ReadOnly || e.Destructive || f.ReadOnly || !f.Destructive {
		t.Errorf("hints: echo %+v, fail %+v", e, f)
	}
}

func checkCalls(t *testing.T, ctx context.Context, s *Session) {
	t.Helper()
	res, err := s.Call(ctx, "echo", []byte(`{"text":"hello"}`))
	if err != nil || res.Text != "echo: hello" || res.IsError {
		t.Fatalf("echo: %+v %v", res, err)
	}
	if res, err := s.Call(ctx, "fail", nil); err != nil || !res.IsError || res.Text != "it broke" {
		t.Fatalf("fail: %+v %v", res, err)
	}
	if res, err := s.Call(ctx, "image", []byte(`{}`)); err != nil || len(res.Images) != 1 || res.Images[0].MIME != "image/png" {
		t.Fatalf("image: %+v %v", res, err)
	}
	if _, err := s.Call(ctx, "echo", []byte(`[1]`)); err == nil || !strings.Contains(err.Error(), "JSON object") {
		t.Fatalf("array arguments: %v", err)
	}
	if _, err := s.Call(ctx, "no_such_tool", nil); err == nil {
		t.Fatal("an unknown tool answered")
	}
}

// A stdio server: started, its tools listed with their hints, called; its
// stderr goes where it is told; a call past the timeout ends as a timeout
// and the server hears of the cancellation; Close stops the process.
func TestStdioServer(t *testing.T) {
	ctx := context.Background()
	var stderr syncBuffer
	srv := Server{Name: "local", Transport: TransportStdio, Command: testServerBinary(t), Timeout: 500 * time.Millisecond}
	s, err := Connect(ctx, srv, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	checkTools(t, ctx, s, "local", "crash echo fail grow image slow")
	checkCalls(t, ctx, s)
	if _, err := s.Call(ctx, "slow", nil); !errors.Is(err, ErrTimeout) {
		t.Fatalf("slow call: %v, want a timeout", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "slow: cancelled") {
		if time.Now().After(deadline) {
			t.Fatalf("the server never heard of the cancellation; stderr: %q", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "testserver ready") {
		t.Errorf("stderr %q", stderr.String())
	}
	if err := s.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// A streamable HTTP server, with the configured headers on every request;
// cancelling the caller's context cancels the call.
func TestStreamableServerWithHeaders(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var auth []string
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return newTestServer() }, nil)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	defer hs.Close()
	srv := Server{Name: "remote", Transport: TransportStreamable, URL: hs.URL, Headers: map[string]string{"Authorization": "Bearer k"},
		Timeout: DefaultCallTimeout}
	s, err := Connect(ctx, srv, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkTools(t, ctx, s, "remote", "echo fail image slow")
	checkCalls(t, ctx, s)
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := s.Call(cctx, "slow", nil); done <- err }()
	cancel()
	if err := <-done; err == nil || errors.Is(err, ErrTimeout) {
		t.Fatalf("cancelled call: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, a := range auth {
		if a != "Bearer k" {
			t.Fatalf("a request without the header: %q", auth)
		}
	}
}
