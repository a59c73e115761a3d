package config

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// resolver applies one precedence order to every key and records in src
// where each value came from, so that a validation error can point at the
// place to fix and the settings form can tell a saved value from one the
// command line or the environment supplied.
type resolver struct {
	env  Env
	file string // path of the config file
	src  *sources
}

func (r resolver) fromFile() Source { return Source{Layer: LayerFile, Name: r.file} }

// str returns the first value present in flag, env keys (in order), file,
// default.
func (r resolver) str(key, flagName string, flag *string, envKeys []string, file *string, def string, defFrom Source) string {
	if flag != nil {
		r.src.set(key, Source{Layer: LayerFlag, Name: "--" + flagName})
		return *flag
	}
	for _, k := range envKeys {
		if v, ok := lookup(r.env, k); ok {
			r.src.set(key, Source{Layer: LayerEnv, Name: k})
			return v
		}
	}
	if file != nil {
		r.src.set(key, r.fromFile())
		return *file
	}
	r.src.set(key, defFrom)
	return def
}

func (r resolver) num(key string, file *int64, def int64) int64 {
	if file != nil {
		r.src.set(key, r.fromFile())
		return *file
	}
	r.src.set(key, Source{})
	return def
}

// resolve merges the layers; it does no I/O and judges nothing but the
// syntax of boolean environment values (validate judges the rest).
func resolve(env Env, ov *Overrides, fc fileConfig, dirs baseDirs, cfgPath string) (Config, error) {
	c := Config{ConfigFile: cfgPath, RuntimeDir: dirs.hearthRuntimeDir()}
	r := resolver{env: env, file: cfgPath, src: &c.sources}

	c.DataDir = r.str("data_dir", "data-dir", ov.DataDir, []string{"HEARTH_DATA_DIR"}, fc.DataDir,
		filepath.Join(dirs.dataHome, appDir), Source{})
	if c.DataDir = expandHome(strings.TrimSpace(c.DataDir), dirs.home); c.DataDir != "" {
		if abs, err := filepath.Abs(c.DataDir); err == nil {
			c.DataDir = abs
		}
	}
	c.StateDir = dirs.hearthStateDir(c.DataDir)

	// The socket is not made absolute here: a relative socket path would
	// follow the working directory, so validate rejects it instead.
	c.Socket = r.str("socket", "socket", ov.Socket, []string{"HEARTH_SOCKET"}, fc.Socket,
		filepath.Join(c.RuntimeDir, "hearth.sock"), Source{})
	c.Socket = expandHome(strings.TrimSpace(c.Socket), dirs.home)

	c.Listen = strings.TrimSpace(r.str("listen", "listen", ov.Listen, []string{"HEARTH_LISTEN"}, fc.Listen,
		DefaultListen, Source{}))
	if strings.EqualFold(c.Listen, ListenOff) {
		c.Listen = ListenOff
	}

	r.provider(ov, fc, &c)

	switch v, ok := lookup(env, "HEARTH_PROVIDER_IDLE_TIMEOUT"); {
	case ov.ProviderIdleTimeout != nil:
		d, err := parseDuration(*ov.ProviderIdleTimeout)
		if err != nil {
			return Config{}, fmt.Errorf("config: --provider-idle-timeout: %w", err)
		}
		c.ProviderIdleTimeout = d
		r.src.set("provider_idle_timeout", Source{Layer: LayerFlag, Name: "--provider-idle-timeout"})
	case ok:
		d, err := parseDuration(v)
		if err != nil {
			return Config{}, fmt.Errorf("config: HEARTH_PROVIDER_IDLE_TIMEOUT: %w", err)
		}
		c.ProviderIdleTimeout = d
		r.src.set("provider_idle_timeout", Source{Layer: LayerEnv, Name: "HEARTH_PROVIDER_IDLE_TIMEOUT"})
	case fc.ProviderIdleTimeout != nil:
		c.ProviderIdleTimeout = fc.ProviderIdleTimeout.d
		r.src.set("provider_idle_timeout", r.fromFile())
	default:
		c.ProviderIdleTimeout = DefaultProviderIdleTimeout
		r.src.set("provider_idle_timeout", Source{})
	}
	c.Token = r.str("token", "token", ov.Token, []string{"HEARTH_TOKEN"}, fc.Token, "", Source{})
	c.LogLevel = strings.ToLower(strings.TrimSpace(r.str("log_level", "log-level", ov.LogLevel,
		[]string{"HEARTH_LOG_LEVEL"}, fc.LogLevel, DefaultLogLevel, Source{})))

	switch v, ok := lookup(env, "HEARTH_ALLOW_REMOTE"); {
	case ov.AllowRemote != nil:
		c.AllowRemote = *ov.AllowRemote
		r.src.set("allow_remote", Source{Layer: LayerFlag, Name: "--allow-remote"})
	case ok:
		b, err := parseEnvBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("config: HEARTH_ALLOW_REMOTE: %w", err)
		}
		c.AllowRemote = b
		r.src.set("allow_remote", Source{Layer: LayerEnv, Name: "HEARTH_ALLOW_REMOTE"})
	case fc.AllowRemote != nil:
		c.AllowRemote = *fc.AllowRemote
		r.src.set("allow_remote", r.fromFile())
	default:
		r.src.set("allow_remote", Source{})
	}

	m := fc.Media
	if m == nil {
		m = &fileMedia{}
	}
	c.Media = MediaLimits{
		MaxImages:     int(r.num("media.max_images", m.MaxImages, DefaultMaxImages)),
		MaxImageBytes: r.num("media.max_image_bytes", m.MaxImageBytes, DefaultMaxImageBytes),
		MaxVideos:     int(r.num("media.max_videos", m.MaxVideos, DefaultMaxVideos)),
		MaxVideoBytes: r.num("media.max_video_bytes", m.MaxVideoBytes, DefaultMaxVideoBytes),

		MaxDocuments:     int(r.num("media.max_documents", m.MaxDocuments, DefaultMaxDocuments)),
		MaxDocumentBytes: r.num("media.max_document_bytes", m.MaxDocumentBytes, DefaultMaxDocumentBytes),
	}
	c.ImageTurns = int(r.num("media.image_turns", m.ImageTurns, DefaultImageTurns))
	c.DocumentChars = int(r.num("media.document_chars", m.DocumentChars, DefaultDocumentChars))
	c.MaxAnswerBytes = r.num("max_answer_bytes", fc.MaxAnswerBytes, DefaultMaxTextBytes)
	c.MaxReasoningBytes = r.num("max_reasoning_bytes", fc.MaxReasoningBytes, DefaultMaxTextBytes)
	c.WSReadLimit = r.num("ws_read_limit", fc.WSReadLimit, DefaultWSReadLimit)
	c.Params = r.resolveParams(fc.Params)
	c.AutoTitles = r.autoTitles(fc.AutoTitles)
	r.tools(ov, fc, dirs, &c)
	r.agents(fc, dirs, &c)
	return c, nil
}

// provider resolves the settings the settings form edits (provider,
// provider_url, model, api_key) into c. It is apart because a save of the
// form runs it again over the new file (Config.withFile), so that what
// Hearth uses after a save is what it would use after a restart.
func (r resolver) provider(ov *Overrides, fc fileConfig, c *Config) {
	c.Provider = strings.ToLower(strings.TrimSpace(r.str("provider", "provider", ov.Provider,
		[]string{"HEARTH_PROVIDER"}, fc.Provider, DefaultProvider, Source{})))

	// OPENAI_* variables describe an OpenAI-compatible endpoint; handing
	// them to the native Ollama protocol would send a /v1 URL (and an
	// OpenAI key) where they do not belong.
	urlEnv := []string{"HEARTH_PROVIDER_URL"}
	if c.Provider == ProviderOpenAI {
		urlEnv = append(urlEnv, "OPENAI_BASE_URL")
	}
	defURL, defURLFrom := defaultProviderURL(c.Provider, r.env)
	c.ProviderURL = r.str("provider_url", "provider-url", ov.ProviderURL, urlEnv, fc.ProviderURL, defURL, defURLFrom)
	c.ProviderURL = strings.TrimRight(strings.TrimSpace(c.ProviderURL), "/")

	c.Model = strings.TrimSpace(r.str("model", "model", ov.Model, []string{"HEARTH_MODEL"}, fc.Model, "", Source{}))
	c.APIKey, c.APIKeyNote = r.apiKey(ov, fc, *c, fileKeyServer(fc, defURL))
}

// fileKeyServer is the server an api_key in the file belongs to: the
// file's provider_url, or the default server when the file names none.
func fileKeyServer(fc fileConfig, defURL string) string {
	if fc.ProviderURL != nil {
		return strings.TrimSpace(*fc.ProviderURL)
	}
	return defURL
}

// lookup treats an empty variable as unset: launchers and compose files
// often export VAR= for "not configured".
func lookup(env Env, key string) (string, bool) {
	v, ok := env(key)
	if !ok || strings.TrimSpace(v) == "" {
		return "", false
	}
	return v, true
}

func parseEnvBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (use 1/true/yes or 0/false/no)", v)
}

// parseDuration reads a Go duration ("90s", "5m", "1h30m") or a bare number
// of seconds.
func parseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (use e.g. 90s, 5m or a number of seconds)", v)
	}
	return d, nil
}

// expandHome expands a leading "~/" the way a shell would have, for values
// that come from the config file or a quoted flag.
func expandHome(p, home string) string {
	if home == "" {
		return p
	}
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}

// defaultProviderURL is the local Ollama server, moved by OLLAMA_HOST when
// set. Ollama serves its OpenAI-compatible API under /v1.
func defaultProviderURL(provider string, env Env) (url string, from Source) {
	base := "http://" + defaultOllamaHostPort
	if v, ok := lookup(env, "OLLAMA_HOST"); ok {
		base, from = ollamaBaseURL(v), Source{Layer: LayerDefault, Name: "OLLAMA_HOST"}
	}
	if provider == ProviderOllama {
		return base, from
	}
	return base + "/v1", from
}

// ollamaBaseURL interprets OLLAMA_HOST as Ollama's own client does
// (host, host:port, :port or a URL; port 11434 unless a scheme implies one),
// except that a bind-all address, which is meaningful for the server but not
// as a destination, becomes loopback.
func ollamaBaseURL(s string) string {
	s = strings.TrimSpace(s)
	defPort := "11434"
	scheme, hostport, hasScheme := strings.Cut(s, "://")
	if !hasScheme {
		scheme, hostport = "http", s
	} else {
		scheme = strings.ToLower(scheme)
		switch scheme {
		case "http":
			defPort = "80"
		case "https":
			defPort = "443"
		}
	}
	hostport, path, _ := strings.Cut(hostport, "/")
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]"), defPort
	}
	if !validPort(port) {
		port = defPort
	}
	switch addr, err := netip.ParseAddr(host); {
	case host == "":
		host = "127.0.0.1"
	case err == nil && addr.IsUnspecified() && addr.Is4():
		host = "127.0.0.1"
	case err == nil && addr.IsUnspecified():
		host = "::1"
	}
	u := scheme + "://" + net.JoinHostPort(host, port)
	if path = strings.Trim(path, "/"); path != "" {
		u += "/" + path
	}
	return u
}
