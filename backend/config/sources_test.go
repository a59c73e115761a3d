package config

import (
	"errors"
	"flag"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// describe writes a Source as the tables below spell it: "default",
// "default OLLAMA_HOST", "file", "env HEARTH_MODEL", "flag --model". The
// file's path is checked apart, since every case has its own temp dir.
func describe(t *testing.T, c Config, s Source) string {
	t.Helper()
	if s.Layer == LayerFile {
		if s.Name != c.ConfigFile {
			t.Errorf("file source names %q, want %q", s.Name, c.ConfigFile)
		}
		return "file"
	}
	return strings.TrimSpace(s.Layer.String() + " " + s.Name)
}

func TestSourcesAllDefault(t *testing.T) {
	c, err := loadWith(t, loadCase{}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range settingKeys {
		if got := c.Source(k); got != (Source{}) {
			t.Errorf("%s: %+v, want the built-in default", k, got)
		}
	}
}

// Every key with all four layers: flag beats env beats file beats default,
// and the record says which one won.
func TestSourcesFollowPrecedence(t *testing.T) {
	keys := []struct {
		key, flag, env string
		fileVal, val   string
	}{
		{"data_dir", "data-dir", "HEARTH_DATA_DIR", `"/f"`, "/x"},
		{"socket", "socket", "HEARTH_SOCKET", `"/f.sock"`, "/x.sock"},
		{"listen", "listen", "HEARTH_LISTEN", `"127.0.0.1:1"`, "127.0.0.1:2"},
		{"provider", "provider", "HEARTH_PROVIDER", `"ollama"`, "openai"},
		{"provider_url", "provider-url", "HEARTH_PROVIDER_URL", `"http://f/v1"`, "http://x/v1"},
		{"model", "model", "HEARTH_MODEL", `"f"`, "x"},
		{"api_key", "api-key", "HEARTH_API_KEY", `"kf"`, "kx"},
		{"provider_idle_timeout", "provider-idle-timeout", "HEARTH_PROVIDER_IDLE_TIMEOUT", `"5m"`, "90s"},
		{"token", "token", "HEARTH_TOKEN", `"tf"`, "tx"},
		{"log_level", "log-level", "HEARTH_LOG_LEVEL", `"debug"`, "warn"},
		{"allow_remote", "allow-remote", "HEARTH_ALLOW_REMOTE", `true`, "true"},
	}
	for _, k := range keys {
		file := k.key + " = " + k.fileVal + "\n"
		env := map[string]string{k.env: k.val}
		flags := []string{"--" + k.flag + "=" + k.val}
		for _, tc := range []struct {
			layer string
			lc    loadCase
			want  string
		}{
			{"default", loadCase{}, "default"},
			{"file", loadCase{file: file}, "file"},
			{"env over file", loadCase{file: file, env: env}, "env " + k.env},
			{"flag over env", loadCase{file: file, env: env, flags: flags}, "flag --" + k.flag},
			{"flag over file", loadCase{file: file, flags: flags}, "flag --" + k.flag},
		} {
			t.Run(k.key+"/"+tc.layer, func(t *testing.T) {
				c, err := loadWith(t, tc.lc, "linux")
				if err != nil {
					t.Fatal(err)
				}
				if got := describe(t, c, c.Source(k.key)); got != tc.want {
					t.Errorf("source %q, want %q", got, tc.want)
				}
			})
		}
	}
	// Keys only the file sets.
	for _, k := range []string{"ws_read_limit", "max_answer_bytes", "max_reasoning_bytes"} {
		c, err := loadWith(t, loadCase{file: k + " = 1000\n"}, "linux")
		if err != nil {
			t.Fatal(err)
		}
		if got := describe(t, c, c.Source(k)); got != "file" {
			t.Errorf("%s: source %q, want file", k, got)
		}
	}
	c, err := loadWith(t, loadCase{file: "[media]\nmax_images = 2\nimage_turns = 1\n"}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"media.max_images": "file", "media.image_turns": "file", "media.max_videos": "default"} {
		if got := describe(t, c, c.Source(k)); got != want {
			t.Errorf("%s: source %q, want %q", k, got, want)
		}
	}
}

// The variables that apply only sometimes are recorded only when they did:
// the record matches the value resolve chose, not the variables that exist.
func TestSourcesOfProviderSettings(t *testing.T) {
	base := "https://api.example.com/v1"
	tests := []struct {
		name string
		lc   loadCase
		want map[string]string
	}{
		{"OPENAI_BASE_URL for openai", loadCase{env: map[string]string{"OPENAI_BASE_URL": base}},
			map[string]string{"provider_url": "env OPENAI_BASE_URL"}},
		{"OPENAI_BASE_URL not for ollama", loadCase{env: map[string]string{"OPENAI_BASE_URL": base, "HEARTH_PROVIDER": "ollama"}},
			map[string]string{"provider": "env HEARTH_PROVIDER", "provider_url": "default"}},
		{"OPENAI_BASE_URL not for ollama from the file", loadCase{file: "provider = \"ollama\"\nprovider_url = \"http://f:1\"\n",
			env: map[string]string{"OPENAI_BASE_URL": base}},
			map[string]string{"provider": "file", "provider_url": "file"}},
		{"HEARTH_PROVIDER_URL over OPENAI_BASE_URL", loadCase{env: map[string]string{"OPENAI_BASE_URL": base, "HEARTH_PROVIDER_URL": "http://h/v1"}},
			map[string]string{"provider_url": "env HEARTH_PROVIDER_URL"}},
		{"OLLAMA_HOST moves the default", loadCase{env: map[string]string{"OLLAMA_HOST": "gpu.lan"}},
			map[string]string{"provider_url": "default OLLAMA_HOST"}},
		{"file over OLLAMA_HOST", loadCase{file: `provider_url = "http://f/v1"`, env: map[string]string{"OLLAMA_HOST": "gpu.lan"}},
			map[string]string{"provider_url": "file"}},
		{"OPENAI_API_KEY to its server", loadCase{env: map[string]string{"OPENAI_API_KEY": "o", "OPENAI_BASE_URL": base}},
			map[string]string{"api_key": "env OPENAI_API_KEY", "provider_url": "env OPENAI_BASE_URL"}},
		{"OPENAI_API_KEY withheld from the local default", loadCase{env: map[string]string{"OPENAI_API_KEY": "o"}},
			map[string]string{"api_key": "default"}},
		{"OPENAI_API_KEY not for ollama", loadCase{env: map[string]string{"OPENAI_API_KEY": "o", "OPENAI_BASE_URL": base, "HEARTH_PROVIDER": "ollama"}},
			map[string]string{"api_key": "default"}},
		{"HEARTH_API_KEY over OPENAI_API_KEY", loadCase{env: map[string]string{"OPENAI_API_KEY": "o", "OPENAI_BASE_URL": base, "HEARTH_API_KEY": "h"}},
			map[string]string{"api_key": "env HEARTH_API_KEY"}},
		{"an empty --api-key is a flag", loadCase{env: map[string]string{"HEARTH_API_KEY": "h"}, flags: []string{"--api-key="}},
			map[string]string{"api_key": "flag --api-key"}},
		{"file key for its server", loadCase{file: "api_key = \"k\"\n"}, map[string]string{"api_key": "file"}},
		{"file key withheld from another server", loadCase{file: "api_key = \"k\"\n", flags: []string{"--provider-url", "http://elsewhere/v1"}},
			map[string]string{"api_key": "default", "provider_url": "flag --provider-url"}},
		{"empty variable is unset", loadCase{env: map[string]string{"HEARTH_MODEL": " "}, file: `model = "f"`},
			map[string]string{"model": "file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWith(t, tt.lc, "linux")
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.want {
				if got := describe(t, c, c.Source(k)); got != want {
					t.Errorf("%s: source %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestSourceMeaning(t *testing.T) {
	tests := []struct {
		s            Source
		str          string
		wins, manual bool
	}{
		{Source{}, "default", false, false},
		{Source{Layer: LayerDefault, Name: "OLLAMA_HOST"}, "OLLAMA_HOST", false, true},
		{Source{Layer: LayerFile, Name: "/c.toml"}, "config file /c.toml", false, false},
		{Source{Layer: LayerEnv, Name: "HEARTH_MODEL"}, "HEARTH_MODEL", true, true},
		{Source{Layer: LayerFlag, Name: "--model"}, "--model", true, true},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.str {
			t.Errorf("%+v: String %q, want %q", tt.s, got, tt.str)
		}
		if tt.s.WinsOverFile() != tt.wins || tt.s.FromOutside() != tt.manual {
			t.Errorf("%+v: WinsOverFile %v FromOutside %v, want %v %v", tt.s, tt.s.WinsOverFile(), tt.s.FromOutside(), tt.wins, tt.manual)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("an unknown key did not panic")
		}
	}()
	Config{}.Source("modle")
}

func TestOverridden(t *testing.T) {
	base := "https://api.example.com/v1"
	tests := []struct {
		name string
		lc   loadCase
		want []string
	}{
		{"nothing", loadCase{file: "model = \"m\"\n"}, []string{}},
		{"OLLAMA_HOST does not override the file", loadCase{env: map[string]string{"OLLAMA_HOST": "gpu.lan"}}, []string{}},
		{"flags count", loadCase{flags: []string{"--model", "g", "--provider", "ollama"}}, []string{"provider", "model"}},
		{"env and flags", loadCase{env: map[string]string{"HEARTH_PROVIDER_URL": "http://h/v1", "HEARTH_API_KEY": "k"}, flags: []string{"--model", "g"}},
			[]string{"provider_url", "model", "api_key"}},
		{"OPENAI_BASE_URL under openai", loadCase{env: map[string]string{"OPENAI_BASE_URL": base}}, []string{"provider_url"}},
		{"OPENAI_BASE_URL not under ollama", loadCase{env: map[string]string{"OPENAI_BASE_URL": base}, file: "provider = \"ollama\"\n"}, []string{}},
		{"OPENAI_API_KEY only where it is sent", loadCase{env: map[string]string{"OPENAI_API_KEY": "o"}}, []string{}},
		{"an empty --api-key", loadCase{flags: []string{"--api-key="}}, []string{"api_key"}},
		{"settings outside the form", loadCase{env: map[string]string{"HEARTH_LOG_LEVEL": "debug"}, flags: []string{"--token", "t"}}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWith(t, tt.lc, "linux")
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Overridden(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Overridden() = %q, want %q", got, tt.want)
			}
		})
	}
	if got := (Config{Provider: "openai", Model: "m"}).Overridden(); len(got) != 0 {
		t.Errorf("a Config built in code reports %q", got)
	}
}

// reload loads again from c's config file with the case's environment and
// flags, as a restart would.
func reload(t *testing.T, c Config, lc loadCase) Config {
	t.Helper()
	fs := flag.NewFlagSet("hearth", flag.ContinueOnError)
	ov := RegisterFlags(fs)
	if err := fs.Parse(lc.flags); err != nil {
		t.Fatal(err)
	}
	env := lc.env
	if env == nil {
		env = map[string]string{}
	}
	r, err := load(MapEnv(env), ov, fakeDirs(filepath.Dir(filepath.Dir(c.ConfigFile))), "linux")
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	return r
}

func sp(s string) *string { return &s }

// A save of the settings form writes only what belongs in the file, and
// leaves Hearth with the settings a restart would give it.
func TestPlanFormSave(t *testing.T) {
	const (
		local = "http://127.0.0.1:11434/v1"
		base  = "https://api.example.com/v1"
	)
	// The form sends every field back, changed or not, and a key only when
	// one was typed.
	form := func(provider, url, model string) Form {
		return Form{Provider: &provider, ProviderURL: &url, Model: &model}
	}
	type want struct {
		provider, url, model, key string
		overridden                []string
	}
	tests := []struct {
		name  string
		lc    loadCase
		form  Form
		edits map[string]string
		want  want
	}{
		{"unchanged defaults are saved as shown", loadCase{}, form("openai", local, ""),
			map[string]string{"provider": "openai", "provider_url": local, "model": ""},
			want{"openai", local, "", "", []string{}}},
		{"a model from the environment is not saved", loadCase{env: map[string]string{"HEARTH_MODEL": "e"}}, form("openai", local, "e"),
			map[string]string{"provider": "openai", "provider_url": local},
			want{"openai", local, "e", "", []string{"model"}}},
		{"a model from a flag is not saved", loadCase{file: "model = \"f\"\n", flags: []string{"--model", "g"}}, form("openai", local, "g"),
			map[string]string{"provider": "openai", "provider_url": local},
			want{"openai", local, "g", "", []string{"model"}}},
		{"a changed model is saved; the variable still wins", loadCase{env: map[string]string{"HEARTH_MODEL": "e"}}, form("openai", local, "typed"),
			map[string]string{"provider": "openai", "provider_url": local, "model": "typed"},
			want{"openai", local, "e", "", []string{"model"}}},
		{"a URL from a flag is not saved, nor the file's key dropped", loadCase{
			file:  "provider_url = \"http://file:1/v1\"\napi_key = \"sk-f\"\n",
			flags: []string{"--provider-url", "http://flag:2/v1"}}, form("openai", "http://flag:2/v1/", "m"),
			map[string]string{"provider": "openai", "model": "m"},
			want{"openai", "http://flag:2/v1", "m", "", []string{"provider_url"}}},
		{"OLLAMA_HOST's URL is not saved", loadCase{env: map[string]string{"OLLAMA_HOST": "gpu.lan"}}, form("openai", "http://gpu.lan:11434/v1", "m"),
			map[string]string{"provider": "openai", "model": "m"},
			want{"openai", "http://gpu.lan:11434/v1", "m", "", []string{}}},
		{"OLLAMA_HOST's URL follows a change of provider", loadCase{env: map[string]string{"OLLAMA_HOST": "gpu.lan"}}, form("ollama", "http://gpu.lan:11434/v1", "m"),
			map[string]string{"provider": "ollama", "model": "m"},
			want{"ollama", "http://gpu.lan:11434", "m", "", []string{}}},
		{"OPENAI_BASE_URL stops applying when the form picks ollama", loadCase{env: map[string]string{"OPENAI_BASE_URL": base}}, form("ollama", base, ""),
			map[string]string{"provider": "ollama", "model": ""},
			want{"ollama", "http://127.0.0.1:11434", "", "", []string{}}},
		{"OPENAI_BASE_URL applies when the form picks openai", loadCase{
			file: "provider = \"ollama\"\nprovider_url = \"http://f:1\"\n", env: map[string]string{"OPENAI_BASE_URL": base}},
			form("openai", "http://f:1", ""),
			map[string]string{"provider": "openai", "provider_url": "http://f:1", "model": ""},
			want{"openai", base, "", "", []string{"provider_url"}}},
		{"the file's key goes with its server", loadCase{file: "provider_url = \"http://a:1/v1\"\napi_key = \"sk-a\"\n"}, form("openai", "http://b:1/v1", ""),
			map[string]string{"provider": "openai", "provider_url": "http://b:1/v1", "model": "", "api_key": ""},
			want{"openai", "http://b:1/v1", "", "", []string{}}},
		{"the file's key stays on the same server", loadCase{file: "provider_url = \"http://a:1/v1\"\napi_key = \"sk-a\"\n"}, form("openai", "http://a:1/v2", ""),
			map[string]string{"provider": "openai", "provider_url": "http://a:1/v2", "model": ""},
			want{"openai", "http://a:1/v2", "", "sk-a", []string{}}},
		{"a URL typed over an environment one moves the file's key", loadCase{
			file: "provider_url = \"http://a:1/v1\"\napi_key = \"sk-a\"\n", env: map[string]string{"HEARTH_PROVIDER_URL": "http://a:1/v1"}},
			form("openai", "http://b:1/v1", ""),
			map[string]string{"provider": "openai", "provider_url": "http://b:1/v1", "model": "", "api_key": ""},
			want{"openai", "http://a:1/v1", "", "", []string{"provider_url"}}},
		{"a typed key is saved; HEARTH_API_KEY still wins", loadCase{env: map[string]string{"HEARTH_API_KEY": "sk-env"}},
			Form{Provider: sp("openai"), ProviderURL: sp(local), Model: sp(""), APIKey: sp(" sk-typed ")},
			map[string]string{"provider": "openai", "provider_url": local, "model": "", "api_key": "sk-typed"},
			want{"openai", local, "", "sk-env", []string{"api_key"}}},
		{"a typed key is used", loadCase{}, Form{ProviderURL: sp(base), APIKey: sp("sk-typed")},
			map[string]string{"provider": "openai", "provider_url": base, "model": "", "api_key": "sk-typed"},
			want{"openai", base, "", "sk-typed", []string{}}},
		{"--api-key follows the server", loadCase{flags: []string{"--api-key", "sk-flag"}}, form("openai", base, ""),
			map[string]string{"provider": "openai", "provider_url": base, "model": ""},
			want{"openai", base, "", "sk-flag", []string{"api_key"}}},
		{"OPENAI_API_KEY comes with a move to its server", loadCase{env: map[string]string{"OPENAI_API_KEY": "sk-o"}},
			form("openai", "https://api.openai.com/v1", ""),
			map[string]string{"provider": "openai", "provider_url": "https://api.openai.com/v1", "model": ""},
			want{"openai", "https://api.openai.com/v1", "", "sk-o", []string{"api_key"}}},
		{"fields not sent are kept", loadCase{file: "model = \"f\"\n", env: map[string]string{"HEARTH_PROVIDER": "ollama"}}, Form{Model: sp("n")},
			map[string]string{"provider_url": "http://127.0.0.1:11434", "model": "n"},
			want{"ollama", "http://127.0.0.1:11434", "n", "", []string{"provider"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWith(t, tt.lc, "linux")
			if err != nil {
				t.Fatal(err)
			}
			env := tt.lc.env
			if env == nil {
				env = map[string]string{}
			}
			save, err := c.PlanFormSave(MapEnv(env), tt.form)
			if err != nil {
				t.Fatal(err)
			}
			if got := save.edits; !reflect.DeepEqual(got, tt.edits) {
				t.Errorf("edits %q, want %q", got, tt.edits)
			}
			n := save.Config
			got := want{n.Provider, n.ProviderURL, n.Model, n.APIKey, n.Overridden()}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("after the save\n got %+v\nwant %+v", got, tt.want)
			}
			if err := save.Write(); err != nil {
				t.Fatal(err)
			}
			if r := reload(t, c, tt.lc); !reflect.DeepEqual(r, n) {
				t.Errorf("a restart gives another configuration\nsaved  %+v\nreload %+v", n, r)
			}
		})
	}
}

func TestPlanFormSaveRefuses(t *testing.T) {
	tests := []struct {
		name string
		lc   loadCase
		form Form
		key  string
		want string
	}{
		{"bad provider", loadCase{}, Form{Provider: sp("anthropic")}, "provider", "not supported"},
		{"bad URL", loadCase{}, Form{ProviderURL: sp("ftp://x")}, "provider_url", "http://"},
		{"bad URL under an override", loadCase{env: map[string]string{"HEARTH_PROVIDER_URL": "http://h/v1"}}, Form{ProviderURL: sp("x")}, "provider_url", "http://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWith(t, tt.lc, "linux")
			if err != nil {
				t.Fatal(err)
			}
			env := tt.lc.env
			if env == nil {
				env = map[string]string{}
			}
			_, err = c.PlanFormSave(MapEnv(env), tt.form)
			var se *SettingError
			if !errors.As(err, &se) || se.Key != tt.key || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a SettingError for %s saying %q", err, tt.key, tt.want)
			}
		})
	}
	// A file the user is in the middle of fixing is not a bad setting.
	c, err := loadWith(t, loadCase{}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, c.ConfigFile, "model = \n")
	_, err = c.PlanFormSave(MapEnv(map[string]string{}), Form{Model: sp("m")})
	var se *SettingError
	if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("broken file: %v", err)
	}
	if _, err := (Config{}).PlanFormSave(nil, Form{}); err == nil {
		t.Fatal("no config file path, no error")
	}
}
