package protocol

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCallText(t *testing.T) {
	for _, tt := range []struct {
		server, name, args string
		max                int
		want               string
	}{
		{"fs", "read", `{ "path" : "/a" }`, 200, `fs.read({"path":"/a"})`},
		{"fs", "list", `{}`, 200, `fs.list()`},
		{"", "teleport", `"not json {"`, 200, `teleport("not json {")`},
		{"t", "echo", `{oops`, 200, `t.echo({oops)`},
		{"t", "echo", `{"s":"ééééé"}`, 8, `t.echo({"s":"é…)`},
		{"t", "none", ``, 200, `t.none()`},
	} {
		if got := CallText(tt.server, tt.name, json.RawMessage(tt.args), tt.max); got != tt.want {
			t.Errorf("CallText(%q, %q, %s, %d) = %q, want %q", tt.server, tt.name, tt.args, tt.max, got, tt.want)
		}
	}
	if got := CallText("s", "n", json.RawMessage(`"`+strings.Repeat("x", 500)+`"`), 200); len([]rune(got)) != len("s.n()")+200 {
		t.Errorf("long call: %d runes", len([]rune(got)))
	}
}
