package config

import "fmt"

// Layer is one level of the precedence order, lowest first: a value from a
// higher layer wins over every lower one.
type Layer uint8

const (
	// LayerDefault is the built-in value. It is the zero Layer so that a
	// Config built in code, with no record, reads as all defaults.
	LayerDefault Layer = iota
	LayerFile
	LayerEnv
	LayerFlag
)

func (l Layer) String() string {
	switch l {
	case LayerDefault:
		return "default"
	case LayerFile:
		return "file"
	case LayerEnv:
		return "env"
	case LayerFlag:
		return "flag"
	}
	return fmt.Sprintf("Layer(%d)", uint8(l))
}

// Source is where one setting's value came from.
type Source struct {
	Layer Layer
	// Name is the flag ("--model") or environment variable ("HEARTH_MODEL")
	// that gave the value, the config file's path for LayerFile, and for
	// LayerDefault the variable that moved the default (OLLAMA_HOST), or
	// empty for the built-in value.
	Name string
}

// String names the source the way error messages and logs quote it.
func (s Source) String() string {
	switch {
	case s.Layer == LayerFile:
		return "config file " + s.Name
	case s.Name != "":
		return s.Name
	}
	return "default"
}

// WinsOverFile reports whether the value outranks the config file: while
// the flag or variable is there, a value saved in the file does not apply.
func (s Source) WinsOverFile() bool { return s.Layer >= LayerEnv }

// FromOutside reports whether the command line or the environment gave the
// value, including a default that OLLAMA_HOST moved. Such a value belongs to
// this run, not to the config file.
func (s Source) FromOutside() bool {
	return s.WinsOverFile() || (s.Layer == LayerDefault && s.Name != "")
}

// settingKeys are the settings whose source is recorded, named as in
// config.toml.
var settingKeys = [...]string{
	"data_dir", "socket", "listen", "provider", "provider_url", "model", "api_key",
	"provider_idle_timeout", "token", "log_level", "allow_remote",
	"media.max_images", "media.max_image_bytes", "media.max_videos", "media.max_video_bytes", "media.image_turns",
	"media.max_documents", "media.max_document_bytes", "media.document_chars",
	"max_answer_bytes", "max_reasoning_bytes", "ws_read_limit",
	"params.temperature", "params.top_p", "params.context_length", "params.reasoning_effort",
	"auto_titles",
	"mcp_config", "tool_steps", "tool_result_chars", "approval_timeout", "tools_off",
	"agents",
}

// sources is the record, one entry per settingKeys entry. It is an array,
// not a map, so that Config stays comparable with ==.
type sources [len(settingKeys)]Source

func keyIndex(key string) int {
	for i, k := range settingKeys {
		if k == key {
			return i
		}
	}
	// Keys are constants in the callers; a typo must not read as "default".
	panic(fmt.Sprintf("config: no setting named %q", key))
}

func (s *sources) set(key string, src Source) { s[keyIndex(key)] = src }

// Source says where the setting key (as named in config.toml, e.g. "model"
// or "media.max_images") came from. A Config built in code rather than by
// Load reports every setting as a default. An unknown key panics.
func (c Config) Source(key string) Source { return c.sources[keyIndex(key)] }
