package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
)

// validate reports every problem at once, one line each, so a user fixing a
// config file does not have to rerun Hearth once per mistake.
func validate(c Config, goos string) error {
	var errs []error
	add := func(key string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("config: %w (from %s)", err, c.Source(key)))
		}
	}

	if c.DataDir == "" {
		add("data_dir", errors.New("data dir is empty"))
	}
	add("socket", checkSocket(c.Socket, goos))
	add("provider", checkProvider(c.Provider))
	add("provider_url", checkProviderURL(c.ProviderURL))
	if c.ProviderIdleTimeout <= 0 {
		add("provider_idle_timeout", fmt.Errorf("provider_idle_timeout must be positive, got %v", c.ProviderIdleTimeout))
	}

	remote, err := checkListen(c.Listen)
	add("listen", err)
	if err == nil && remote {
		add("listen", checkRemote(c.Listen, c.AllowRemote, c.Token))
	}
	add("token", checkToken(c.Token))
	add("log_level", checkLogLevel(c.LogLevel))

	for _, n := range []struct {
		key string
		v   int64
	}{
		{"media.max_images", int64(c.Media.MaxImages)},
		{"media.max_image_bytes", c.Media.MaxImageBytes},
		{"media.max_videos", int64(c.Media.MaxVideos)},
		{"media.max_video_bytes", c.Media.MaxVideoBytes},
		{"media.image_turns", int64(c.ImageTurns)},
		{"media.max_documents", int64(c.Media.MaxDocuments)},
		{"media.max_document_bytes", c.Media.MaxDocumentBytes},
		{"media.document_chars", int64(c.DocumentChars)},
		{"ws_read_limit", c.WSReadLimit},
		{"max_answer_bytes", c.MaxAnswerBytes},
		{"max_reasoning_bytes", c.MaxReasoningBytes},
	} {
		if n.v <= 0 {
			add(n.key, fmt.Errorf("%s must be positive, got %d", n.key, n.v))
		}
	}
	for _, n := range []struct {
		key string
		v   int64
	}{{"max_answer_bytes", c.MaxAnswerBytes}, {"max_reasoning_bytes", c.MaxReasoningBytes}} {
		if n.v > MaxTextBytesLimit {
			add(n.key, fmt.Errorf("%s is at most %d (1 GiB), got %d", n.key, int64(MaxTextBytesLimit), n.v))
		}
	}
	if c.DocumentChars > MaxDocumentChars {
		add("media.document_chars", fmt.Errorf("media.document_chars is at most %d, got %d", MaxDocumentChars, c.DocumentChars))
	}
	validateParams(c.Params, add)
	validateTools(c, add)
	validateAgents(c, add)
	return errors.Join(errs...)
}

// socketPathLimit is sizeof(sun_path) minus the terminating NUL.
func socketPathLimit(goos string) int {
	switch goos {
	case "darwin", "ios", "freebsd", "netbsd", "openbsd", "dragonfly":
		return 103
	}
	return 107
}

func checkSocket(p, goos string) error {
	switch {
	case p == "":
		return errors.New("socket path is empty")
	case !filepath.IsAbs(p):
		return fmt.Errorf("socket path %q must be absolute", p)
	case len(p) > socketPathLimit(goos):
		return fmt.Errorf("socket path %q is %d bytes, over the %d-byte limit for unix sockets on %s; choose a shorter one with --socket",
			p, len(p), socketPathLimit(goos), goos)
	}
	return nil
}

func checkProvider(p string) error {
	if p != ProviderOpenAI && p != ProviderOllama {
		return fmt.Errorf("provider %q is not supported: use %s or %s", p, ProviderOpenAI, ProviderOllama)
	}
	return nil
}

func checkProviderURL(s string) error {
	u, err := url.Parse(s)
	// The URL may carry user:password@; errors show it redacted.
	shown := RedactURL(s)
	switch {
	case s == "":
		return errors.New("provider URL is empty")
	case err != nil:
		return fmt.Errorf("provider URL %q is not a URL", shown)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("provider URL %q must start with http:// or https://", shown)
	case u.Host == "":
		return fmt.Errorf("provider URL %q has no host", shown)
	}
	return nil
}

// checkListen parses a listen address and says whether it leaves loopback.
func checkListen(addr string) (remote bool, err error) {
	if addr == ListenOff {
		return false, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf(`listen address %q must be host:port or "off"`, addr)
	}
	if !validPort(port) {
		return false, fmt.Errorf("listen address %q has an invalid port (0-65535)", addr)
	}
	return !isLoopbackHost(host), nil
}

func validPort(p string) bool {
	_, err := strconv.ParseUint(p, 10, 16)
	return err == nil
}

// isLoopbackHost accepts 127.0.0.0/8, ::1 and localhost; an empty host means
// every interface and so is not loopback.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.WithZone("").Unmap().IsLoopback()
}

// checkRemote: a listener other machines can reach needs both the explicit
// opt-in and a token the user knows, because a generated token would have to
// be fetched from this machine first.
func checkRemote(addr string, allow bool, token string) error {
	var missing []string
	if !allow {
		missing = append(missing, "--allow-remote (HEARTH_ALLOW_REMOTE=1)")
	}
	if token == "" {
		missing = append(missing, "a fixed --token (HEARTH_TOKEN)")
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("listen address %q is not loopback; that needs %s", addr, strings.Join(missing, " and "))
}

// checkToken refuses tokens that cannot travel in a header or URL fragment
// unchanged.
func checkToken(t string) error {
	for _, r := range t {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return errors.New("token must not contain spaces or control characters")
		}
	}
	return nil
}

func checkLogLevel(l string) error {
	switch l {
	case "debug", "info", "warn", "error":
		return nil
	}
	return fmt.Errorf("log level %q is not one of debug, info, warn, error", l)
}
