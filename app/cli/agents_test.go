package cli

import (
	"bytes"
	"testing"

	"github.com/hearth-app/hearth/backend/protocol"
)

func TestPrintAgents(t *testing.T) {
	var b bytes.Buffer
	printAgents(&b, []protocol.Agent{
		{Name: "coder", Description: "writes\ncode", Online: true},
		{Name: "nano", Description: "", Online: false},
		{Name: "sleepy", Description: "crashes", Online: false},
	}, map[string]string{"coder": "/s/agents/coder.log", "sleepy": "/s/agents/sleepy.log"})
	want := "coder   online   writes code\n" +
		"nano    offline  \n" +
		"sleepy  offline  crashes\n" +
		"                 log: /s/agents/sleepy.log\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	printAgents(&b, nil, nil)
	if b.String() == "" {
		t.Error("nothing said for no agents")
	}
}
