package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/hearth-app/hearth/backend/agent"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
)

// providerSet holds the current provider; the UI's settings form can replace it
// while Hearth runs. It is the engine's ProviderSource and the server's Settings.
type providerSet struct {
	env config.Env
	mu  sync.RWMutex
	cfg config.Config
	p   llm.Provider
}

var _ agent.ProviderSource = (*providerSet)(nil)

func newProviderSet(cfg config.Config, env config.Env) (*providerSet, error) {
	p, err := buildProvider(cfg)
	if err != nil {
		return nil, err
	}
	return &providerSet{env: env, cfg: cfg, p: p}, nil
}

func buildProvider(cfg config.Config) (llm.Provider, error) {
	p, err := llm.New(llm.Config{Kind: cfg.Provider, BaseURL: cfg.ProviderURL, APIKey: cfg.APIKey, IdleTimeout: cfg.ProviderIdleTimeout})
	if err != nil {
		return nil, fmt.Errorf("provider %s at %s: %w", cfg.Provider, config.RedactURL(cfg.ProviderURL), err)
	}
	return p, nil
}

func (s *providerSet) Provider() (llm.Provider, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.p, s.cfg.Model
}

// overridden names the settings that the environment pins: a value saved from
// the form would not take effect for them, and the form says so.
func (s *providerSet) overridden() []string {
	var out []string
	urlKeys := []string{"HEARTH_PROVIDER_URL"}
	if s.cfg.Provider == config.ProviderOpenAI {
		urlKeys = append(urlKeys, "OPENAI_BASE_URL")
	}
	for name, keys := range map[string][]string{
		"provider":     {"HEARTH_PROVIDER"},
		"provider_url": urlKeys,
		"model":        {"HEARTH_MODEL"},
	} {
		for _, k := range keys {
			if v, ok := s.env(k); ok && v != "" {
				out = append(out, name)
				break
			}
		}
	}
	// An environment key pins the form's key only where it is sent.
	if k, _ := config.EnvAPIKey(s.env, s.cfg.Provider, s.cfg.ProviderURL); k != "" {
		out = append(out, "api_key")
	}
	return out
}

func (s *providerSet) Get() protocol.Settings {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return protocol.Settings{Provider: s.cfg.Provider, ProviderURL: config.RedactURL(s.cfg.ProviderURL), Model: s.cfg.Model,
		HasAPIKey: s.cfg.APIKey != "", Overridden: s.overridden(), ConfigFile: s.cfg.ConfigFile}
}

// Set saves the form to the config file and applies it at once. Values the
// environment pins stay as they are (precedence: file < environment < flags).
func (s *providerSet) Set(ctx context.Context, cmd protocol.SetSettings) (protocol.Settings, error) {
	s.mu.Lock()
	next := s.cfg
	if cmd.Provider != nil {
		next.Provider = *cmd.Provider
	}
	// The form shows the URL with user:password@ hidden and sends back what
	// it showed: that means "unchanged", not "drop the credentials".
	if cmd.ProviderURL != nil && *cmd.ProviderURL != config.RedactURL(s.cfg.ProviderURL) {
		next.ProviderURL = *cmd.ProviderURL
	}
	if cmd.Model != nil {
		next.Model = *cmd.Model
	}
	// A key belongs to the server it was given for. Pointed at another one,
	// Hearth sends only a key the environment has for it, and forgets the
	// saved one: the form asks again.
	forgetSavedKey := false
	switch {
	case cmd.APIKey != nil:
		next.APIKey = *cmd.APIKey
	case !config.SameServer(next.ProviderURL, s.cfg.ProviderURL):
		next.APIKey, _ = config.EnvAPIKey(s.env, next.Provider, next.ProviderURL)
		forgetSavedKey = true
	}
	p, err := buildProvider(next)
	if err != nil {
		s.mu.Unlock()
		return protocol.Settings{}, &agent.Error{Reason: protocol.ReasonInvalidSetting, Detail: err.Error()}
	}
	// Only a key typed in the form is saved; forgetting writes none (an
	// environment key stays in the environment).
	if cmd.APIKey != nil || forgetSavedKey {
		var key string
		if cmd.APIKey != nil {
			key = *cmd.APIKey
		}
		err = config.SaveProviderSettingsAndKey(next.ConfigFile, next.Provider, next.ProviderURL, next.Model, key)
	} else {
		err = config.SaveProviderSettings(next.ConfigFile, next.Provider, next.ProviderURL, next.Model)
	}
	if err != nil {
		s.mu.Unlock()
		return protocol.Settings{}, fmt.Errorf("save settings: %w", err)
	}
	s.cfg, s.p = next, p
	s.mu.Unlock()
	return s.Get(), nil
}
