package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
)

// mcpServersBin is testdata/mcp-servers/node_modules/.bin, where `make
// deps-test` installs the reference MCP servers from the npm registry
// (pinned by the lock file there). Without them the tests skip on a
// developer's machine and fail in CI.
func mcpServersBin(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "testdata", "mcp-servers", "node_modules", ".bin"))
	if err != nil {
		t.Fatal(err)
	}
	_, errEv := os.Stat(filepath.Join(dir, "mcp-server-everything"))
	_, errFs := os.Stat(filepath.Join(dir, "mcp-server-filesystem"))
	_, errNode := exec.LookPath("node")
	if err := errors.Join(errEv, errFs, errNode); err != nil {
		msg := fmt.Sprintf("the npm MCP servers are not installed (make mcp-servers installs them): %v", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

var mcpTestServer struct {
	sync.Once
	path string
	err  error
}

// mcpTestServerBinary builds backend/mcp/internal/testserver once.
func mcpTestServerBinary(t *testing.T) string {
	t.Helper()
	mcpTestServer.Do(func() {
		dir, err := os.MkdirTemp("", "hearth-mcp")
		if err != nil {
			mcpTestServer.err = err
			return
		}
		mcpTestServer.path = filepath.Join(dir, "testserver")
		if out, err := exec.Command("go", "build", "-o", mcpTestServer.path, "../backend/mcp/internal/testserver").CombinedOutput(); err != nil {
			mcpTestServer.err = errors.New(string(out))
		}
	})
	if mcpTestServer.err != nil {
		t.Fatalf("build the test MCP server: %v", mcpTestServer.err)
	}
	return mcpTestServer.path
}

// brokenMCPServer is a program that says why it cannot start, on stderr,
// and exits.
func brokenMCPServer(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "broken.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\necho 'broken: cannot find my config file' >&2\nexit 1\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeMCPConfig(t *testing.T, path string, servers map[string]any) {
	t.Helper()
	b, err := json.MarshalIndent(map[string]any{"mcpServers": servers}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// everythingHTTP runs server-everything's streamable HTTP mode on a free
// port and returns its /mcp URL once it says it listens.
func everythingHTTP(t *testing.T, bin string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(filepath.Join(bin, "mcp-server-everything"), "streamableHttp")
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		said := false
		for sc.Scan() {
			if !said && strings.Contains(sc.Text(), "listening on port") {
				said = true
				close(listening)
			}
		}
	}()
	select {
	case <-listening:
	case <-time.After(patience):
		t.Fatal("server-everything streamableHttp never said it listens")
	}
	return fmt.Sprintf("http://127.0.0.1:%d/mcp", port)
}

func mcpItems(t *testing.T, ev map[string]any) map[string]protocol.MCPServer {
	t.Helper()
	b, _ := json.Marshal(ev["items"])
	var items []protocol.MCPServer
	if err := json.Unmarshal(b, &items); err != nil {
		t.Fatalf("mcp_servers items: %v", err)
	}
	out := map[string]protocol.MCPServer{}
	for _, it := range items {
		out[it.Name] = it
	}
	return out
}

// untilMCP follows mcp_servers broadcasts until ok holds for one (first
// asking, so a state reached before the call counts too).
func (c *wsc) untilMCP(ok func(map[string]protocol.MCPServer, map[string]any) bool) map[string]protocol.MCPServer {
	c.t.Helper()
	ev := c.request(map[string]any{"type": "list_mcp_servers"})
	deadline := time.Now().Add(patience)
	for {
		if ev["event"] != "mcp_servers" {
			c.t.Fatalf("got %v, want mcp_servers", ev)
		}
		if items := mcpItems(c.t, ev); ok(items, ev) {
			return items
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("mcp_servers never matched; last %v", ev)
		}
		ev, _ = c.until("mcp_servers", time.Until(deadline))
	}
}

func toolNamed(s protocol.MCPServer, name string) (protocol.MCPTool, bool) {
	for _, tl := range s.Tools {
		if tl.Name == name {
			return tl, true
		}
	}
	return protocol.MCPTool{}, false
}

func ready(items map[string]protocol.MCPServer, names ...string) bool {
	for _, n := range names {
		if items[n].State != protocol.MCPReady {
			return false
		}
	}
	return true
}

// Hearth runs the servers of its mcp.json — the npm server-everything
// over stdio and over streamable HTTP, the Go test server — lists them
// with their tools to every client, says why a server fails with the end of
// its stderr, and follows edits of the file: a server added starts, a
// server removed stops, and every connection hears of it.
func TestMCPServersOverTheSocket(t *testing.T) {
	bin := mcpServersBin(t)
	httpURL := everythingHTTP(t, bin)
	fake := llmtestNew(t)
	cfg := testConfig(t, fake)
	cfg.MCPConfig = filepath.Join(filepath.Dir(cfg.ConfigFile), "mcp.json")
	servers := map[string]any{
		"everything":      map[string]any{"command": filepath.Join(bin, "mcp-server-everything"), "args": []string{"stdio"}},
		"everything-http": map[string]any{"url": httpURL},
		"local":           map[string]any{"command": mcpTestServerBinary(t), "autoApprove": []string{"echo"}},
		"broken":          map[string]any{"command": brokenMCPServer(t)},
	}
	writeMCPConfig(t, cfg.MCPConfig, servers)
	h := startWith(t, cfg, fake)
	ws := h.dial(t)
	other := h.dial(t)

	items := ws.untilMCP(func(items map[string]protocol.MCPServer, ev map[string]any) bool {
		return ready(items, "everything", "everything-http", "local") && items["broken"].State == protocol.MCPFailed
	})
	for _, name := range []string{"everything", "everything-http"} {
		echo, ok := toolNamed(items[name], "echo")
		if !ok || echo.AutoApprove || echo.Description == "" {
			t.Errorf("%s: echo %+v (%v) in %+v", name, echo, ok, items[name])
		}
	}
	if items["everything"].Transport != "stdio" || items["everything-http"].Transport != "http" {
		t.Errorf("transports: %+v", items)
	}
	if echo, ok := toolNamed(items["local"], "echo"); !ok || !echo.AutoApprove || !echo.ReadOnly || echo.Destructive {
		t.Errorf("local echo %+v", echo)
	}
	if crash, _ := toolNamed(items["local"], "crash"); crash.AutoApprove || crash.ReadOnly || !crash.Destructive {
		t.Errorf("local crash %+v", crash)
	}
	if b := items["broken"]; !strings.Contains(b.StderrTail, "cannot find my config file") || b.Error == "" || len(b.Tools) != 0 {
		t.Errorf("broken %+v", b)
	}

	// The turn engine's door: a call through the real npm server.
	res, err := h.MCP().Call(context.Background(), "everything", "echo", []byte(`{"message":"over stdio"}`))
	if err != nil || !strings.Contains(res.Text, "over stdio") {
		t.Fatalf("everything echo: %+v %v", res, err)
	}
	res, err = h.MCP().Call(context.Background(), "everything-http", "echo", []byte(`{"message":"over http"}`))
	if err != nil || !strings.Contains(res.Text, "over http") {
		t.Fatalf("everything-http echo: %+v %v", res, err)
	}
	if logs, err := os.ReadFile(filepath.Join(cfg.MCPLogDir(), "broken.log")); err != nil || !strings.Contains(string(logs), "cannot find my config file") {
		t.Errorf("broken.log: %q %v", logs, err)
	}

	// Edit the file: broken goes, the filesystem server comes; the others
	// keep running (the same session).
	before, _ := h.MCP().Session("local")
	shared := t.TempDir()
	if err := os.WriteFile(filepath.Join(shared, "note.txt"), []byte("hello from a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	delete(servers, "broken")
	servers["files"] = map[string]any{"command": filepath.Join(bin, "mcp-server-filesystem"), "args": []string{shared}}
	writeMCPConfig(t, cfg.MCPConfig, servers)
	for _, c := range []*wsc{other, ws} {
		// Broadcasts, not a reply: the other connection never asked again.
		deadline := time.Now().Add(patience)
		for {
			ev, _ := c.until("mcp_servers", time.Until(deadline))
			if ev["req_id"] != nil {
				continue
			}
			items := mcpItems(t, ev)
			if _, gone := items["broken"]; !gone && ready(items, "files") {
				if _, ok := toolNamed(items["files"], "read_text_file"); !ok {
					t.Errorf("files tools %+v", items["files"].Tools)
				}
				break
			}
		}
	}
	if after, _ := h.MCP().Session("local"); after != before {
		t.Error("an unchanged server was restarted by the edit")
	}
	res, err = h.MCP().Call(context.Background(), "files", "read_text_file", []byte(fmt.Sprintf(`{"path":%q}`, filepath.Join(shared, "note.txt"))))
	if err != nil || !strings.Contains(res.Text, "hello from a file") {
		t.Fatalf("read_text_file: %+v %v", res, err)
	}
}

// A config file named by HEARTH_MCP_CONFIG that does not exist is a
// problem said in mcp_servers and by hearth mcp ls, never a failed start;
// once written, its servers run.
func TestMCPMissingConfigFileNamed(t *testing.T) {
	fake := llmtestNew(t)
	u := newUserEnv(t, fake)
	path := filepath.Join(u.home, "elsewhere", "tools.json")
	u.env = append(u.env, "HEARTH_MCP_CONFIG="+path)
	sp := u.serve(t)
	ws := dialUnix(t, sp.line.Socket, "")
	ws.untilMCP(func(_ map[string]protocol.MCPServer, ev map[string]any) bool {
		return strings.Contains(str(ev, "error"), "does not exist") && str(ev, "config_path") == path
	})
	out, err := u.cmd("mcp", "ls").Output()
	if err != nil {
		t.Fatalf("hearth mcp ls: %v %s", err, errOut(err))
	}
	if want := "config: " + path + "\nproblem: the MCP config file " + path + " does not exist\nno MCP servers\n"; string(out) != want {
		t.Errorf("hearth mcp ls:\n%s\nwant\n%s", out, want)
	}
	writeMCPConfig(t, path, map[string]any{"local": map[string]any{"command": mcpTestServerBinary(t)}})
	ws.untilMCP(func(items map[string]protocol.MCPServer, ev map[string]any) bool {
		return ev["error"] == nil && ready(items, "local")
	})
}

// hearth mcp ls against a live `hearth serve` reading the default
// $XDG_CONFIG_HOME/hearth/mcp.json.
func TestMCPLsBinary(t *testing.T) {
	fake := llmtestNew(t)
	u := newUserEnv(t, fake)
	path := filepath.Join(u.home, "config", "hearth", "mcp.json")
	writeMCPConfig(t, path, map[string]any{
		"local":  map[string]any{"command": mcpTestServerBinary(t), "autoApprove": []string{"echo"}},
		"broken": map[string]any{"command": brokenMCPServer(t)},
		"off":    map[string]any{"command": "/nonexistent", "disabled": true},
	})
	sp := u.serve(t)
	ws := dialUnix(t, sp.line.Socket, "")
	ws.untilMCP(func(items map[string]protocol.MCPServer, _ map[string]any) bool {
		return ready(items, "local") && items["broken"].State == protocol.MCPFailed
	})
	out, err := u.cmd("mcp", "ls").Output()
	if err != nil {
		t.Fatalf("hearth mcp ls: %v %s", err, errOut(err))
	}
	text := string(out)
	for _, want := range []string{
		"config: " + path + "\n",
		"\nlocal  stdio  ready  restarts 0\n",
		"\nbroken  stdio  failed  restarts ",
		"    | broken: cannot find my config file\n",
		"\noff  stdio  disabled  restarts 0\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("hearth mcp ls lacks %q:\n%s", want, text)
		}
	}
	lines := strings.Split(text, "\n")
	found := map[string]string{}
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "    ") {
			found[f[0]] = l
		}
	}
	if l := found["echo"]; !strings.Contains(l, "read-only, auto-approve") || !strings.Contains(l, "Says the text back.") {
		t.Errorf("echo line %q", l)
	}
	if l := found["crash"]; !strings.Contains(l, "destructive") || strings.Contains(l, "auto-approve") {
		t.Errorf("crash line %q", l)
	}
}
