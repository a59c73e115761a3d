package dispatch

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hearth-app/hearth/backend/mcp"
	"github.com/hearth-app/hearth/backend/protocol"
)

type fakeMCP struct{ sts []mcp.Status }

func (f fakeMCP) Statuses() []mcp.Status { return f.sts }
func (fakeMCP) ConfigPath() string       { return "/c/mcp.json" }
func (fakeMCP) ConfigError() string      { return `server "x": give "command"` }
func (fakeMCP) AutoApproved(server, tool string) bool {
	return server == "files" && tool == "read"
}

func TestListMCPServers(t *testing.T) {
	m := fakeMCP{sts: []mcp.Status{
		{Name: "files", Transport: mcp.TransportStdio, State: mcp.StateReady, Restarts: 2, Tools: []mcp.Tool{
			{Server: "files", Name: "read", Description: "Reads.", ReadOnly: true},
			{Server: "files", Name: "rm", Destructive: true},
		}},
		{Name: "web", Transport: mcp.TransportStreamable, State: mcp.StateFailed, Error: "refused", StderrTail: "boom"},
	}}
	d := New(Deps{MCP: m})
	evs := d.Run(context.Background(), Session{}, protocol.ListMCPServers{Base: protocol.Base{ReqID: "q"}})
	if len(evs) != 1 {
		t.Fatalf("events %+v", evs)
	}
	got := string(protocol.Encode(evs[0]))
	want := `{"event":"mcp_servers","req_id":"q","error":"server \"x\": give \"command\"","items":[` +
		`{"name":"files","transport":"stdio","state":"ready","restarts":2,"tools":[` +
		`{"name":"read","description":"Reads.","read_only":true,"destructive":false,"auto_approve":true},` +
		`{"name":"rm","read_only":false,"destructive":true,"auto_approve":false}]},` +
		`{"name":"web","transport":"http","state":"failed","error":"refused","stderr_tail":"boom","restarts":0,"tools":[]}],` +
		`"config_path":"/c/mcp.json"}`
	if got != want {
		t.Fatalf("mcp_servers\n got %s\nwant %s", got, want)
	}

	// No manager: an empty list, never null.
	empty := protocol.Encode(New(Deps{}).Run(context.Background(), Session{}, protocol.ListMCPServers{})[0])
	var v struct{ Items []any }
	if err := json.Unmarshal(empty, &v); err != nil || v.Items == nil || len(v.Items) != 0 {
		t.Fatalf("no manager: %s", empty)
	}
}
