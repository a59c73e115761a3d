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

// sources names where each setting came from ("--socket", "HEARTH_SOCKET",
// "config file …", "default"), so a validation error can point at the place
// to fix instead of leaving the user to guess among four layers.
type sources map[string]string

// resolver applies one precedence order to every key.
type resolver struct {
	env      Env
	fileFrom string
	src      sources
}

// str returns the first value present in flag, env keys (in order), file,
// default.
func (r resolver) str(key, flagName string, flag *string, envKeys []string, file *string, def, defFrom string) string {
	if flag != nil {
		r.src[key] = "--" + flagName
		return *flag
	}
	for _, k := range envKeys {
		if v, ok := lookup(r.env, k); ok {
			r.src[key] = k
			return v
		}
	}
	if file != nil {
		r.src[key] = r.fileFrom
		return *file
	}
	r.src[key] = defFrom
	return def
}

func (r resolver) num(key string, file *int64, def int64) int64 {
	if file != nil {
		r.src[key] = r.fileFrom
		return *file
	}
	r.src[key] = "default"
	return def
}

// resolve merges the layers; it does no I/O and judges nothing but the
// syntax of boolean environment values (validate judges the rest).
func resolve(env Env, ov *Overrides, fc fileConfig, dirs baseDirs, cfgPath string) (Config, sources, error) {
	r := resolver{env: env, fileFrom: "config file " + cfgPath, src: sources{}}
	c := Config{ConfigFile: cfgPath, RuntimeDir: dirs.hearthRuntimeDir()}

	c.DataDir = r.str("data_dir", "data-dir", ov.DataDir, []string{"HEARTH_DATA_DIR"}, fc.DataDir,
		filepath.Join(dirs.dataHome, appDir), "default")
	if c.DataDir = expandHome(strings.TrimSpace(c.DataDir), dirs.home); c.DataDir != "" {
		if abs, err := filepath.Abs(c.DataDir); err == nil {
			c.DataDir = abs
		}
	}

	// The socket is not made absolute here: a relative socket path would
	// follow the working directory, so validate rejects it instead.
	c.Socket = r.str("socket", "socket", ov.Socket, []string{"HEARTH_SOCKET"}, fc.Socket,
		filepath.Join(c.RuntimeDir, "hearth.sock"), "default")
	c.Socket = expandHome(strings.TrimSpace(c.Socket), dirs.home)

	c.Listen = strings.TrimSpace(r.str("listen", "listen", ov.Listen, []string{"HEARTH_LISTEN"}, fc.Listen,
		DefaultListen, "default"))
	if strings.EqualFold(c.Listen, ListenOff) {
		c.Listen = ListenOff
	}

	c.Provider = strings.ToLower(strings.TrimSpace(r.str("provider", "provider", ov.Provider,
		[]string{"HEARTH_PROVIDER"}, fc.Provider, DefaultProvider, "default")))

	// OPENAI_* variables describe an OpenAI-compatible endpoint; handing
	// them to the native Ollama protocol would send a /v1 URL (and an
	// OpenAI key) where they do not belong.
	urlEnv := []string{"HEARTH_PROVIDER_URL"}
	if c.Provider == ProviderOpenAI {
		urlEnv = append(urlEnv, "OPENAI_BASE_URL")
	}
	defURL, defURLFrom := defaultProviderURL(c.Provider, env)
	c.ProviderURL = r.str("provider_url", "provider-url", ov.ProviderURL, urlEnv, fc.ProviderURL, defURL, defURLFrom)
	c.ProviderURL = strings.TrimRight(strings.TrimSpace(c.ProviderURL), "/")
	fileURL := defURL
	if fc.ProviderURL != nil {
		fileURL = strings.TrimSpace(*fc.ProviderURL)
	}

	c.Model = strings.TrimSpace(r.str("model", "model", ov.Model, []string{"HEARTH_MODEL"}, fc.Model, "", "default"))
	c.APIKey, c.APIKeyNote = r.apiKey(ov, fc, c, fileURL)

	switch v, ok := lookup(env, "HEARTH_PROVIDER_IDLE_TIMEOUT"); {
	case ov.ProviderIdleTimeout != nil:
		d, err := parseDuration(*ov.ProviderIdleTimeout)
		if err != nil {
			return Config{}, nil, fmt.Errorf("config: --provider-idle-timeout: %w", err)
		}
		c.ProviderIdleTimeout, r.src["provider_idle_timeout"] = d, "--provider-idle-timeout"
	case ok:
		d, err := parseDuration(v)
		if err != nil {
			return Config{}, nil, fmt.Errorf("config: HEARTH_PROVIDER_IDLE_TIMEOUT: %w", err)
		}
		c.ProviderIdleTimeout, r.src["provider_idle_timeout"] = d, "HEARTH_PROVIDER_IDLE_TIMEOUT"
	case fc.ProviderIdleTimeout != nil:
		c.ProviderIdleTimeout, r.src["provider_idle_timeout"] = fc.ProviderIdleTimeout.d, r.fileFrom
	default:
		c.ProviderIdleTimeout, r.src["provider_idle_timeout"] = DefaultProviderIdleTimeout, "default"
	}
	c.Token = r.str("token", "token", ov.Token, []string{"HEARTH_TOKEN"}, fc.Token, "", "default")
	c.LogLevel = strings.ToLower(strings.TrimSpace(r.str("log_level", "log-level", ov.LogLevel,
		[]string{"HEARTH_LOG_LEVEL"}, fc.LogLevel, DefaultLogLevel, "default")))

	switch v, ok := lookup(env, "HEARTH_ALLOW_REMOTE"); {
	case ov.AllowRemote != nil:
		c.AllowRemote, r.src["allow_remote"] = *ov.AllowRemote, "--allow-remote"
	case ok:
		b, err := parseEnvBool(v)
		if err != nil {
			return Config{}, nil, fmt.Errorf("config: HEARTH_ALLOW_REMOTE: %w", err)
		}
		c.AllowRemote, r.src["allow_remote"] = b, "HEARTH_ALLOW_REMOTE"
	case fc.AllowRemote != nil:
		c.AllowRemote, r.src["allow_remote"] = *fc.AllowRemote, r.fileFrom
	default:
		r.src["allow_remote"] = "default"
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
	}
	c.ImageTurns = int(r.num("media.image_turns", m.ImageTurns, DefaultImageTurns))
	c.MaxAnswerBytes = r.num("max_answer_bytes", fc.MaxAnswerBytes, DefaultMaxTextBytes)
	c.MaxReasoningBytes = r.num("max_reasoning_bytes", fc.MaxReasoningBytes, DefaultMaxTextBytes)
	c.WSReadLimit = r.num("ws_read_limit", fc.WSReadLimit, DefaultWSReadLimit)
	return c, r.src, nil
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
func defaultProviderURL(provider string, env Env) (url, from string) {
	base, from := "http://"+defaultOllamaHostPort, "default"
	if v, ok := lookup(env, "OLLAMA_HOST"); ok {
		base, from = ollamaBaseURL(v), "OLLAMA_HOST"
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
