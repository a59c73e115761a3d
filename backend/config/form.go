package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// formKeys are the settings the UI's settings form edits, as named in
// config.toml and in the protocol's settings event.
var formKeys = [...]string{"provider", "provider_url", "model", "api_key"}

// Form is one save of the settings form: the values it sent, nil for a
// field it did not send. ProviderURL is the full URL; the caller undoes the
// redaction of user:password@ that the form was shown.
type Form struct {
	Provider, ProviderURL, Model, APIKey *string
}

// FormSave is what saving the form does: the edits it makes to the config
// file, and the configuration Hearth runs with afterwards, which is the one
// a restart would load.
type FormSave struct {
	Config Config
	// edits are the file keys to set; "" removes a key.
	edits map[string]string
}

// SettingError is a form value that cannot be saved; its text is a sentence
// for the user.
type SettingError struct {
	Key string
	Err error
}

func (e *SettingError) Error() string { return e.Err.Error() }
func (e *SettingError) Unwrap() error { return e.Err }

// Overridden lists the form's settings whose value a flag or an environment
// variable gives: they win over the config file, so a value saved from the
// form does not apply while they are there.
func (c Config) Overridden() []string {
	out := []string{}
	for _, k := range formKeys {
		if c.Source(k).WinsOverFile() {
			out = append(out, k)
		}
	}
	return out
}

// PlanFormSave works out a save of the settings form against the config
// file as it is now, without writing anything; Write then makes it. A nil
// env means os.LookupEnv, as for Load.
//
// The rule: provider, provider_url and model are written as the form shows
// them, except that a value a flag or the environment gave (OLLAMA_HOST's
// default URL included) is written only when the form changed it, because
// it belongs to this run and not to the file. A changed value is always
// written, even for a setting a flag or variable still overrides: it then
// applies once that is gone (Overridden keeps naming it). An api_key is
// written when the form sent one; without one, moving the file's
// provider_url to another server removes the file's key, which belonged to
// the old server.
func (c Config) PlanFormSave(env Env, f Form) (FormSave, error) {
	if env == nil {
		env = os.LookupEnv
	}
	if c.ConfigFile == "" {
		return FormSave{}, errors.New("config: no config file path to save to")
	}
	fc, err := readFile(c.ConfigFile)
	if err != nil {
		return FormSave{}, err
	}
	return planFormSave(c, env, f, fc)
}

// planFormSave is PlanFormSave with the file already read: pure.
func planFormSave(c Config, env Env, f Form, fc fileConfig) (FormSave, error) {
	edits := map[string]string{}
	for _, e := range []struct {
		key   string
		shown string
		sent  *string
	}{
		{"provider", c.Provider, f.Provider},
		{"provider_url", c.ProviderURL, f.ProviderURL},
		{"model", c.Model, f.Model},
	} {
		v, changed := e.shown, false
		if e.sent != nil {
			v = normalizeFormValue(e.key, *e.sent)
			changed = v != e.shown
		}
		if !changed && c.Source(e.key).FromOutside() {
			continue
		}
		if err := checkFormValue(e.key, v); err != nil {
			return FormSave{}, &SettingError{Key: e.key, Err: err}
		}
		edits[e.key] = v
	}

	after := fc.withEdits(edits)
	if f.APIKey != nil {
		edits["api_key"] = strings.TrimSpace(*f.APIKey)
	} else if fc.APIKey != nil {
		oldDef, _ := defaultProviderURL(c.Provider, env)
		newDef, _ := defaultProviderURL(c.withFile(env, after).Provider, env)
		if !SameServer(fileKeyServer(fc, oldDef), fileKeyServer(after, newDef)) {
			edits["api_key"] = ""
		}
	}

	next := c.withFile(env, fc.withEdits(edits))
	// Flags and variables were checked at start-up, so only a value from
	// the file can fail here; the source still says which.
	for _, chk := range []struct {
		key string
		err error
	}{
		{"provider", checkProvider(next.Provider)},
		{"provider_url", checkProviderURL(next.ProviderURL)},
	} {
		if chk.err != nil {
			return FormSave{}, &SettingError{Key: chk.key, Err: fmt.Errorf("%w (from %s)", chk.err, next.Source(chk.key))}
		}
	}
	return FormSave{Config: next, edits: edits}, nil
}

// Write makes the save's edits to the config file, in one atomic write that
// keeps every other key (see SaveProviderSettings for how).
func (s FormSave) Write() error {
	if len(s.edits) == 0 {
		return nil
	}
	return saveEdits(s.Config.ConfigFile, s.edits)
}

// withFile resolves the form's settings again with fc as the config file:
// the flags, which this run keeps and which apply whatever the provider is,
// and the environment still win over it, exactly as at start-up.
func (c Config) withFile(env Env, fc fileConfig) Config {
	r := resolver{env: env, file: c.ConfigFile, src: &c.sources}
	r.provider(c.formFlags(), fc, &c)
	return c
}

// formFlags are the form's settings that came from flags, read back from
// the record: a resolved value given again as a flag resolves to itself.
func (c Config) formFlags() *Overrides {
	ov := &Overrides{}
	for _, f := range []struct {
		key string
		val string
		dst **string
	}{
		{"provider", c.Provider, &ov.Provider},
		{"provider_url", c.ProviderURL, &ov.ProviderURL},
		{"model", c.Model, &ov.Model},
		{"api_key", c.APIKey, &ov.APIKey},
	} {
		if c.Source(f.key).Layer == LayerFlag {
			v := f.val
			*f.dst = &v
		}
	}
	return ov
}

// withEdits is fc after edits, with "" meaning the key is absent.
func (fc fileConfig) withEdits(edits map[string]string) fileConfig {
	for k, v := range edits {
		var p *string
		if v != "" {
			p = &v
		}
		switch k {
		case "provider":
			fc.Provider = p
		case "provider_url":
			fc.ProviderURL = p
		case "model":
			fc.Model = p
		case "api_key":
			fc.APIKey = p
		}
	}
	return fc
}

// normalizeFormValue puts a form value in the form Load gives it, so that a
// value sent back as shown compares equal.
func normalizeFormValue(key, v string) string {
	v = strings.TrimSpace(v)
	switch key {
	case "provider":
		return strings.ToLower(v)
	case "provider_url":
		return strings.TrimRight(v, "/")
	}
	return v
}

func checkFormValue(key, v string) error {
	if v == "" {
		return nil
	}
	switch key {
	case "provider":
		return checkProvider(v)
	case "provider_url":
		return checkProviderURL(v)
	}
	return nil
}
