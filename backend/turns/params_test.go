package turns

import (
	"reflect"
	"testing"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
)

func TestEffectiveParams(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	n := func(v int) *int { return &v }
	defaults := protocol.Params{Temperature: f(0.7), TopP: f(0.9), ContextLength: n(8192), ReasoningEffort: "medium"}
	for _, tc := range []struct {
		name           string
		effort         string
		chat, defaults protocol.Params
		want           protocol.Params
	}{
		{"nothing set anywhere", "", protocol.Params{}, protocol.Params{}, protocol.Params{}},
		{"defaults only", "", protocol.Params{}, defaults, defaults},
		{"the chat's win over the defaults, one by one", "",
			protocol.Params{Temperature: f(0), ContextLength: n(32768)}, defaults,
			protocol.Params{Temperature: f(0), TopP: f(0.9), ContextLength: n(32768), ReasoningEffort: "medium"}},
		{"the chat's effort over the default", "", protocol.Params{ReasoningEffort: "high"}, defaults,
			protocol.Params{Temperature: f(0.7), TopP: f(0.9), ContextLength: n(8192), ReasoningEffort: "high"}},
		{"the message's effort over the chat's", "low", protocol.Params{ReasoningEffort: "high"}, defaults,
			protocol.Params{Temperature: f(0.7), TopP: f(0.9), ContextLength: n(8192), ReasoningEffort: "low"}},
		{"the message's effort without defaults", "high", protocol.Params{}, protocol.Params{},
			protocol.Params{ReasoningEffort: "high"}},
		{"the chat's without defaults", "", protocol.Params{TopP: f(0.5)}, protocol.Params{},
			protocol.Params{TopP: f(0.5)}},
	} {
		if got := effectiveParams(tc.effort, tc.chat, tc.defaults); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestWithParams(t *testing.T) {
	temp, ctx := 0.0, 4096
	base := llm.Request{Model: "m", ReasoningEffort: "high", ContextLength: 99}
	got := withParams(base, protocol.Params{Temperature: &temp, ContextLength: &ctx, ReasoningEffort: "low"})
	if got.Model != "m" || got.Temperature != &temp || got.TopP != nil || got.ContextLength != 4096 || got.ReasoningEffort != "low" {
		t.Errorf("got %+v", got)
	}
	if got := withParams(base, protocol.Params{}); got.ContextLength != 0 || got.ReasoningEffort != "" || got.Temperature != nil {
		t.Errorf("empty params left %+v", got)
	}
}
