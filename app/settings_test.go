package app

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/config"
)

// isolateEnv clears every variable config reads, then sets kv, in the
// process environment: the provider set consults os.LookupEnv when the form
// is saved, as Load did at start-up. The XDG dirs point into dir so that
// nothing lands in the real home or runtime dir.
func isolateEnv(t *testing.T, dir string, kv ...string) {
	t.Helper()
	for _, k := range []string{"HEARTH_CONFIG", "HEARTH_DATA_DIR", "HEARTH_SOCKET", "HEARTH_LISTEN", "HEARTH_PROVIDER",
		"HEARTH_PROVIDER_URL", "OPENAI_BASE_URL", "HEARTH_MODEL", "HEARTH_API_KEY", "OPENAI_API_KEY", "OLLAMA_HOST",
		"HEARTH_PROVIDER_IDLE_TIMEOUT", "HEARTH_TOKEN", "HEARTH_LOG_LEVEL", "HEARTH_ALLOW_REMOTE"} {
		t.Setenv(k, "")
	}
	for _, x := range []string{"DATA", "CONFIG", "STATE"} {
		t.Setenv("XDG_"+x+"_HOME", filepath.Join(dir, strings.ToLower(x)))
	}
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(dir, "run"))
	for i := 0; i < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
}

// loadReal resolves the configuration the way main does, from file, the
// process environment and flags, with its paths inside a short temp dir
// (unix socket paths are limited to ~107 bytes).
func loadReal(t *testing.T, file string, ov *config.Overrides, env ...string) config.Config {
	t.Helper()
	dir, err := os.MkdirTemp("", "hs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	isolateEnv(t, dir, env...)
	cfgFile := filepath.Join(dir, "config.toml")
	if file != "" {
		if err := os.WriteFile(cfgFile, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sock, data := filepath.Join(dir, "h.sock"), filepath.Join(dir, "data")
	ov.ConfigFile, ov.Socket, ov.DataDir = &cfgFile, &sock, &data
	cfg, err := config.Load(nil, ov)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func overriddenOf(t *testing.T, ev map[string]any) []string {
	t.Helper()
	if ev["event"] != "settings" {
		t.Fatalf("not a settings reply: %v", ev)
	}
	raw, _ := ev["overridden"].([]any)
	out := []string{}
	for _, v := range raw {
		out = append(out, v.(string))
	}
	return out
}

// Values given by flags and the environment are reported as overridden, are
// used, and never end up in config.toml when the form is saved. A value the
// user types over one of them is saved for later, while the override keeps
// applying in this run.
func TestSettingsFromFlagsAndEnvironmentStayOutOfTheFile(t *testing.T) {
	fake := llmtestNew(t)
	flagURL := fake.URL + "/v1"
	fileText := "# mine\nprovider = \"openai\"\nprovider_url = \"http://127.0.0.1:9/v1\"\nmodel = \"file-model\"\n"
	cfg := loadReal(t, fileText, &config.Overrides{ProviderURL: &flagURL, APIKey: strPtr("sk-flag")}, "HEARTH_MODEL", "env-model")
	h := startWith(t, cfg, fake)
	c := h.dial(t)

	wantOverridden := []string{"provider_url", "model", "api_key"}
	ev := c.request(map[string]any{"type": "get_settings"})
	if got := overriddenOf(t, ev); !reflect.DeepEqual(got, wantOverridden) {
		t.Fatalf("overridden %q, want %q", got, wantOverridden)
	}
	if ev["provider_url"] != flagURL || ev["model"] != "env-model" || ev["has_api_key"] != true {
		t.Fatalf("settings do not show what is used: %v", ev)
	}

	// The form sends back everything it shows.
	ev = c.request(map[string]any{"type": "set_settings", "provider": "openai", "provider_url": flagURL, "model": "env-model"})
	if got := overriddenOf(t, ev); !reflect.DeepEqual(got, wantOverridden) || ev["model"] != "env-model" || ev["provider_url"] != flagURL {
		t.Fatalf("after saving as shown: %v", ev)
	}
	if b, err := os.ReadFile(cfg.ConfigFile); err != nil || string(b) != fileText {
		t.Fatalf("saving the form as shown changed config.toml:\n%s\nwant:\n%s (%v)", b, fileText, err)
	}

	// A model typed over HEARTH_MODEL is saved for when it is unset; this
	// run keeps the variable's.
	ev = c.request(map[string]any{"type": "set_settings", "provider": "openai", "provider_url": flagURL, "model": "typed-model"})
	if got := overriddenOf(t, ev); !reflect.DeepEqual(got, wantOverridden) || ev["model"] != "env-model" {
		t.Fatalf("after typing a model: %v", ev)
	}
	b, err := os.ReadFile(cfg.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, leaked := range []string{fake.URL, "env-model", "sk-flag"} {
		if strings.Contains(string(b), leaked) {
			t.Errorf("config.toml holds %q, which came from a flag or the environment:\n%s", leaked, b)
		}
	}
	if !strings.Contains(string(b), `model = "typed-model"`) || !strings.Contains(string(b), "127.0.0.1:9") || !strings.Contains(string(b), "# mine") {
		t.Errorf("config.toml lost the user's values:\n%s", b)
	}

	chat := c.newChat()
	c.request(map[string]any{"type": "message", "chat_id": chat, "content": "hi"})
	c.collectTurn()
	reqs := fake.Requests()
	if len(reqs) == 0 {
		t.Fatal("the flag's server got no request")
	}
	if r := reqs[len(reqs)-1]; r.Model != "env-model" || r.Header.Get("Authorization") != "Bearer sk-flag" {
		t.Fatalf("turn used model %q auth %q; want the environment's model and the flag's key", r.Model, r.Header.Get("Authorization"))
	}

	// A value the form may not save is refused by name, and nothing is written.
	ev = c.request(map[string]any{"type": "set_settings", "provider_url": "http://"})
	if ev["reason"] != "invalid_setting" || !strings.Contains(str(ev, "detail"), "no host") {
		t.Fatalf("a URL without a host: %v", ev)
	}
	if after, err := os.ReadFile(cfg.ConfigFile); err != nil || string(after) != string(b) {
		t.Fatalf("a refused save changed config.toml:\n%s", after)
	}

	// A restart with the same flags and environment runs what this run runs.
	again, err := config.Load(nil, &config.Overrides{ConfigFile: &cfg.ConfigFile, ProviderURL: &flagURL, APIKey: strPtr("sk-flag")})
	if err != nil {
		t.Fatal(err)
	}
	if again.Provider != "openai" || again.ProviderURL != flagURL || again.Model != "env-model" || again.APIKey != "sk-flag" {
		t.Fatalf("restart: %s %s %s", again.Provider, again.ProviderURL, again.Model)
	}
}

// OPENAI_BASE_URL describes an OpenAI-compatible server: it overrides the
// URL under the openai provider only. Switching the form to ollama leaves it
// behind instead of reporting it, or saving it, under the Ollama provider.
func TestSettingsOpenAIBaseURLOnlyUnderOpenAI(t *testing.T) {
	fake := llmtestNew(t)
	cfg := loadReal(t, "", &config.Overrides{}, "OPENAI_BASE_URL", fake.URL+"/v1")
	h := startWith(t, cfg, fake)
	c := h.dial(t)

	ev := c.request(map[string]any{"type": "get_settings"})
	if got := overriddenOf(t, ev); !reflect.DeepEqual(got, []string{"provider_url"}) || ev["provider_url"] != fake.URL+"/v1" {
		t.Fatalf("under openai: %v", ev)
	}
	ev = c.request(map[string]any{"type": "set_settings", "provider": "ollama", "provider_url": fake.URL + "/v1", "model": ""})
	if got := overriddenOf(t, ev); len(got) != 0 || ev["provider"] != "ollama" || ev["provider_url"] != "http://127.0.0.1:11434" {
		t.Fatalf("under ollama: %v", ev)
	}
	b, err := os.ReadFile(cfg.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), fake.URL) || !strings.Contains(string(b), `provider = "ollama"`) {
		t.Fatalf("config.toml:\n%s", b)
	}
}

func strPtr(s string) *string { return &s }
