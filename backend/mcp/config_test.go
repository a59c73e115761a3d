package mcp

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// A file pasted from Claude Desktop, Cursor or VS Code works as it is.
func TestParseTheCommonFormat(t *testing.T) {
	file := `{
	  "mcpServers": {
	    "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me"],
	                   "env": {"DEBUG": "1"}, "cwd": "/tmp", "autoApprove": ["read_file"], "alwaysAllow": ["x"]},
	    "remote": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer t"}, "timeout": 30},
	    "legacy": {"type": "sse", "url": "http://127.0.0.1:3001/sse", "disabled": true},
	    "windsurf": {"serverUrl": "http://127.0.0.1:9/mcp", "timeout": 120000}
	  }
	}`
	got, errs := Parse([]byte(file))
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := []Server{
		{Name: "filesystem", Transport: TransportStdio, Command: "npx",
			Args: []string{"-y", "@modelcontextprotocol/server-filesystem", "/home/me"}, Env: map[string]string{"DEBUG": "1"},
			Cwd: "/tmp", AutoApprove: []string{"read_file"}, Timeout: DefaultCallTimeout},
		{Name: "legacy", Transport: TransportSSE, URL: "http://127.0.0.1:3001/sse", Disabled: true, Timeout: DefaultCallTimeout},
		{Name: "remote", Transport: TransportStreamable, URL: "https://example.com/mcp",
			Headers: map[string]string{"Authorization": "Bearer t"}, Timeout: 30 * time.Second},
		{Name: "windsurf", Transport: TransportStreamable, URL: "http://127.0.0.1:9/mcp", Timeout: 120 * time.Second},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if !got[0].Trusted("read_file") || got[0].Trusted("write_file") {
		t.Error("autoApprove is the list of trusted tools, nothing else")
	}
	// VS Code names the object "servers".
	vs, errs := Parse([]byte(`{"servers": {"a": {"type": "stdio", "command": "a-server"}}}`))
	if len(errs) != 0 || len(vs) != 1 || vs[0].Transport != TransportStdio {
		t.Fatalf("VS Code's format: %+v %v", vs, errs)
	}
}

// One broken entry is named and the others still load.
func TestParseNamesEachBrokenEntry(t *testing.T) {
	cases := []struct {
		entry, want string
	}{
		{`{}`, `give "command"`},
		{`{"command": "x", "url": "http://h/"}`, "not both"},
		{`{"url": "ftp://h/"}`, "not an http(s) URL"},
		{`{"url": "http://h/", "type": "websocket"}`, `"type" "websocket"`},
		{`{"command": "x", "type": "sse"}`, `does not go with "command"`},
		{`{"command": "x", "timeout": -1}`, `"timeout"`},
		{`{"command": 3}`, "not an object of the mcpServers format"},
		{`"npx server"`, "not an object of the mcpServers format"},
	}
	for _, c := range cases {
		got, errs := Parse([]byte(`{"mcpServers": {"bad": ` + c.entry + `, "good": {"command": "ok"}}}`))
		if len(got) != 1 || got[0].Name != "good" {
			t.Errorf("%s: the good server was not kept: %+v", c.entry, got)
		}
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), `server "bad"`) || !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%s: errors %v, want one naming bad and saying %q", c.entry, errs, c.want)
		}
	}
}

func TestParseWholeFileErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"mcpServers": `: "not valid JSON",
		`{"other": {}}`:   `no "mcpServers" object`,
		`[1, 2]`:          `not an object with "mcpServers"`,
	} {
		got, errs := Parse([]byte(in))
		if len(got) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), want) {
			t.Errorf("%s: %+v %v, want one error saying %q", in, got, errs, want)
		}
	}
	if got, errs := Parse([]byte("  \n")); got != nil || errs != nil {
		t.Errorf("an empty file is no servers and no error: %v %v", got, errs)
	}
}
