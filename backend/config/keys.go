package config

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/hearth-app/hearth/backend/redact"
)

// OpenAIAPIURL is where OPENAI_API_KEY goes when OPENAI_BASE_URL does not say
// otherwise: the key was issued by OpenAI.
const OpenAIAPIURL = "https://api.openai.com/v1"

// EnvAPIKey returns the API key the environment supplies for the model server
// at serverURL, and the variable it came from. HEARTH_API_KEY is Hearth's own
// and goes to whatever server Hearth uses. OPENAI_API_KEY is often exported
// for other tools: it goes only to the server of OPENAI_BASE_URL, or to the
// OpenAI API when that is unset, and only with the openai protocol.
func EnvAPIKey(env Env, provider, serverURL string) (key, from string) {
	if v, ok := lookup(env, "HEARTH_API_KEY"); ok {
		return strings.TrimSpace(v), "HEARTH_API_KEY"
	}
	if v, ok := lookup(env, "OPENAI_API_KEY"); ok && provider == ProviderOpenAI && SameServer(serverURL, openAIKeyScope(env)) {
		return strings.TrimSpace(v), "OPENAI_API_KEY"
	}
	return "", ""
}

func openAIKeyScope(env Env) string {
	if v, ok := lookup(env, "OPENAI_BASE_URL"); ok {
		return strings.TrimSpace(v)
	}
	return OpenAIAPIURL
}

// SameServer reports whether two URLs reach the same server: scheme, host
// and port (the default port of the scheme when none is given) are equal.
// The path does not matter: a key valid for /v1 is valid for the host.
func SameServer(a, b string) bool {
	ua, err := url.Parse(strings.TrimSpace(a))
	if err != nil || ua.Host == "" {
		return false
	}
	ub, err := url.Parse(strings.TrimSpace(b))
	if err != nil || ub.Host == "" {
		return false
	}
	origin := func(u *url.URL) string {
		scheme := strings.ToLower(u.Scheme)
		port := u.Port()
		if port == "" {
			switch scheme {
			case "http":
				port = "80"
			case "https":
				port = "443"
			}
		}
		return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
	}
	return origin(ua) == origin(ub)
}

// RedactURL hides a URL's user:password@ before the URL is logged, shown or
// put in an error (see package redact).
func RedactURL(s string) string { return redact.URL(s) }

// apiKey picks the key sent to c.ProviderURL, in precedence order, skipping
// a key that belongs to another server: --api-key, then the environment (see
// EnvAPIKey), then api_key from the config file, which belongs to the
// file's provider_url (or to the default server when the file names none).
// When a key is withheld and none is sent, note says why.
func (r resolver) apiKey(ov *Overrides, fc fileConfig, c Config, fileURL string) (key, note string) {
	if ov.APIKey != nil {
		r.src.set("api_key", Source{Layer: LayerFlag, Name: "--api-key"})
		return strings.TrimSpace(*ov.APIKey), ""
	}
	if k, from := EnvAPIKey(r.env, c.Provider, c.ProviderURL); k != "" {
		r.src.set("api_key", Source{Layer: LayerEnv, Name: from})
		return k, ""
	}
	r.src.set("api_key", Source{})
	if _, ok := lookup(r.env, "OPENAI_API_KEY"); ok && c.Provider == ProviderOpenAI {
		note = fmt.Sprintf("OPENAI_API_KEY is not sent to %s: it is only sent to %s (OPENAI_BASE_URL, or the OpenAI API when that is unset); "+
			"give this server's key with --api-key or HEARTH_API_KEY", RedactURL(c.ProviderURL), RedactURL(openAIKeyScope(r.env)))
	}
	if fc.APIKey != nil && strings.TrimSpace(*fc.APIKey) != "" {
		if SameServer(c.ProviderURL, fileURL) {
			r.src.set("api_key", r.fromFile())
			return strings.TrimSpace(*fc.APIKey), ""
		}
		note = fmt.Sprintf("the api_key in %s is for %s and is not sent to %s; save this server's key in the settings, or give it with --api-key or HEARTH_API_KEY",
			r.fromFile(), RedactURL(fileURL), RedactURL(c.ProviderURL))
	}
	return "", note
}
