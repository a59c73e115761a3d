package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An API key belongs to one server. OPENAI_API_KEY, set in many shells for
// other tools, goes only to OPENAI_BASE_URL (or the OpenAI API); a key in the
// config file only to the server the file names. --api-key and HEARTH_API_KEY
// are Hearth's own and go wherever Hearth is pointed.
func TestAPIKeyGoesOnlyToItsServer(t *testing.T) {
	openai := map[string]string{"OPENAI_API_KEY": "sk-o"}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	tests := []struct {
		name     string
		lc       loadCase
		want     string
		withheld string // in the note when a key is not sent
	}{
		{"OPENAI_API_KEY not to the default local server", loadCase{env: openai}, "", "OPENAI_API_KEY"},
		{"OPENAI_API_KEY not to a LAN Ollama from OLLAMA_HOST", loadCase{env: with(openai, "OLLAMA_HOST", "gpu.lan")}, "", "http://gpu.lan:11434/v1"},
		{"OPENAI_API_KEY to OPENAI_BASE_URL", loadCase{env: with(openai, "OPENAI_BASE_URL", "https://llm.example.com/v1")}, "sk-o", ""},
		{"OPENAI_API_KEY not to another --provider-url", loadCase{env: with(openai, "OPENAI_BASE_URL", "https://llm.example.com/v1"),
			flags: []string{"--provider-url", "http://192.168.1.9:8080/v1"}}, "", "OPENAI_BASE_URL"},
		{"OPENAI_API_KEY to another path on the OPENAI_BASE_URL server", loadCase{env: with(openai, "OPENAI_BASE_URL", "https://llm.example.com/v1"),
			flags: []string{"--provider-url", "https://LLM.example.com:443/v2"}}, "sk-o", ""},
		{"OPENAI_API_KEY not to another port", loadCase{env: with(openai, "OPENAI_BASE_URL", "https://llm.example.com/v1"),
			flags: []string{"--provider-url", "https://llm.example.com:8443/v1"}}, "", ""},
		{"OPENAI_API_KEY to the OpenAI API", loadCase{env: openai, flags: []string{"--provider-url", "https://api.openai.com/v1"}}, "sk-o", ""},
		{"OPENAI_API_KEY not to the OpenAI host over plain http", loadCase{env: openai, flags: []string{"--provider-url", "http://api.openai.com/v1"}}, "", ""},
		{"OPENAI_API_KEY not to a --provider-url from the file", loadCase{env: openai, file: `provider_url = "http://10.0.0.5:11434/v1"`}, "", ""},
		{"HEARTH_API_KEY goes anywhere", loadCase{env: with(openai, "HEARTH_API_KEY", "sk-h", "OLLAMA_HOST", "gpu.lan")}, "sk-h", ""},
		{"--api-key goes anywhere", loadCase{env: openai, flags: []string{"--api-key", "sk-f", "--provider-url", "http://10.0.0.5:1/v1"}}, "sk-f", ""},
		{"file key to the file's server", loadCase{file: "provider_url = \"https://llm.example.com/v1\"\napi_key = \"sk-file\"\n"}, "sk-file", ""},
		{"file key without a file URL to the default server", loadCase{file: "api_key = \"sk-file\"\n"}, "sk-file", ""},
		{"file key not to a server the environment points at", loadCase{file: "provider_url = \"https://llm.example.com/v1\"\napi_key = \"sk-file\"\n",
			env: map[string]string{"HEARTH_PROVIDER_URL": "http://192.168.1.9:8080/v1"}}, "", "api_key in config file"},
		{"file key not to a server a flag points at", loadCase{file: "api_key = \"sk-file\"\n", flags: []string{"--provider-url", "http://elsewhere:1/v1"}}, "", "api_key in config file"},
		{"an out-of-scope OPENAI_API_KEY falls back to the file's key", loadCase{env: openai,
			file: "provider_url = \"https://llm.example.com/v1\"\napi_key = \"sk-file\"\n"}, "sk-file", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWith(t, tt.lc, "linux")
			if err != nil {
				t.Fatal(err)
			}
			if c.APIKey != tt.want {
				t.Errorf("APIKey = %q, want %q (url %s)", c.APIKey, tt.want, c.ProviderURL)
			}
			if tt.withheld != "" && !strings.Contains(c.APIKeyNote, tt.withheld) {
				t.Errorf("APIKeyNote = %q, want it to mention %q", c.APIKeyNote, tt.withheld)
			}
			if c.APIKey != "" && c.APIKeyNote != "" {
				t.Errorf("a note %q although a key is sent", c.APIKeyNote)
			}
			if strings.Contains(c.APIKeyNote, "sk-") {
				t.Errorf("the note shows a key: %q", c.APIKeyNote)
			}
		})
	}
}

func TestSameServer(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"https://api.openai.com/v1", "https://api.openai.com", true},
		{"https://API.openai.com:443/v1", "https://api.openai.com/x", true},
		{"http://h/v1", "http://h:80", true},
		{"http://h:11434/v1", "http://h:11434", true},
		{"http://h/v1", "https://h/v1", false},
		{"http://h:1/v1", "http://h:2/v1", false},
		{"http://a.h/v1", "http://b.h/v1", false},
		{"http://user:pw@h/v1", "http://h/v1", true},
		{"not a url", "not a url", false},
		{"", "", false},
	} {
		if got := SameServer(c.a, c.b); got != c.want {
			t.Errorf("SameServer(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// A URL's user:password@ is a secret like the key; it never appears in what
// Hearth prints.
func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://user:secret@gpu.lan:11434/v1": "http://xxxxx@gpu.lan:11434/v1",
		"https://token@api.example.com/v1":    "https://xxxxx@api.example.com/v1",
		"http://127.0.0.1:11434/v1":           "http://127.0.0.1:11434/v1",
		"gpu.lan:11434":                       "gpu.lan:11434",
		"":                                    "",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
	_, err := loadWith(t, loadCase{flags: []string{"--provider-url", "ftp://user:secret@x/v1"}}, "linux")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("validation error shows the password: %v", err)
	}
}

func TestProviderIdleTimeout(t *testing.T) {
	tests := []struct {
		name string
		lc   loadCase
		want time.Duration
	}{
		{"default", loadCase{}, 60 * time.Second},
		{"file duration", loadCase{file: `provider_idle_timeout = "5m"`}, 5 * time.Minute},
		{"file seconds", loadCase{file: `provider_idle_timeout = 90`}, 90 * time.Second},
		{"env over file", loadCase{file: `provider_idle_timeout = "5m"`, env: map[string]string{"HEARTH_PROVIDER_IDLE_TIMEOUT": "2m30s"}}, 150 * time.Second},
		{"env seconds", loadCase{env: map[string]string{"HEARTH_PROVIDER_IDLE_TIMEOUT": "120"}}, 120 * time.Second},
		{"flag over env", loadCase{env: map[string]string{"HEARTH_PROVIDER_IDLE_TIMEOUT": "2m"}, flags: []string{"--provider-idle-timeout", "10m"}}, 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWith(t, tt.lc, "linux")
			if err != nil {
				t.Fatal(err)
			}
			if c.ProviderIdleTimeout != tt.want {
				t.Errorf("ProviderIdleTimeout = %v, want %v", c.ProviderIdleTimeout, tt.want)
			}
		})
	}
	for _, bad := range []struct {
		name string
		lc   loadCase
		want []string
	}{
		{"zero", loadCase{flags: []string{"--provider-idle-timeout", "0s"}}, []string{"provider_idle_timeout must be positive", "--provider-idle-timeout"}},
		{"negative", loadCase{file: `provider_idle_timeout = -5`}, []string{"provider_idle_timeout must be positive", "config file"}},
		{"not a duration", loadCase{env: map[string]string{"HEARTH_PROVIDER_IDLE_TIMEOUT": "soon"}}, []string{`"soon"`, "HEARTH_PROVIDER_IDLE_TIMEOUT"}},
		{"not a duration in the file", loadCase{file: `provider_idle_timeout = "a while"`}, []string{"provider_idle_timeout", "config.toml"}},
	} {
		t.Run(bad.name, func(t *testing.T) {
			_, err := loadWith(t, bad.lc, "linux")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range bad.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// The form's key and URL are written together: a crash between two writes
// could otherwise leave the old key next to a new server.
func TestSaveProviderSettingsAndKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, path, "# mine\nlog_level = \"debug\"\napi_key = \"sk-old\"\n")
	if err := SaveProviderSettingsAndKey(path, "openai", "https://b.example/v1", "m", ""); err != nil {
		t.Fatal(err)
	}
	fc, err := readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fc.APIKey != nil || fc.ProviderURL == nil || *fc.ProviderURL != "https://b.example/v1" || fc.LogLevel == nil {
		t.Fatalf("after saving without a key: %+v", fc)
	}
	if err := SaveProviderSettingsAndKey(path, "openai", "https://b.example/v1", "m", "sk-b"); err != nil {
		t.Fatal(err)
	}
	if fc, err := readFile(path); err != nil || fc.APIKey == nil || *fc.APIKey != "sk-b" {
		t.Fatalf("after saving a key: %+v %v", fc, err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "# mine") {
		t.Errorf("comments lost:\n%s", b)
	}
}
