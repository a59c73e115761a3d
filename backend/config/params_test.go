package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParamsFromTheFile(t *testing.T) {
	c, err := loadWith(t, loadCase{}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Params, Params{}) || c.Source("params.temperature").String() != "default" {
		t.Fatalf("no file: params %+v from %s", c.Params, c.Source("params.temperature"))
	}
	c, err = loadWith(t, loadCase{file: "model = \"m\"\n[params]\ntemperature = 0\ntop_p = 0.9\ncontext_length = 8192\nreasoning_effort = \"high\"\n"}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	p := c.Params
	// 0 is a temperature someone chose (greedy), not an absent one.
	if p.Temperature == nil || *p.Temperature != 0 || p.TopP == nil || *p.TopP != 0.9 ||
		p.ContextLength == nil || *p.ContextLength != 8192 || p.ReasoningEffort != "high" {
		t.Fatalf("params %+v", p)
	}
	if s := c.Source("params.top_p"); !strings.HasPrefix(s.String(), "config file ") {
		t.Errorf("top_p from %s", s)
	}
	c, err = loadWith(t, loadCase{file: "[params]\ncontext_length = 4096\n"}, "linux")
	if err != nil || c.Params.Temperature != nil || c.Params.ContextLength == nil || *c.Params.ContextLength != 4096 {
		t.Fatalf("one param: %+v, %v", c.Params, err)
	}
}

func TestParamsOutOfBounds(t *testing.T) {
	for _, tc := range []struct{ file, says string }{
		{"[params]\ntemperature = 2.5\n", "params.temperature must be between 0 and 2"},
		{"[params]\ntop_p = 0\n", "params.top_p must be above 0"},
		{"[params]\ncontext_length = 100\n", "params.context_length must be between 256"},
		{"[params]\nreasoning_effort = \"max\"\n", "params.reasoning_effort must be"},
		{"[params]\ntemprature = 1\n", `unknown key "params.temprature"`},
	} {
		_, err := loadWith(t, loadCase{file: tc.file}, "linux")
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%q: %v, want %q", tc.file, err, tc.says)
		}
	}
}
