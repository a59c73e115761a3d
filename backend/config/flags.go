package config

import (
	"flag"
	"strconv"
)

// Overrides are the command-line values. A nil field was not given, which is
// different from a flag given with an empty value (--api-key "" clears a key
// that the environment would otherwise supply).
type Overrides struct {
	ConfigFile  *string
	DataDir     *string
	Socket      *string
	Listen      *string
	Provider    *string
	ProviderURL *string
	Model       *string
	APIKey      *string
	Token       *string
	LogLevel    *string
	AllowRemote *bool

	ProviderIdleTimeout *string
	// MCPConfig is --mcp-config, the MCP servers file.
	MCPConfig *string
}

// RegisterFlags adds the common flags to fs. The returned Overrides is
// filled in when fs.Parse runs.
func RegisterFlags(fs *flag.FlagSet) *Overrides {
	ov := &Overrides{}
	for _, f := range []struct {
		name  string
		dst   **string
		usage string
	}{
		{"config", &ov.ConfigFile, "`file` to read settings from (env HEARTH_CONFIG; default $XDG_CONFIG_HOME/hearth/config.toml)"},
		{"data-dir", &ov.DataDir, "database and media `directory` (env HEARTH_DATA_DIR; default $XDG_DATA_HOME/hearth)"},
		{"socket", &ov.Socket, "unix socket `path` (env HEARTH_SOCKET; default $XDG_RUNTIME_DIR/hearth/hearth.sock)"},
		{"listen", &ov.Listen, "TCP `address` host:port, or \"off\" (env HEARTH_LISTEN; default " + DefaultListen + ")"},
		{"provider", &ov.Provider, "model server `protocol`: openai|ollama (env HEARTH_PROVIDER; default " + DefaultProvider + ")"},
		{"provider-url", &ov.ProviderURL, "model server base `URL` (env HEARTH_PROVIDER_URL, OPENAI_BASE_URL)"},
		{"model", &ov.Model, "default `model` (env HEARTH_MODEL)"},
		{"api-key", &ov.APIKey, "API `key` of the model server (env HEARTH_API_KEY, OPENAI_API_KEY)"},
		{"provider-idle-timeout", &ov.ProviderIdleTimeout, "how long the model server may send nothing before a turn ends as stalled: a `duration` such as 90s or 5m (env HEARTH_PROVIDER_IDLE_TIMEOUT; default 60s)"},
		{"token", &ov.Token, "fixed access `token` instead of a generated one (env HEARTH_TOKEN)"},
		{"mcp-config", &ov.MCPConfig, "MCP servers `file` (mcpServers JSON) (env HEARTH_MCP_CONFIG; default $XDG_CONFIG_HOME/hearth/mcp.json)"},
		{"log-level", &ov.LogLevel, "log `level`: debug|info|warn|error (env HEARTH_LOG_LEVEL; default " + DefaultLogLevel + ")"},
	} {
		fs.Var(&stringFlag{dst: f.dst}, f.name, f.usage)
	}
	fs.Var(&boolFlag{dst: &ov.AllowRemote}, "allow-remote",
		"permit a non-loopback --listen address; needs a fixed --token (env HEARTH_ALLOW_REMOTE)")
	return ov
}

// stringFlag records whether the flag was given at all, which flag.String
// cannot tell apart from its default.
type stringFlag struct{ dst **string }

func (f *stringFlag) Set(s string) error {
	*f.dst = &s
	return nil
}

// String must cope with the zero value: flag.PrintDefaults builds one by
// reflection to decide whether to print a default.
func (f *stringFlag) String() string {
	if f == nil || f.dst == nil || *f.dst == nil {
		return ""
	}
	return **f.dst
}

type boolFlag struct{ dst **bool }

func (f *boolFlag) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*f.dst = &v
	return nil
}

func (f *boolFlag) String() string {
	if f == nil || f.dst == nil || *f.dst == nil {
		return ""
	}
	return strconv.FormatBool(**f.dst)
}

// IsBoolFlag lets --allow-remote stand without a value.
func (f *boolFlag) IsBoolFlag() bool { return true }
