package turns

import "testing"

func TestContinueUnsupported(t *testing.T) {
	for _, c := range []struct {
		kind, url string
		refused   bool
	}{
		{"openai", "https://api.openai.com/v1", true},
		{"openai", "https://API.OpenAI.com/v1/", true},
		{"openai", "http://127.0.0.1:8000/v1", false}, // vLLM
		{"openai", "http://localhost:8080/v1", false}, // llama.cpp
		{"openai", "https://api.openai.com.example.org/v1", false},
		{"ollama", "http://127.0.0.1:11434", false},
	} {
		if got := continueUnsupported(c.kind, c.url) != ""; got != c.refused {
			t.Errorf("continueUnsupported(%q, %q) refused=%v, want %v", c.kind, c.url, got, c.refused)
		}
	}
}
