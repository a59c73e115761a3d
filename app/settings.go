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
	p, err := llm.New(llm.Config{Kind: cfg.Provider, BaseURL: cfg.ProviderURL, APIKey: cfg.APIKey})
	if err != nil {
		return nil, fmt.Errorf("provider %s at %s: %w", cfg.Provider, cfg.ProviderURL, err)
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
	for name, keys := range map[string][]string{
		"provider":     {"HEARTH_PROVIDER"},
		"provider_url": {"HEARTH_PROVIDER_URL", "OPENAI_BASE_URL"},
		"model":        {"HEARTH_MODEL"},
		"api_key":      {"HEARTH_API_KEY", "OPENAI_API_KEY"},
	} {
		for _, k := range keys {
			if v, ok := s.env(k); ok && v != "" {
				out = append(out, name)
				break
			}
		}
	}
	return out
}

func (s *providerSet) Get() protocol.Settings {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return protocol.Settings{Provider: s.cfg.Provider, ProviderURL: s.cfg.ProviderURL, Model: s.cfg.Model,
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
	if cmd.ProviderURL != nil {
		next.ProviderURL = *cmd.ProviderURL
	}
	if cmd.Model != nil {
		next.Model = *cmd.Model
	}
	if cmd.APIKey != nil {
		next.APIKey = *cmd.APIKey
	}
	p, err := buildProvider(next)
	if err != nil {
		s.mu.Unlock()
		return protocol.Settings{}, &agent.Error{Reason: protocol.ReasonInvalidSetting, Detail: err.Error()}
	}
	if err := config.SaveProviderSettings(next.ConfigFile, next.Provider, next.ProviderURL, next.Model); err != nil {
		s.mu.Unlock()
		return protocol.Settings{}, fmt.Errorf("save settings: %w", err)
	}
	if cmd.APIKey != nil {
		if err := config.SaveAPIKey(next.ConfigFile, *cmd.APIKey); err != nil {
			s.mu.Unlock()
			return protocol.Settings{}, fmt.Errorf("save API key: %w", err)
		}
	}
	s.cfg, s.p = next, p
	s.mu.Unlock()
	return s.Get(), nil
}
