package assembly

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
)

// providerSet holds the current provider; the UI's settings form can replace it
// while Hearth runs. It is the engine's ProviderSource and the server's Settings.
type providerSet struct {
	// env is the environment Load read; a save consults it again, because
	// which variables apply depends on the provider and URL the form picks.
	env config.Env
	mu  sync.RWMutex
	cfg config.Config
	p   llm.Provider
	// saved is called after a save applies (the health watcher looks at the
	// new server at once); set before the server starts.
	saved func()
}

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

func (s *providerSet) Get() protocol.Settings {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return protocol.Settings{Provider: s.cfg.Provider, ProviderURL: config.RedactURL(s.cfg.ProviderURL), Model: s.cfg.Model,
		HasAPIKey: s.cfg.APIKey != "", Overridden: s.cfg.Overridden(), ConfigFile: s.cfg.ConfigFile}
}

// Set saves the form to the config file and applies it at once, following
// config's precedence (see config.PlanFormSave for what is written): a value
// that a flag or the environment gave stays out of the file unless the form
// changed it, and one they override keeps applying until they are gone.
func (s *providerSet) Set(ctx context.Context, cmd protocol.SetSettings) (protocol.Settings, error) {
	s.mu.Lock()
	form := config.Form{Provider: cmd.Provider, ProviderURL: cmd.ProviderURL, Model: cmd.Model, APIKey: cmd.APIKey}
	// The form shows the URL with user:password@ hidden and sends back what
	// it showed: that means "unchanged", not "drop the credentials".
	if cmd.ProviderURL != nil && *cmd.ProviderURL == config.RedactURL(s.cfg.ProviderURL) {
		shown := s.cfg.ProviderURL
		form.ProviderURL = &shown
	}
	save, err := s.cfg.PlanFormSave(s.env, form)
	if err != nil {
		s.mu.Unlock()
		var bad *config.SettingError
		if errors.As(err, &bad) {
			return protocol.Settings{}, protocol.RefuseCause(protocol.ReasonInvalidSetting, err, "%s", bad.Error())
		}
		return protocol.Settings{}, fmt.Errorf("save settings: %w", err)
	}
	p, err := buildProvider(save.Config)
	if err != nil {
		s.mu.Unlock()
		return protocol.Settings{}, protocol.RefuseCause(protocol.ReasonInvalidSetting, err, "%s", err.Error())
	}
	if err := save.Write(); err != nil {
		s.mu.Unlock()
		return protocol.Settings{}, fmt.Errorf("save settings: %w", err)
	}
	s.cfg, s.p = save.Config, p
	s.mu.Unlock()
	if s.saved != nil {
		s.saved()
	}
	return s.Get(), nil
}
