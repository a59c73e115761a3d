package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// fileConfig is config.toml. Pointers tell "absent" from "set to the zero
// value", which the precedence rules need.
type fileConfig struct {
	DataDir     *string    `toml:"data_dir"`
	Socket      *string    `toml:"socket"`
	Listen      *string    `toml:"listen"`
	Provider    *string    `toml:"provider"`
	ProviderURL *string    `toml:"provider_url"`
	Model       *string    `toml:"model"`
	APIKey      *string    `toml:"api_key"`
	AllowRemote *bool      `toml:"allow_remote"`
	Token       *string    `toml:"token"`
	LogLevel    *string    `toml:"log_level"`
	WSReadLimit *int64     `toml:"ws_read_limit"`
	Media       *fileMedia `toml:"media"`

	ProviderIdleTimeout *fileDuration `toml:"provider_idle_timeout"`
	MaxAnswerBytes      *int64        `toml:"max_answer_bytes"`
	MaxReasoningBytes   *int64        `toml:"max_reasoning_bytes"`
	Params              *fileParams   `toml:"params"`
	AutoTitles          *bool         `toml:"auto_titles"`
	fileTools
	fileAgents
}

// fileDuration is a duration in the config file: a string such as "90s" or
// "5m", or an integer number of seconds.
type fileDuration struct{ d time.Duration }

func (f *fileDuration) UnmarshalTOML(v any) error {
	var err error
	switch x := v.(type) {
	case string:
		f.d, err = parseDuration(x)
	case int64:
		f.d = time.Duration(x) * time.Second
	default:
		err = fmt.Errorf("%v is not a duration (use e.g. \"90s\", \"5m\" or a number of seconds)", v)
	}
	if err != nil {
		return fmt.Errorf("provider_idle_timeout: %w", err)
	}
	return nil
}

type fileMedia struct {
	MaxImages     *int64 `toml:"max_images"`
	MaxImageBytes *int64 `toml:"max_image_bytes"`
	MaxVideos     *int64 `toml:"max_videos"`
	MaxVideoBytes *int64 `toml:"max_video_bytes"`
	ImageTurns    *int64 `toml:"image_turns"`

	MaxDocuments     *int64 `toml:"max_documents"`
	MaxDocumentBytes *int64 `toml:"max_document_bytes"`
	DocumentChars    *int64 `toml:"document_chars"`
}

// knownKeys is checked case-sensitively: the TOML decoder would otherwise
// quietly accept "Data_Dir" for data_dir, and a typo must not be ignored.
var knownKeys = map[string]bool{
	"data_dir": true, "socket": true, "listen": true, "provider": true,
	"provider_url": true, "model": true, "api_key": true, "allow_remote": true,
	"token": true, "log_level": true, "ws_read_limit": true, "media": true,
	"provider_idle_timeout": true, "media.max_images": true, "media.max_image_bytes": true,
	"media.max_videos": true, "media.max_video_bytes": true, "media.image_turns": true,
	"media.max_documents": true, "media.max_document_bytes": true, "media.document_chars": true,
	"max_answer_bytes": true, "max_reasoning_bytes": true,
}

// fileError is a config file problem that can be pinned to a line.
type fileError struct {
	path string
	line int
	msg  string
	err  error
}

func (e *fileError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("config file %s: line %d: %s", e.path, e.line, e.msg)
	}
	return fmt.Sprintf("config file %s: %s", e.path, e.msg)
}

func (e *fileError) Unwrap() error { return e.err }

// readFile reads and strictly decodes the config file; a missing file is an
// empty one.
func readFile(path string) (fileConfig, error) {
	data, err := os.ReadFile(path)
	if isNotExist(err) {
		return fileConfig{}, nil
	}
	if err != nil {
		return fileConfig{}, fmt.Errorf("config file %s: %w", path, err)
	}
	return parseFile(path, data)
}

func parseFile(path string, data []byte) (fileConfig, error) {
	var fc fileConfig
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&fc)
	if err != nil {
		return fileConfig{}, tomlError(path, err)
	}
	var unknown []string
	for _, k := range md.Keys() {
		if !knownKeys[k.String()] {
			unknown = append(unknown, fmt.Sprintf("%q", k.String()))
		}
	}
	if len(unknown) > 0 {
		noun := "key"
		if len(unknown) > 1 {
			noun = "keys"
		}
		return fileConfig{}, &fileError{path: path, msg: "unknown " + noun + " " + strings.Join(unknown, ", ")}
	}
	return fc, nil
}

// tomlError turns the decoder's error into one line naming file and line.
func tomlError(path string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &fileError{path: path, line: pe.Position.Line, msg: oneLine(pe.Message), err: err}
	}
	// Type mismatches are plain errors that already say "line N (last key …)".
	return &fileError{path: path, msg: oneLine(strings.TrimPrefix(err.Error(), "toml: ")), err: err}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// providerKeys are the keys the settings form owns, in the order they are
// written when added.
var providerKeys = []string{"provider", "provider_url", "model", "api_key"}

// SaveProviderSettings sets provider, provider_url and model in the config
// file at path and keeps every other key. An empty value removes the key so
// that the default (or the environment) applies again. Comments and layout
// survive when the keys sit on simple lines; otherwise the file is rewritten
// from its parsed content. The file ends up with mode 0600 because it may
// hold an API key or token.
func SaveProviderSettings(path, provider, url, model string) error {
	return saveProviderSettings(path, provider, url, model, nil)
}

// SaveProviderSettingsAndKey is SaveProviderSettings that also sets (or, when
// key is empty, removes) api_key, in the same write: a key saved in the file
// is sent only to the file's provider_url, so the two must never be seen
// apart, not even after a crash between two writes.
func SaveProviderSettingsAndKey(path, provider, url, model, key string) error {
	return saveProviderSettings(path, provider, url, model, &key)
}

func saveProviderSettings(path, provider, url, model string, key *string) error {
	provider = strings.ToLower(strings.TrimSpace(provider))
	url = strings.TrimSpace(url)
	if provider != "" {
		if err := checkProvider(provider); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	if url != "" {
		if err := checkProviderURL(url); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	values := map[string]string{"provider": provider, "provider_url": url, "model": model}
	if key != nil {
		values["api_key"] = strings.TrimSpace(*key)
	}
	return saveEdits(path, values)
}

// saveEdits sets the keys in values in the config file at path ("" removes
// one) and keeps everything else, in one atomic write.
func saveEdits(path string, values map[string]string) error {
	if path == "" {
		return errors.New("config: no config file path to save to")
	}
	// Write through a symlink (dotfile managers) instead of replacing it.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	old, err := os.ReadFile(path)
	if err != nil && !isNotExist(err) {
		return fmt.Errorf("config: reading %s: %w", path, err)
	}
	content, err := mergeProviderSettings(path, old, values)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, content)
}

// SaveAPIKey sets (or, when key is empty, removes) api_key in the config file,
// keeping everything else; like SaveProviderSettings it leaves the file 0600.
func SaveAPIKey(path, key string) error {
	return saveEdits(path, map[string]string{"api_key": strings.TrimSpace(key)})
}

// mergeProviderSettings is the pure part of SaveProviderSettings and
// SaveAPIKey: keys in values are set (or removed when empty), the rest kept.
func mergeProviderSettings(path string, old []byte, values map[string]string) ([]byte, error) {
	current := map[string]any{}
	if _, err := toml.Decode(string(old), &current); err != nil {
		// Never overwrite a file the user is in the middle of fixing.
		return nil, tomlError(path, err)
	}
	want := make(map[string]any, len(current)+len(providerKeys))
	for k, v := range current {
		want[k] = v
	}
	for _, k := range providerKeys {
		v, ok := values[k]
		switch {
		case !ok:
			// not part of this save: left as it is
		case v == "":
			delete(want, k)
		default:
			want[k] = v
		}
	}

	edited := editTopLevelKeys(old, values)
	got := map[string]any{}
	if _, err := toml.Decode(string(edited), &got); err == nil && reflect.DeepEqual(got, want) {
		return edited, nil
	}
	// The line edit could not be trusted (multi-line values, quoted keys …):
	// fall back to re-encoding, which loses comments but never data.
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(want); err != nil {
		return nil, fmt.Errorf("config: encoding %s: %w", path, err)
	}
	return buf.Bytes(), nil
}

var topLevelKeyLine = regexp.MustCompile(`^\s*(provider|provider_url|model|api_key)\s*=`)

// editTopLevelKeys replaces, removes or adds the provider keys in the part
// of the file before the first table header, where top-level keys live.
func editTopLevelKeys(old []byte, values map[string]string) []byte {
	text := strings.ReplaceAll(string(old), "\r\n", "\n")
	var lines []string
	if text != "" {
		lines = strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	}
	header := len(lines)
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "[") {
			header = i
			break
		}
	}
	done := map[string]bool{}
	var top []string
	for _, l := range lines[:header] {
		m := topLevelKeyLine.FindStringSubmatch(l)
		if m == nil {
			top = append(top, l)
			continue
		}
		k := m[1]
		if _, ok := values[k]; !ok {
			top = append(top, l)
			continue
		}
		if !done[k] && values[k] != "" {
			top = append(top, k+" = "+tomlQuote(values[k]))
		}
		done[k] = true
	}
	for _, k := range providerKeys {
		if !done[k] && values[k] != "" {
			top = append(trimTrailingBlank(top), k+" = "+tomlQuote(values[k]))
		}
	}
	out := top
	if header < len(lines) {
		if len(out) > 0 && strings.TrimSpace(out[len(out)-1]) != "" {
			out = append(out, "")
		}
		out = append(out, lines[header:]...)
	}
	if len(out) == 0 {
		return nil
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

func trimTrailingBlank(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// tomlQuote writes a TOML basic string.
func tomlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// writeFileAtomic replaces path so that a crash leaves either the old or the
// new file, never half of one.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("config: creating %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("config: saving %s: %w", path, err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("config: saving %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("config: saving %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("config: saving %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("config: saving %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("config: saving %s: %w", path, err)
	}
	ok = true
	return nil
}
