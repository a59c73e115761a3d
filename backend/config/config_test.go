package config

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fakeDirs are the "system" XDG dirs for tests: short, fixed and never
// touched, so nothing depends on the machine running the tests.
func fakeDirs(configHome string) baseDirs {
	return baseDirs{
		home:       "/home/u",
		dataHome:   "/home/u/.local/share",
		configHome: configHome,
		stateHome:  "/home/u/.local/state",
		runtimeDir: "/run/user/1000",
	}
}

type loadCase struct {
	file  string            // config.toml content; "" = no file
	env   map[string]string // environment
	flags []string          // command line
}

// loadWith writes the file into a fresh config home and loads with flags
// parsed by a real FlagSet, as main would.
func loadWith(t *testing.T, lc loadCase, goos string) (Config, error) {
	t.Helper()
	cfgHome := t.TempDir()
	if lc.file != "" {
		writeFile(t, filepath.Join(cfgHome, "hearth", "config.toml"), lc.file)
	}
	fs := flag.NewFlagSet("hearth", flag.ContinueOnError)
	ov := RegisterFlags(fs)
	if err := fs.Parse(lc.flags); err != nil {
		t.Fatalf("parse flags %v: %v", lc.flags, err)
	}
	env := lc.env
	if env == nil {
		env = map[string]string{}
	}
	return load(MapEnv(env), ov, fakeDirs(cfgHome), goos)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDefaults(t *testing.T) {
	c, err := loadWith(t, loadCase{}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		DataDir:     "/home/u/.local/share/hearth",
		Socket:      "/run/user/1000/hearth/hearth.sock",
		Listen:      "127.0.0.1:0",
		Provider:    "openai",
		ProviderURL: "http://127.0.0.1:11434/v1",
		RuntimeDir:  "/run/user/1000/hearth",
		StateDir:    "/home/u/.local/state/hearth",
		ConfigFile:  c.ConfigFile,
		LogLevel:    "info",
		Media: MediaLimits{MaxImages: 4, MaxImageBytes: 8 << 20, MaxVideos: 1, MaxVideoBytes: 20 << 20,
			MaxDocuments: 4, MaxDocumentBytes: 16 << 20},
		WSReadLimit: 36 << 20,

		ProviderIdleTimeout: 60 * time.Second,
		MaxAnswerBytes:      4 << 20,
		MaxReasoningBytes:   4 << 20,
		ImageTurns:          4,
		DocumentChars:       16000,
		AutoTitles:          true,

		MCPConfig:       filepath.Join(filepath.Dir(c.ConfigFile), "mcp.json"),
		ToolSteps:       20,
		ToolResultChars: 16000,
		ApprovalTimeout: 10 * time.Minute,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if !strings.HasSuffix(c.ConfigFile, "/hearth/config.toml") {
		t.Errorf("ConfigFile = %q", c.ConfigFile)
	}
	if c.DBPath() != "/home/u/.local/share/hearth/hearth.db" || c.MediaDir() != "/home/u/.local/share/hearth/media" ||
		c.EndpointFile() != "/run/user/1000/hearth/endpoint.json" {
		t.Errorf("derived paths: %q %q %q", c.DBPath(), c.MediaDir(), c.EndpointFile())
	}
	if c.TokenFile() != "/home/u/.local/state/hearth/token" || c.PortFile() != "/home/u/.local/state/hearth/last-port" {
		t.Errorf("state files: %q %q", c.TokenFile(), c.PortFile())
	}
}

// TestStateDirPerDataDir: another data dir keeps its own token and port, so
// two Hearths side by side never share a token or take each other's port.
func TestStateDirPerDataDir(t *testing.T) {
	sys := fakeDirs(t.TempDir())
	load1 := func(dataDir string) Config {
		t.Helper()
		ov := &Overrides{}
		if dataDir != "" {
			ov.DataDir = &dataDir
		}
		c, err := load(MapEnv(map[string]string{}), ov, sys, "linux")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	def, named, same, other := load1(""), load1("/home/u/.local/share/hearth"), load1("/srv/a"), load1("/srv/b")
	if def.StateDir != "/home/u/.local/state/hearth" || named.StateDir != def.StateDir {
		t.Errorf("default data dir: state %q, named explicitly %q", def.StateDir, named.StateDir)
	}
	if !strings.HasPrefix(same.StateDir, "/home/u/.local/state/hearth/data-") || same.StateDir == other.StateDir {
		t.Errorf("other data dirs: %q and %q", same.StateDir, other.StateDir)
	}
	if again := load1("/srv/a"); again.StateDir != same.StateDir {
		t.Errorf("state dir of /srv/a changed between loads: %q then %q", same.StateDir, again.StateDir)
	}
	if (Config{}).TokenFile() != "" || (Config{}).PortFile() != "" {
		t.Error("a Config without a state dir names state files")
	}
}

func TestXDGResolution(t *testing.T) {
	tests := []struct {
		name                       string
		env                        map[string]string
		sysRuntime                 string
		wantData, wantSock, wantRT string
	}{
		{"system dirs", nil, "/run/user/1000",
			"/home/u/.local/share/hearth", "/run/user/1000/hearth/hearth.sock", "/run/user/1000/hearth"},
		{"no runtime dir falls back to state", nil, "",
			"/home/u/.local/share/hearth", "/home/u/.local/state/hearth/run/hearth.sock", "/home/u/.local/state/hearth/run"},
		{"env XDG wins", map[string]string{"XDG_DATA_HOME": "/d", "XDG_RUNTIME_DIR": "/r", "XDG_STATE_HOME": "/s"}, "",
			"/d/hearth", "/r/hearth/hearth.sock", "/r/hearth"},
		{"env state home used without runtime dir", map[string]string{"XDG_STATE_HOME": "/s"}, "",
			"/home/u/.local/share/hearth", "/s/hearth/run/hearth.sock", "/s/hearth/run"},
		{"relative XDG values ignored", map[string]string{"XDG_DATA_HOME": "rel", "XDG_RUNTIME_DIR": "rel"}, "/run/user/1000",
			"/home/u/.local/share/hearth", "/run/user/1000/hearth/hearth.sock", "/run/user/1000/hearth"},
		{"empty XDG values ignored", map[string]string{"XDG_RUNTIME_DIR": ""}, "",
			"/home/u/.local/share/hearth", "/home/u/.local/state/hearth/run/hearth.sock", "/home/u/.local/state/hearth/run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys := fakeDirs(t.TempDir())
			sys.runtimeDir = tt.sysRuntime
			env := tt.env
			if env == nil {
				env = map[string]string{}
			}
			c, err := load(MapEnv(env), nil, sys, "linux")
			if err != nil {
				t.Fatal(err)
			}
			if c.DataDir != tt.wantData || c.Socket != tt.wantSock || c.RuntimeDir != tt.wantRT {
				t.Errorf("got data=%q sock=%q rt=%q", c.DataDir, c.Socket, c.RuntimeDir)
			}
		})
	}
}

// TestPrecedence checks default < file < env < flag for every key that has
// all four layers.
func TestPrecedence(t *testing.T) {
	type key struct {
		file, flag, env string
		get             func(Config) string
		def             string
		vals            [3]string // file, env, flag values (as written)
		want            [3]string // resolved values
	}
	keys := []key{
		{"data_dir", "data-dir", "HEARTH_DATA_DIR", func(c Config) string { return c.DataDir }, "/home/u/.local/share/hearth",
			[3]string{"/f", "/e", "/g"}, [3]string{"/f", "/e", "/g"}},
		{"socket", "socket", "HEARTH_SOCKET", func(c Config) string { return c.Socket }, "/run/user/1000/hearth/hearth.sock",
			[3]string{"/f.sock", "/e.sock", "~/g.sock"}, [3]string{"/f.sock", "/e.sock", "/home/u/g.sock"}},
		{"listen", "listen", "HEARTH_LISTEN", func(c Config) string { return c.Listen }, "127.0.0.1:0",
			[3]string{"127.0.0.1:1", "[::1]:2", "OFF"}, [3]string{"127.0.0.1:1", "[::1]:2", "off"}},
		{"provider", "provider", "HEARTH_PROVIDER", func(c Config) string { return c.Provider }, "openai",
			[3]string{"ollama", "openai", "Ollama"}, [3]string{"ollama", "openai", "ollama"}},
		{"provider_url", "provider-url", "HEARTH_PROVIDER_URL", func(c Config) string { return c.ProviderURL }, "http://127.0.0.1:11434/v1",
			[3]string{"http://f/v1", "https://e/v1/", "http://g:1/v1"}, [3]string{"http://f/v1", "https://e/v1", "http://g:1/v1"}},
		{"model", "model", "HEARTH_MODEL", func(c Config) string { return c.Model }, "",
			[3]string{"f", "e", "g"}, [3]string{"f", "e", "g"}},
		{"api_key", "api-key", "HEARTH_API_KEY", func(c Config) string { return c.APIKey }, "",
			[3]string{"kf", "ke", "kg"}, [3]string{"kf", "ke", "kg"}},
		{"token", "token", "HEARTH_TOKEN", func(c Config) string { return c.Token }, "",
			[3]string{"tf", "te", "tg"}, [3]string{"tf", "te", "tg"}},
		{"log_level", "log-level", "HEARTH_LOG_LEVEL", func(c Config) string { return c.LogLevel }, "info",
			[3]string{"debug", "WARN", "error"}, [3]string{"debug", "warn", "error"}},
	}
	for _, k := range keys {
		file := k.file + " = " + tomlQuote(k.vals[0]) + "\n"
		env := map[string]string{k.env: k.vals[1]}
		flags := []string{"--" + k.flag, k.vals[2]}
		cases := []struct {
			layer string
			lc    loadCase
			want  string
		}{
			{"default", loadCase{}, k.def},
			{"file", loadCase{file: file}, k.want[0]},
			{"env over file", loadCase{file: file, env: env}, k.want[1]},
			{"flag over env", loadCase{file: file, env: env, flags: flags}, k.want[2]},
			{"flag over file", loadCase{file: file, flags: flags}, k.want[2]},
		}
		for _, tc := range cases {
			t.Run(k.file+"/"+tc.layer, func(t *testing.T) {
				c, err := loadWith(t, tc.lc, "linux")
				if err != nil {
					t.Fatal(err)
				}
				if got := k.get(c); got != tc.want {
					t.Errorf("got %q, want %q", got, tc.want)
				}
			})
		}
	}
}

func TestPrecedenceAllowRemote(t *testing.T) {
	tests := []struct {
		name string
		lc   loadCase
		want bool
	}{
		{"default", loadCase{}, false},
		{"file", loadCase{file: "allow_remote = true\n"}, true},
		{"env yes over file", loadCase{file: "allow_remote = false\n", env: map[string]string{"HEARTH_ALLOW_REMOTE": "yes"}}, true},
		{"env 0 over file", loadCase{file: "allow_remote = true\n", env: map[string]string{"HEARTH_ALLOW_REMOTE": "0"}}, false},
		{"env TRUE", loadCase{env: map[string]string{"HEARTH_ALLOW_REMOTE": "TRUE"}}, true},
		{"flag over env", loadCase{env: map[string]string{"HEARTH_ALLOW_REMOTE": "no"}, flags: []string{"--allow-remote"}}, true},
		{"flag false over env", loadCase{env: map[string]string{"HEARTH_ALLOW_REMOTE": "1"}, flags: []string{"--allow-remote=false"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWith(t, tt.lc, "linux")
			if err != nil {
				t.Fatal(err)
			}
			if c.AllowRemote != tt.want {
				t.Errorf("AllowRemote = %v, want %v", c.AllowRemote, tt.want)
			}
		})
	}
	_, err := loadWith(t, loadCase{env: map[string]string{"HEARTH_ALLOW_REMOTE": "maybe"}}, "linux")
	if err == nil || !strings.Contains(err.Error(), "HEARTH_ALLOW_REMOTE") {
		t.Errorf("bad bool: err = %v", err)
	}
}

func TestProviderURLSources(t *testing.T) {
	tests := []struct {
		name string
		lc   loadCase
		want string
	}{
		{"default openai", loadCase{}, "http://127.0.0.1:11434/v1"},
		{"default ollama", loadCase{flags: []string{"--provider", "ollama"}}, "http://127.0.0.1:11434"},
		{"OLLAMA_HOST host:port openai", loadCase{env: map[string]string{"OLLAMA_HOST": "gpu.lan:9999"}}, "http://gpu.lan:9999/v1"},
		{"OLLAMA_HOST host:port ollama", loadCase{env: map[string]string{"OLLAMA_HOST": "gpu.lan:9999", "HEARTH_PROVIDER": "ollama"}}, "http://gpu.lan:9999"},
		{"OLLAMA_HOST host only", loadCase{env: map[string]string{"OLLAMA_HOST": "gpu.lan"}}, "http://gpu.lan:11434/v1"},
		{"OLLAMA_HOST :port", loadCase{env: map[string]string{"OLLAMA_HOST": ":7000"}}, "http://127.0.0.1:7000/v1"},
		{"OLLAMA_HOST bind-all", loadCase{env: map[string]string{"OLLAMA_HOST": "0.0.0.0"}}, "http://127.0.0.1:11434/v1"},
		{"OLLAMA_HOST ipv6 bind-all", loadCase{env: map[string]string{"OLLAMA_HOST": "[::]:11434"}}, "http://[::1]:11434/v1"},
		{"OLLAMA_HOST url", loadCase{env: map[string]string{"OLLAMA_HOST": "https://ollama.example.com"}}, "https://ollama.example.com:443/v1"},
		{"OLLAMA_HOST url with port and path", loadCase{env: map[string]string{"OLLAMA_HOST": "http://10.0.0.2:8080/ollama/"}}, "http://10.0.0.2:8080/ollama/v1"},
		{"file beats OLLAMA_HOST", loadCase{file: `provider_url = "http://file:1/v1"`, env: map[string]string{"OLLAMA_HOST": "gpu.lan"}}, "http://file:1/v1"},
		{"OPENAI_BASE_URL beats file", loadCase{file: `provider_url = "http://file:1/v1"`, env: map[string]string{"OPENAI_BASE_URL": "https://api.example.com/v1"}}, "https://api.example.com/v1"},
		{"HEARTH_PROVIDER_URL beats OPENAI_BASE_URL", loadCase{env: map[string]string{
			"OPENAI_BASE_URL": "https://api.example.com/v1", "HEARTH_PROVIDER_URL": "http://h:2/v1", "OLLAMA_HOST": "x"}}, "http://h:2/v1"},
		{"flag beats everything", loadCase{env: map[string]string{"OPENAI_BASE_URL": "https://a/v1", "HEARTH_PROVIDER_URL": "http://h/v1"},
			flags: []string{"--provider-url", "http://flag/v1"}}, "http://flag/v1"},
		{"OPENAI_BASE_URL ignored for ollama", loadCase{env: map[string]string{"OPENAI_BASE_URL": "https://api.example.com/v1", "HEARTH_PROVIDER": "ollama"}}, "http://127.0.0.1:11434"},
		{"empty env is unset", loadCase{env: map[string]string{"HEARTH_PROVIDER_URL": "", "OPENAI_BASE_URL": "http://o/v1"}}, "http://o/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWith(t, tt.lc, "linux")
			if err != nil {
				t.Fatal(err)
			}
			if c.ProviderURL != tt.want {
				t.Errorf("ProviderURL = %q, want %q", c.ProviderURL, tt.want)
			}
		})
	}
}

func TestAPIKeySources(t *testing.T) {
	tests := []struct {
		name string
		lc   loadCase
		want string
	}{
		{"OPENAI_API_KEY with OPENAI_BASE_URL", loadCase{env: map[string]string{"OPENAI_API_KEY": "o", "OPENAI_BASE_URL": "https://api.example.com/v1"}}, "o"},
		{"OPENAI_API_KEY beats file", loadCase{file: `api_key = "f"`, env: map[string]string{"OPENAI_API_KEY": "o", "OPENAI_BASE_URL": "https://api.example.com/v1"}}, "o"},
		{"HEARTH_API_KEY beats OPENAI_API_KEY", loadCase{env: map[string]string{"OPENAI_API_KEY": "o", "HEARTH_API_KEY": "h", "OPENAI_BASE_URL": "https://api.example.com/v1"}}, "h"},
		{"OPENAI_API_KEY not sent to ollama", loadCase{env: map[string]string{"OPENAI_API_KEY": "o", "HEARTH_PROVIDER": "ollama"}}, ""},
		{"empty flag clears env", loadCase{env: map[string]string{"HEARTH_API_KEY": "h"}, flags: []string{"--api-key="}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWith(t, tt.lc, "linux")
			if err != nil {
				t.Fatal(err)
			}
			if c.APIKey != tt.want {
				t.Errorf("APIKey = %q, want %q", c.APIKey, tt.want)
			}
		})
	}
}

func TestConfigFileLocation(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.toml"), filepath.Join(dir, "b.toml")
	writeFile(t, a, `model = "from-a"`)
	writeFile(t, b, `model = "from-b"`)
	sys := fakeDirs(filepath.Join(dir, "nowhere"))

	c, err := load(MapEnv(map[string]string{"HEARTH_CONFIG": a}), nil, sys, "linux")
	if err != nil || c.Model != "from-a" || c.ConfigFile != a {
		t.Fatalf("HEARTH_CONFIG: model=%q file=%q err=%v", c.Model, c.ConfigFile, err)
	}
	c, err = load(MapEnv(map[string]string{"HEARTH_CONFIG": a}), &Overrides{ConfigFile: &b}, sys, "linux")
	if err != nil || c.Model != "from-b" || c.ConfigFile != b {
		t.Fatalf("--config: model=%q file=%q err=%v", c.Model, c.ConfigFile, err)
	}
	missing := filepath.Join(dir, "missing.toml")
	c, err = load(MapEnv(map[string]string{"HEARTH_CONFIG": missing}), nil, sys, "linux")
	if err != nil || c.ConfigFile != missing {
		t.Fatalf("missing file must be fine: file=%q err=%v", c.ConfigFile, err)
	}
	c, err = load(MapEnv(map[string]string{"XDG_CONFIG_HOME": dir}), nil, sys, "linux")
	if err != nil || c.ConfigFile != filepath.Join(dir, "hearth", "config.toml") {
		t.Fatalf("XDG_CONFIG_HOME: file=%q err=%v", c.ConfigFile, err)
	}
}

func TestFileKeys(t *testing.T) {
	c, err := loadWith(t, loadCase{file: `
data_dir = "~/hearth-data"
ws_read_limit = 1048576
[media]
max_images = 2
max_image_bytes = 1000
max_videos = 3
max_video_bytes = 2000
`}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/home/u/hearth-data" {
		t.Errorf("DataDir = %q", c.DataDir)
	}
	if want := (MediaLimits{2, 1000, 3, 2000, DefaultMaxDocuments, DefaultMaxDocumentBytes}); c.Media != want || c.WSReadLimit != 1<<20 {
		t.Errorf("media = %+v ws = %d", c.Media, c.WSReadLimit)
	}
	// Inline tables are the same keys.
	c, err = loadWith(t, loadCase{file: "media = { max_videos = 2 }\n"}, "linux")
	if err != nil || c.Media.MaxVideos != 2 || c.Media.MaxImages != DefaultMaxImages {
		t.Errorf("inline media: %+v %v", c.Media, err)
	}
}

func TestFileErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string
	}{
		{"syntax error names line", "model = \"m\"\n\nlisten = \n", []string{"config.toml: line 3:", "expected value"}},
		{"unterminated string", "model = \"m\n", []string{"config.toml: line 1:"}},
		{"unknown key", "modle = \"m\"\n", []string{"config.toml", `unknown key "modle"`}},
		{"unknown keys listed", "a = 1\n[media]\nmax_image = 2\n", []string{`unknown keys "a", "media.max_image"`}},
		{"keys are case sensitive", "Data_Dir = \"/x\"\n", []string{`unknown key "Data_Dir"`}},
		{"unknown table", "[server]\nport = 1\n", []string{`"server"`}},
		{"wrong type names line", "model = \"m\"\n[media]\nmax_images = \"four\"\n", []string{"config.toml", "line 3", "media.max_images"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadWith(t, loadCase{file: tt.file}, "linux")
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestValidation(t *testing.T) {
	long := "/" + strings.Repeat("s", 110) + ".sock"
	mid := "/" + strings.Repeat("s", 99) + ".sock" // 105 bytes: fine on linux, too long on darwin
	tests := []struct {
		name string
		lc   loadCase
		goos string
		want []string // substrings; nil = valid
	}{
		{"relative socket", loadCase{flags: []string{"--socket", "run/h.sock"}}, "linux", []string{`socket path "run/h.sock" must be absolute`, "--socket"}},
		{"socket too long linux", loadCase{env: map[string]string{"HEARTH_SOCKET": long}}, "linux", []string{"116 bytes", "107-byte limit", "--socket", "HEARTH_SOCKET"}},
		{"socket fits linux", loadCase{env: map[string]string{"HEARTH_SOCKET": mid}}, "linux", nil},
		{"socket too long darwin", loadCase{env: map[string]string{"HEARTH_SOCKET": mid}}, "darwin", []string{"105 bytes", "103-byte limit"}},
		{"default socket too long", loadCase{env: map[string]string{"XDG_RUNTIME_DIR": "/" + strings.Repeat("r", 100)}}, "linux", []string{"socket path", "limit", "(from default)"}},
		{"bad provider", loadCase{file: `provider = "anthropic"`}, "linux", []string{`provider "anthropic" is not supported`, "config file"}},
		{"provider url scheme", loadCase{flags: []string{"--provider-url", "ftp://x/v1"}}, "linux", []string{"must start with http:// or https://", "--provider-url"}},
		{"provider url no host", loadCase{flags: []string{"--provider-url", "http:///v1"}}, "linux", []string{"has no host"}},
		{"provider url garbage", loadCase{flags: []string{"--provider-url", "127.0.0.1:11434"}}, "linux", []string{"provider URL"}},
		{"provider url from OLLAMA_HOST", loadCase{env: map[string]string{"OLLAMA_HOST": "tcp://x"}}, "linux", []string{"(from OLLAMA_HOST)"}},
		{"listen not host:port", loadCase{flags: []string{"--listen", "8080"}}, "linux", []string{`listen address "8080" must be host:port or "off"`}},
		{"listen bad port", loadCase{flags: []string{"--listen", "127.0.0.1:99999"}}, "linux", []string{"invalid port"}},
		{"listen named port", loadCase{flags: []string{"--listen", "127.0.0.1:http"}}, "linux", []string{"invalid port"}},
		{"listen localhost ok", loadCase{flags: []string{"--listen", "localhost:8080"}}, "linux", nil},
		{"listen 127.1.2.3 ok", loadCase{flags: []string{"--listen", "127.1.2.3:0"}}, "linux", nil},
		{"listen ::1 ok", loadCase{flags: []string{"--listen", "[::1]:0"}}, "linux", nil},
		{"listen off ok", loadCase{env: map[string]string{"HEARTH_LISTEN": "off"}}, "linux", nil},
		{"remote needs both", loadCase{flags: []string{"--listen", "0.0.0.0:8080"}}, "linux", []string{"not loopback", "--allow-remote", "--token"}},
		{"remote all interfaces", loadCase{flags: []string{"--listen", ":8080", "--token", "t"}}, "linux", []string{"not loopback", "--allow-remote"}},
		{"remote needs token", loadCase{flags: []string{"--listen", "192.168.1.5:8080", "--allow-remote"}}, "linux", []string{"a fixed --token", "not loopback"}},
		{"remote needs allow", loadCase{env: map[string]string{"HEARTH_LISTEN": "10.0.0.1:80", "HEARTH_TOKEN": "secret"}}, "linux", []string{"--allow-remote (HEARTH_ALLOW_REMOTE=1)"}},
		{"remote hostname", loadCase{flags: []string{"--listen", "myhost:80"}}, "linux", []string{"not loopback"}},
		{"remote allowed", loadCase{flags: []string{"--listen", "0.0.0.0:8080", "--allow-remote", "--token", "s3cret"}}, "linux", nil},
		{"token with space", loadCase{flags: []string{"--token", "a b"}}, "linux", []string{"token must not contain spaces"}},
		{"log level", loadCase{env: map[string]string{"HEARTH_LOG_LEVEL": "verbose"}}, "linux", []string{`log level "verbose"`, "HEARTH_LOG_LEVEL"}},
		{"media zero", loadCase{file: "[media]\nmax_images = 0\n"}, "linux", []string{"media.max_images must be positive, got 0"}},
		{"media negative bytes", loadCase{file: "[media]\nmax_video_bytes = -1\n"}, "linux", []string{"media.max_video_bytes must be positive"}},
		{"ws read limit", loadCase{file: "ws_read_limit = 0\n"}, "linux", []string{"ws_read_limit must be positive"}},
		{"empty data dir", loadCase{flags: []string{"--data-dir", ""}}, "linux", []string{"data dir is empty", "--data-dir"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadWith(t, tt.lc, tt.goos)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestValidationReportsEveryProblemOnItsOwnLine(t *testing.T) {
	_, err := loadWith(t, loadCase{flags: []string{"--provider", "x", "--log-level", "loud"}}, "linux")
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", err)
	}
}

func TestSocketPathLimit(t *testing.T) {
	for goos, want := range map[string]int{"linux": 107, "darwin": 103, "freebsd": 103, "windows": 107} {
		if got := socketPathLimit(goos); got != want {
			t.Errorf("%s: %d, want %d", goos, got, want)
		}
	}
}

func TestOllamaBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "http://127.0.0.1:11434",
		"127.0.0.1":                "http://127.0.0.1:11434",
		"example.com:1234":         "http://example.com:1234",
		"[::1]":                    "http://[::1]:11434",
		"::1":                      "http://[::1]:11434",
		"http://example.com":       "http://example.com:80",
		"https://example.com:8443": "https://example.com:8443",
		"example.com:notaport":     "http://example.com:11434",
		"  0.0.0.0:11434 ":         "http://127.0.0.1:11434",
	} {
		if got := ollamaBaseURL(in); got != want {
			t.Errorf("ollamaBaseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRegisterFlagsHelp(t *testing.T) {
	fs := flag.NewFlagSet("hearth", flag.ContinueOnError)
	var out strings.Builder
	fs.SetOutput(&out)
	RegisterFlags(fs)
	fs.PrintDefaults()
	for _, name := range []string{"data-dir", "socket", "listen", "provider-url", "model", "api-key", "provider",
		"allow-remote", "token", "log-level", "config"} {
		if !strings.Contains(out.String(), "-"+name) {
			t.Errorf("help lacks -%s", name)
		}
	}
	if err := fs.Parse([]string{"--allow-remote=maybe"}); err == nil {
		t.Error("--allow-remote=maybe accepted")
	}
}

func TestLoadNilArgs(t *testing.T) {
	// Production entry point: only checks it runs against the real system
	// without panicking; the result depends on the machine.
	_, _ = Load(MapEnv(map[string]string{"HEARTH_CONFIG": filepath.Join(t.TempDir(), "none.toml")}), nil)
}

func TestTurnLimitsFromTheFile(t *testing.T) {
	c, err := loadWith(t, loadCase{file: "max_answer_bytes = 65536\nmax_reasoning_bytes = 1024\n[media]\nimage_turns = 2\n"}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxAnswerBytes != 65536 || c.MaxReasoningBytes != 1024 || c.ImageTurns != 2 {
		t.Fatalf("limits %d %d %d", c.MaxAnswerBytes, c.MaxReasoningBytes, c.ImageTurns)
	}
	for _, bad := range []string{"max_answer_bytes = 0\n", "max_reasoning_bytes = 2000000000\n", "[media]\nimage_turns = -1\n"} {
		if _, err := loadWith(t, loadCase{file: bad}, "linux"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
