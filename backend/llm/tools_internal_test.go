package llm

import "testing"

func TestRefusesTools(t *testing.T) {
	cases := []struct {
		said string
		want bool
	}{
		// Servers and models without tools.
		{"registry.ollama.ai/library/gemma3:1b does not support tools", true},
		{"tools param requires --jinja flag", true},
		{`"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set`, true},
		{"tools are not supported", true},
		{"This model does not support tools.", true},
		{"Tool use is not supported for this model", true},
		{"Function calling is not supported by this model", true},
		{"Unsupported parameter: 'tools'", true},
		{"tool calling is not enabled on this server", true},
		// Refusals with retries of their own, and other failures.
		{`"qwen2.5:7b" does not support thinking`, false},
		{"Unsupported parameter: 'reasoning_effort' is not supported with this model.", false},
		{"Unsupported parameter: 'temperature' is not supported with this model.", false},
		{"stream_options is not supported", false},
		{"unrecognized request argument supplied: continue_final_message", false},
		{"model \"llama3\" not found, try pulling it first", false},
		{"messages: field required", false},
		{"llama runner process has terminated: exit status 2", false},
		{"chat template requires --jinja", false},
		{"", false},
	}
	for _, tc := range cases {
		if got := refusesTools(tc.said); got != tc.want {
			t.Errorf("refusesTools(%q) = %v, want %v", tc.said, got, tc.want)
		}
	}
}

func TestBuildToolsDefaultsTheSchema(t *testing.T) {
	got := buildTools([]Tool{
		{Name: "a"},
		{Name: "b", Parameters: []byte("null")},
		{Name: "c", Parameters: []byte(" {\"type\":\"object\"} ")},
	})
	want := []string{string(emptySchema), string(emptySchema), `{"type":"object"}`}
	for i, w := range want {
		if string(got[i].Function.Parameters) != w || got[i].Type != "function" {
			t.Errorf("tool %d: %+v, want parameters %s", i, got[i], w)
		}
	}
	if buildTools(nil) != nil {
		t.Error("no tools must stay nil, so the field is left off")
	}
}
