package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestSaveProviderSettingsRoundTrip(t *testing.T) {
	tests := []struct {
		name                 string
		before               string
		provider, url, model string
		keep                 []string // substrings that must survive (comments, other keys)
		gone                 []string
	}{
		{
			name: "replace in place keeping comments and tables",
			before: `# my hearth
data_dir = "/srv/hearth"   # big disk
provider = "openai"
model = "old"
token = "abc"

[media]
# generous
max_images = 9
`,
			provider: "ollama", url: "http://gpu:11434", model: "qwen3:8b",
			keep: []string{"# my hearth", `data_dir = "/srv/hearth"   # big disk`, `token = "abc"`, "# generous", "max_images = 9"},
			gone: []string{`"old"`, `provider = "openai"`},
		},
		{
			name:     "add missing keys before the first table",
			before:   "listen = \"127.0.0.1:9000\"\n\n[media]\nmax_videos = 2\n",
			provider: "openai", url: "http://x/v1", model: "m",
			keep: []string{`listen = "127.0.0.1:9000"`, "max_videos = 2"},
		},
		{
			name:     "empty values remove keys",
			before:   "provider = \"ollama\"\nprovider_url = \"http://a\"\nmodel = \"m\"\nlog_level = \"debug\"\n",
			provider: "openai", url: "", model: "",
			keep: []string{`log_level = "debug"`},
			gone: []string{"provider_url", "model"},
		},
		{
			name:     "new file",
			provider: "openai", url: "https://api.example.com/v1", model: `we"ird\name`,
		},
		{
			name:     "multi-line value falls back to a rewrite without losing data",
			before:   "token = \"\"\"\nmodel = \"not a key\"\n\"\"\"\nmodel = \"real\"\n",
			provider: "openai", url: "http://x/v1", model: "new",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sub", "config.toml")
			var before fileConfig
			if tt.before != "" {
				writeFile(t, path, tt.before)
				if err := os.Chmod(path, 0o644); err != nil {
					t.Fatal(err)
				}
				var err error
				if before, err = parseFile(path, []byte(tt.before)); err != nil {
					t.Fatalf("test input invalid: %v", err)
				}
			}
			if err := SaveProviderSettings(path, tt.provider, tt.url, tt.model); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fi, _ := os.Stat(path)
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", fi.Mode().Perm())
			}
			after, err := parseFile(path, data)
			if err != nil {
				t.Fatalf("saved file does not load: %v\n%s", err, data)
			}
			checkStr(t, "provider", after.Provider, tt.provider)
			checkStr(t, "provider_url", after.ProviderURL, tt.url)
			checkStr(t, "model", after.Model, tt.model)

			// Everything else is untouched.
			after.Provider, after.ProviderURL, after.Model = nil, nil, nil
			before.Provider, before.ProviderURL, before.Model = nil, nil, nil
			if !equalFile(before, after) {
				t.Errorf("other keys changed:\nbefore %s\nafter  %s", tt.before, data)
			}
			for _, s := range tt.keep {
				if !strings.Contains(string(data), s) {
					t.Errorf("lost %q:\n%s", s, data)
				}
			}
			for _, s := range tt.gone {
				if strings.Contains(string(data), s) {
					t.Errorf("still has %q:\n%s", s, data)
				}
			}
			if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
				t.Errorf("temp files left: %v", ents)
			}
		})
	}
}

func checkStr(t *testing.T, key string, got *string, want string) {
	t.Helper()
	switch {
	case want == "" && got != nil:
		t.Errorf("%s = %q, want absent", key, *got)
	case want != "" && (got == nil || *got != want):
		t.Errorf("%s = %v, want %q", key, got, want)
	}
}

func equalFile(a, b fileConfig) bool {
	s := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return *p
	}
	n := func(p *int64) int64 {
		if p == nil {
			return -1
		}
		return *p
	}
	m := func(f fileConfig) [4]int64 {
		if f.Media == nil {
			return [4]int64{-2, -2, -2, -2}
		}
		return [4]int64{n(f.Media.MaxImages), n(f.Media.MaxImageBytes), n(f.Media.MaxVideos), n(f.Media.MaxVideoBytes)}
	}
	return s(a.DataDir) == s(b.DataDir) && s(a.Socket) == s(b.Socket) && s(a.Listen) == s(b.Listen) &&
		s(a.APIKey) == s(b.APIKey) && s(a.Token) == s(b.Token) && s(a.LogLevel) == s(b.LogLevel) &&
		(a.AllowRemote == nil) == (b.AllowRemote == nil) && n(a.WSReadLimit) == n(b.WSReadLimit) && m(a) == m(b)
}

func TestSaveProviderSettingsThenLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, path, "log_level = \"debug\"\n")
	if err := SaveProviderSettings(path, "Ollama", "http://gpu.lan:11434/", "llama3"); err != nil {
		t.Fatal(err)
	}
	c, err := load(MapEnv(map[string]string{"HEARTH_CONFIG": path}), nil, fakeDirs("/nonexistent"), "linux")
	if err != nil {
		t.Fatal(err)
	}
	if c.Provider != "ollama" || c.ProviderURL != "http://gpu.lan:11434" || c.Model != "llama3" || c.LogLevel != "debug" {
		t.Errorf("loaded %+v", c)
	}
}

func TestSaveProviderSettingsRefuses(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	broken := filepath.Join(dir, "broken.toml")
	writeFile(t, good, "model = \"keep\"\n")
	writeFile(t, broken, "model = \n")
	tests := []struct {
		name, path, provider, url, want string
	}{
		{"bad provider", good, "claude", "", `provider "claude" is not supported`},
		{"bad url", good, "openai", "file:///etc/passwd", "must start with http://"},
		{"unparsable file kept", broken, "openai", "", "broken.toml: line 1"},
		{"no path", "", "openai", "", "no config file path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before []byte
			if tt.path != "" {
				before, _ = os.ReadFile(tt.path)
			}
			err := SaveProviderSettings(tt.path, tt.provider, tt.url, "m")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if tt.path != "" {
				if after, _ := os.ReadFile(tt.path); string(after) != string(before) {
					t.Errorf("file changed to %q", after)
				}
			}
		})
	}
}

func TestSaveProviderSettingsFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "hearth.toml")
	link := filepath.Join(dir, "config.toml")
	writeFile(t, real, "token = \"t\"\n")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symlinks:", err)
	}
	if err := SaveProviderSettings(link, "openai", "", "m"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("symlink replaced: %v %v", fi, err)
	}
	data, _ := os.ReadFile(real)
	if !strings.Contains(string(data), `model = "m"`) || !strings.Contains(string(data), `token = "t"`) {
		t.Errorf("target = %q", data)
	}
}

func TestTomlQuote(t *testing.T) {
	for _, s := range []string{"plain", `q"uote`, `back\slash`, "new\nline", "tab\t", "nul\x00", "ünï", "del\x7f"} {
		var v struct{ K string }
		if _, err := toml.Decode("K = "+tomlQuote(s)+"\n", &v); err != nil || v.K != s {
			t.Errorf("tomlQuote(%q) = %s: got %q, %v", s, tomlQuote(s), v.K, err)
		}
	}
}

func TestSaveAPIKeyKeepsEverythingElse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	orig := "# my settings\nmodel = \"llama3\"\napi_key = \"old\"\n\n[media]\nmax_images = 2\n"
	if err := os.WriteFile(path, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := SaveAPIKey(path, "sk-new"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "# my settings\nmodel = \"llama3\"\napi_key = \"sk-new\"\n\n[media]\nmax_images = 2\n"
	if string(got) != want {
		t.Fatalf("after SaveAPIKey:\n%s\nwant:\n%s", got, want)
	}
	// Saving the provider settings leaves the key alone …
	if err := SaveProviderSettings(path, "openai", "http://127.0.0.1:8080/v1", "qwen"); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	if !strings.Contains(string(got), `api_key = "sk-new"`) || !strings.Contains(string(got), `model = "qwen"`) {
		t.Fatalf("provider save touched the key:\n%s", got)
	}
	// … and an empty key removes it.
	if err := SaveAPIKey(path, ""); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	if strings.Contains(string(got), "api_key") || !strings.Contains(string(got), "max_images = 2") {
		t.Fatalf("after removing the key:\n%s", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
}
