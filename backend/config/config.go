// Package config resolves Hearth's settings from built-in defaults, the TOML
// config file, the environment and command-line flags, in that order of
// increasing priority, and validates the result before anything listens.
package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/adrg/xdg"
)

// Built-in defaults. Byte sizes are spelled out so the docs can quote them.
const (
	DefaultListen      = "127.0.0.1:0"
	DefaultProvider    = ProviderOpenAI
	DefaultLogLevel    = "info"
	DefaultWSReadLimit = 36 << 20
	// DefaultProviderIdleTimeout is how long the model server may send
	// nothing before a turn ends as stalled.
	DefaultProviderIdleTimeout = 60 * time.Second

	DefaultMaxImages     = 4
	DefaultMaxImageBytes = 8 << 20
	DefaultMaxVideos     = 1
	DefaultMaxVideoBytes = 20 << 20
	// Documents: text files and PDFs whose text goes to the model.
	DefaultMaxDocuments     = 4
	DefaultMaxDocumentBytes = 16 << 20
	// DefaultDocumentChars: how many characters of each document's text the
	// model reads (about 4,000 tokens, which fits the smallest usual
	// context windows beside the chat); the rest is cut with a note.
	DefaultDocumentChars = 16000
	// MaxDocumentChars is the most media.document_chars may be set to.
	MaxDocumentChars = 1 << 20
	// DefaultImageTurns: images of the last this many user messages with
	// images go to the model with each turn.
	DefaultImageTurns = 4
	// DefaultMaxTextBytes caps one answer, and its reasoning, separately.
	DefaultMaxTextBytes = 4 << 20
	// MaxTextBytesLimit is the most either cap may be set to.
	MaxTextBytesLimit = 1 << 30

	ProviderOpenAI = "openai"
	ProviderOllama = "ollama"

	// ListenOff disables the TCP listener; only the unix socket serves.
	ListenOff = "off"

	defaultOllamaHostPort = "127.0.0.1:11434"
	appDir                = "hearth"
)

// MediaLimits mirrors media.Limits field for field, so the composition root
// can convert with media.Limits(cfg.Media) while config stays free of any
// dependency on the media package.
type MediaLimits struct {
	MaxImages        int
	MaxImageBytes    int64
	MaxVideos        int
	MaxVideoBytes    int64
	MaxDocuments     int
	MaxDocumentBytes int64
}

// Config is the resolved, validated configuration of one Hearth process.
type Config struct {
	DataDir string
	Socket  string
	// Listen is a host:port for the TCP listener, or ListenOff.
	Listen string

	Provider    string
	ProviderURL string
	Model       string
	APIKey      string
	// APIKeyNote says why a configured key is not sent to ProviderURL (it
	// belongs to another server), for a warning at start-up; empty otherwise.
	APIKeyNote string
	// ProviderIdleTimeout bounds the model server's silence (headers
	// included) before a turn ends as stalled.
	ProviderIdleTimeout time.Duration
	// MaxAnswerBytes and MaxReasoningBytes cut an answer that grows past
	// them (a looping model): the turn ends with an error, the text is kept.
	MaxAnswerBytes, MaxReasoningBytes int64
	// ImageTurns (media.image_turns in the file): the images of the last
	// this many user messages with images go to the model with each turn.
	ImageTurns int
	// DocumentChars (media.document_chars): the characters of each
	// document's text that go to the model; a longer text is cut, and the
	// model is told so.
	DocumentChars int

	AllowRemote bool
	// Token is a fixed access token; empty means the server generates one
	// per instance.
	Token string

	// RuntimeDir holds endpoint.json of the running instance.
	RuntimeDir string
	// StateDir keeps what outlives a run of this data dir: the generated
	// access token and the last TCP port, so that an open browser tab
	// survives a restart. Empty keeps nothing (a new token and port each
	// start), as for a Config built in code.
	StateDir string
	// NewToken (`hearth serve --new-token`) replaces the stored token at
	// start, which locks out every page and client holding the old one.
	NewToken bool
	// ConfigFile is the file that was read, or would have been if it existed.
	ConfigFile string
	LogLevel   string

	Media       MediaLimits
	WSReadLimit int64
	// Params (the [params] table) are every chat's default sampling
	// parameters.
	Params Params
	// AutoTitles (auto_titles, default true): after a chat's first
	// exchange, the model is asked for a short title.
	AutoTitles bool

	// MCPConfig (mcp_config, --mcp-config, HEARTH_MCP_CONFIG) is the
	// mcpServers file naming the MCP servers Hearth runs.
	MCPConfig string
	// ToolSteps (tool_steps): model requests one turn may make while the
	// model keeps calling tools.
	ToolSteps int
	// ToolResultChars (tool_result_chars): the characters of one tool
	// result the model reads; the rest is cut, with a note.
	ToolResultChars int
	// ApprovalTimeout (approval_timeout): how long a tool call waits for
	// the user before it is denied.
	ApprovalTimeout time.Duration
	// ToolsOff (tools_off): the MCP servers a new chat starts with
	// switched off (each chat can switch them on).
	ToolsOff []string

	// Agents ([[agents]]): the agents Hearth starts itself (command) and
	// the nanobot gateways it bridges to (nanobot_url).
	Agents []AgentConfig

	// sources records where each setting came from (see Source), so that
	// the settings form and error messages follow the precedence Load
	// applied instead of guessing it again.
	sources sources
}

// Env looks up an environment variable; os.LookupEnv in production, a map
// in tests so that no test depends on the developer's environment.
type Env func(key string) (string, bool)

// MapEnv adapts a map to Env, for tests and for callers that build an
// environment programmatically.
func MapEnv(m map[string]string) Env {
	return func(key string) (string, bool) {
		v, ok := m[key]
		return v, ok
	}
}

// DBPath is the SQLite database file.
func (c Config) DBPath() string { return filepath.Join(c.DataDir, "hearth.db") }

// MediaDir holds the content-addressed media files.
func (c Config) MediaDir() string { return filepath.Join(c.DataDir, "media") }

// EndpointFile is where a running instance advertises its socket, URL and
// token to local clients.
func (c Config) EndpointFile() string { return filepath.Join(c.RuntimeDir, "endpoint.json") }

// TokenFile holds the generated access token (mode 0600); empty without a
// StateDir.
func (c Config) TokenFile() string { return c.stateFile("token") }

// PortFile holds the TCP port of the last run, tried first when the listen
// address asks for any port; empty without a StateDir.
func (c Config) PortFile() string { return c.stateFile("last-port") }

func (c Config) stateFile(name string) string {
	if c.StateDir == "" {
		return ""
	}
	return filepath.Join(c.StateDir, name)
}

// Load resolves the configuration: defaults < config file < environment <
// flags. A nil env means os.LookupEnv; a nil ov means no flags were given.
// A missing config file is not an error: every key has a default.
func Load(env Env, ov *Overrides) (Config, error) {
	return load(env, ov, systemBaseDirs(), runtime.GOOS)
}

// load is Load with the operating-system facts injected, so tests never see
// the real home directory or the real XDG runtime dir.
func load(env Env, ov *Overrides, sys baseDirs, goos string) (Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	if ov == nil {
		ov = &Overrides{}
	}
	dirs := resolveBaseDirs(env, sys)

	path, err := configPath(env, ov, dirs)
	if err != nil {
		return Config{}, err
	}
	fc, err := readFile(path)
	if err != nil {
		return Config{}, err
	}
	cfg, err := resolve(env, ov, fc, dirs, path)
	if err != nil {
		return Config{}, err
	}
	if err := validate(cfg, goos); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// configPath picks the config file: --config, then HEARTH_CONFIG, then the
// XDG location.
func configPath(env Env, ov *Overrides, dirs baseDirs) (string, error) {
	p := filepath.Join(dirs.configHome, appDir, "config.toml")
	if v, ok := lookup(env, "HEARTH_CONFIG"); ok {
		p = v
	}
	if ov.ConfigFile != nil {
		p = *ov.ConfigFile
	}
	if p == "" {
		return "", errors.New("config: the config file path is empty (--config / HEARTH_CONFIG)")
	}
	p = expandHome(p, dirs.home)
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("config: config file path %q: %w", p, err)
	}
	return abs, nil
}

// baseDirs are the XDG base directories Hearth derives its paths from.
// runtimeDir is empty when the system offers none.
type baseDirs struct {
	home, dataHome, configHome, stateHome, runtimeDir string
}

// systemBaseDirs asks adrg/xdg, which knows the per-OS conventions. Its
// runtime dir on Linux is a guess (/run/user/UID) that may not exist, e.g. in
// containers or under su; a socket there would fail, so a missing one counts
// as "no runtime dir" and Hearth falls back to the state dir.
func systemBaseDirs() baseDirs {
	rt := xdg.RuntimeDir
	if fi, err := os.Stat(rt); err != nil || !fi.IsDir() {
		rt = ""
	}
	return baseDirs{
		home:       xdg.Home,
		dataHome:   xdg.DataHome,
		configHome: xdg.ConfigHome,
		stateHome:  xdg.StateHome,
		runtimeDir: rt,
	}
}

// resolveBaseDirs lets the injected environment win over the system values.
// The XDG spec says relative paths in these variables are invalid and must
// be ignored.
func resolveBaseDirs(env Env, sys baseDirs) baseDirs {
	d := sys
	for _, e := range []struct {
		key string
		dst *string
	}{
		{"HOME", &d.home},
		{"XDG_DATA_HOME", &d.dataHome},
		{"XDG_CONFIG_HOME", &d.configHome},
		{"XDG_STATE_HOME", &d.stateHome},
		{"XDG_RUNTIME_DIR", &d.runtimeDir},
	} {
		if v, ok := lookup(env, e.key); ok && filepath.IsAbs(v) {
			*e.dst = v
		}
	}
	return d
}

// hearthRuntimeDir is where the socket and endpoint.json live by default.
func (d baseDirs) hearthRuntimeDir() string {
	if d.runtimeDir != "" {
		return filepath.Join(d.runtimeDir, appDir)
	}
	return filepath.Join(d.stateHome, appDir, "run")
}

// hearthStateDir is the state dir of dataDir. The default data dir has the
// plain $XDG_STATE_HOME/hearth; any other gets a subdirectory named by its
// path, so that two Hearths on two data dirs never share a token or fight
// over one remembered port.
func (d baseDirs) hearthStateDir(dataDir string) string {
	base := filepath.Join(d.stateHome, appDir)
	if dataDir == filepath.Join(d.dataHome, appDir) {
		return base
	}
	sum := sha256.Sum256([]byte(dataDir))
	return filepath.Join(base, "data-"+hex.EncodeToString(sum[:6]))
}

// isNotExist is separated so file.go and tests agree on what "missing" means.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
