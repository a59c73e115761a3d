package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hearth-app/hearth/backend/ids"
)

// ConnState is what the router needs to know about the connection.
type ConnState struct {
	// Attached reports whether this connection follows a chat; the turn
	// engine's subscribers are the one record of that. Nil: none.
	Attached func(chatID string) bool
}

func (st ConnState) attached(chatID string) bool {
	return st.Attached != nil && st.Attached(chatID)
}

// Decision is the router's answer: either a command to run or an error to send.
type Decision struct {
	Cmd Command
	Err *Event
}

func fail(reqID, reason, format string, args ...any) Decision {
	e := Err(reqID, reason, fmt.Sprintf(format, args...))
	return Decision{Err: &e}
}

// Route decodes one frame and decides what to do with it. binary tells a binary
// WebSocket message from a text one.
func Route(data []byte, binary bool, st ConnState) Decision {
	if !utf8.Valid(data) {
		return fail("", ReasonInvalidUTF8, "frame is not valid UTF-8; send JSON text frames")
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return fail("", ReasonEmptyMessage, "empty frame")
	}
	if trimmed[0] != '{' {
		// nanobot compatibility: someone typing into websocat sends plain text.
		if trimmed[0] == '[' && json.Valid(trimmed) {
			return fail("", ReasonInvalidJSON, "frame is a JSON array; send a JSON object with a \"type\"")
		}
		return routeMessage(SendMessage{Content: string(data), ToDefault: true})
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		return fail("", ReasonInvalidJSON, "frame starts with '{' but is not a JSON object: %v", err)
	}
	reqID, err := decodeReqID(raw["req_id"])
	if err != nil {
		return fail("", ReasonInvalidField, "req_id: %v", err)
	}
	var f Frame
	if err := json.Unmarshal(trimmed, &f); err != nil {
		return fail(reqID, ReasonInvalidField, "%s", describeTypeError(err))
	}
	if _, ok := raw["type"]; !ok {
		return routeLegacy(raw, reqID)
	}
	if f.Type == nil {
		return fail(reqID, ReasonInvalidField, "type must be a string")
	}
	return routeTyped(*f.Type, f, reqID, st)
}

func decodeReqID(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if len(s) > 200 {
			return "", errors.New("longer than 200 bytes")
		}
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if len(n) > 200 {
			return "", errors.New("longer than 200 bytes")
		}
		return n.String(), nil
	}
	return "", errors.New("must be a string or a number")
}

func describeTypeError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q must be %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
	}
	return err.Error()
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int64":
		return "an integer"
	case "bool":
		return "a boolean"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return goKind
}

// routeLegacy handles nanobot's frame without a type: {"content": "..."} (also
// "text" or "message" as the field name).
func routeLegacy(raw map[string]json.RawMessage, reqID string) Decision {
	for _, key := range []string{"content", "text", "message"} {
		v, ok := raw[key]
		if !ok {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return fail(reqID, ReasonInvalidField, "%s must be a string", key)
		}
		cmd := SendMessage{Base: Base{reqID}, Content: s, ToDefault: true}
		if c, ok := raw["chat_id"]; ok {
			var id string
			if json.Unmarshal(c, &id) == nil && id != "" {
				cmd.ChatID, cmd.ToDefault = id, false
			}
		}
		return routeMessage(cmd)
	}
	return fail(reqID, ReasonMissingField, "frame has no \"type\" (and no string \"content\" for a plain message)")
}

func needChat(f Frame, reqID string) (string, *Decision) {
	if f.ChatID == nil || *f.ChatID == "" {
		d := fail(reqID, ReasonMissingField, "chat_id is required")
		return "", &d
	}
	if !ids.ValidChat(*f.ChatID) {
		d := fail(reqID, ReasonInvalidChatID, "chat_id must match "+ids.ChatPattern)
		return "", &d
	}
	return *f.ChatID, nil
}

func limitOf(f Frame, reqID string, def int) (int, *Decision) {
	if f.Limit == nil {
		return def, nil
	}
	if *f.Limit < 1 || *f.Limit > MaxLimit {
		d := fail(reqID, ReasonInvalidField, "limit must be between 1 and %d", MaxLimit)
		return 0, &d
	}
	return *f.Limit, nil
}

func checkLen(reqID, name string, v *string, max int) *Decision {
	if v != nil && len(*v) > max {
		d := fail(reqID, ReasonTooLarge, "%s is longer than %d bytes", name, max)
		return &d
	}
	return nil
}

func routeTyped(typ string, f Frame, reqID string, st ConnState) Decision {
	base := Base{reqID}
	switch typ {
	case CmdPing:
		return Decision{Cmd: Ping{base}}
	case CmdNewChat:
		for _, c := range []struct {
			name string
			v    *string
			max  int
		}{{"title", f.Title, MaxTitleBytes}, {"model", f.Model, MaxModelBytes}, {"system", f.System, MaxSystemBytes}} {
			if d := checkLen(reqID, c.name, c.v, c.max); d != nil {
				return *d
			}
		}
		if d := checkLen(reqID, "preset", f.Preset, MaxPresetNameBytes); d != nil {
			return *d
		}
		if pp := f.Params.get(); pp != nil {
			if d := checkParams(reqID, *pp); d != nil {
				return *d
			}
		}
		if d := checkToolsOff(reqID, f.ToolsOff); d != nil {
			return *d
		}
		if d := checkAgent(reqID, f.Agent); d != nil {
			return *d
		}
		return Decision{Cmd: NewChat{Base: base, Title: deref(f.Title), Model: deref(f.Model), System: deref(f.System),
			Preset: trimmed(f.Preset), Params: f.Params.get(), Temporary: f.Temporary != nil && *f.Temporary, ToolsOff: f.ToolsOff,
			Agent: trimmed(f.Agent)}}
	case CmdAttach:
		id, d := needChat(f, reqID)
		if d != nil {
			return *d
		}
		if f.Since != nil && *f.Since < 0 {
			return fail(reqID, ReasonInvalidField, "since must be >= 0")
		}
		return Decision{Cmd: Attach{Base: base, ChatID: id, Since: f.Since}}
	case CmdDetach:
		id, d := needChat(f, reqID)
		if d != nil {
			return *d
		}
		if !st.attached(id) {
			return fail(reqID, ReasonNotAttached, "not attached to chat %s", id)
		}
		return Decision{Cmd: Detach{Base: base, ChatID: id}}
	case CmdMessage:
		cmd := SendMessage{Base: base, Content: deref(f.Content), Media: f.Media, Model: deref(f.Model),
			ReasoningEffort: deref(f.ReasoningEffort), Queue: f.Queue != nil && *f.Queue}
		if f.ChatID == nil || *f.ChatID == "" {
			cmd.ToDefault = true
		} else {
			id, d := needChat(f, reqID)
			if d != nil {
				return *d
			}
			cmd.ChatID = id
		}
		return routeMessage(cmd)
	case CmdCancel:
		id, d := needChat(f, reqID)
		if d != nil {
			return *d
		}
		return Decision{Cmd: Cancel{Base: base, ChatID: id, TurnID: deref(f.TurnID)}}
	case CmdListChats:
		limit, d := limitOf(f, reqID, 100)
		if d != nil {
			return *d
		}
		return Decision{Cmd: ListChats{Base: base, Limit: limit, Before: deref(f.Before), Archived: f.Archived != nil && *f.Archived}}
	case CmdHistory:
		id, d := needChat(f, reqID)
		if d != nil {
			return *d
		}
		limit, d := limitOf(f, reqID, 50)
		if d != nil {
			return *d
		}
		cmd := GetHistory{Base: base, ChatID: id, Limit: limit}
		given := 0
		for _, p := range []struct {
			name string
			in   *int64
			min  int64
		}{{"before_seq", f.BeforeSeq, 0}, {"after_seq", f.AfterSeq, 0}, {"around_seq", f.AroundSeq, 1}, {"leaf_id", f.LeafID, 1}} {
			if p.in == nil {
				continue
			}
			if *p.in < p.min {
				return fail(reqID, ReasonInvalidField, "%s must be >= %d", p.name, p.min)
			}
			given++
		}
		if f.LeafID != nil {
			// leaf_id names the path; before_seq pages it.
			given--
			cmd.LeafID = *f.LeafID
		}
		if given > 1 {
			return fail(reqID, ReasonInvalidField, "give at most one of before_seq, after_seq and around_seq")
		}
		if f.LeafID != nil && (f.AfterSeq != nil || f.AroundSeq != nil) {
			return fail(reqID, ReasonInvalidField, "leaf_id pages upward: give before_seq with it, not after_seq or around_seq")
		}
		if f.BeforeSeq != nil {
			cmd.BeforeSeq = *f.BeforeSeq
		}
		if f.AroundSeq != nil {
			cmd.AroundSeq = *f.AroundSeq
		}
		cmd.AfterSeq = f.AfterSeq
		return Decision{Cmd: cmd}
	case CmdRenameChat, CmdUpdateChat:
		id, d := needChat(f, reqID)
		if d != nil {
			return *d
		}
		if typ == "rename_chat" && f.Title == nil {
			return fail(reqID, ReasonMissingField, "title is required")
		}
		if f.Title != nil {
			t := strings.TrimSpace(*f.Title)
			if t == "" {
				return fail(reqID, ReasonInvalidField, "title must not be empty")
			}
			f.Title = &t
		}
		for _, c := range []struct {
			name string
			v    *string
			max  int
		}{{"title", f.Title, MaxTitleBytes}, {"model", f.Model, MaxModelBytes}, {"system", f.System, MaxSystemBytes}} {
			if d := checkLen(reqID, c.name, c.v, c.max); d != nil {
				return *d
			}
		}
		if d := checkLen(reqID, "preset", f.Preset, MaxPresetNameBytes); d != nil {
			return *d
		}
		if pp := f.Params.get(); pp != nil {
			if d := checkParams(reqID, *pp); d != nil {
				return *d
			}
		}
		if d := checkToolsOff(reqID, f.ToolsOff); d != nil {
			return *d
		}
		if d := checkAgent(reqID, f.Agent); d != nil {
			return *d
		}
		if f.Title == nil && f.Model == nil && f.System == nil && f.Pinned == nil && f.Archived == nil && f.Params == nil && f.Preset == nil && f.ToolsOff == nil && f.Agent == nil {
			return fail(reqID, ReasonMissingField, "nothing to update: give title, model, system, pinned, archived, params, preset, tools_off or agent")
		}
		var agent *string
		if f.Agent != nil {
			a := strings.TrimSpace(*f.Agent)
			agent = &a
		}
		return Decision{Cmd: UpdateChat{Base: base, ChatID: id, Title: f.Title, Model: f.Model, System: f.System, Pinned: f.Pinned,
			Archived: f.Archived, Params: f.Params.get(), Preset: f.Preset, ToolsOff: f.ToolsOff, Agent: agent}}
	case CmdDeleteChat:
		id, d := needChat(f, reqID)
		if d != nil {
			return *d
		}
		return Decision{Cmd: DeleteChat{Base: base, ChatID: id}}
	case CmdListModels:
		return Decision{Cmd: ListModels{base}}
	case CmdGetSettings:
		return Decision{Cmd: GetSettings{base}}
	case CmdSetSettings:
		if f.Provider != nil && *f.Provider != "openai" && *f.Provider != "ollama" {
			return fail(reqID, ReasonInvalidSetting, "provider must be openai or ollama")
		}
		if f.ProviderURL != nil {
			u := strings.TrimSpace(*f.ProviderURL)
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				return fail(reqID, ReasonInvalidSetting, "provider_url must start with http:// or https://")
			}
			f.ProviderURL = &u
		}
		if d := checkLen(reqID, "model", f.Model, MaxModelBytes); d != nil {
			return *d
		}
		return Decision{Cmd: SetSettings{Base: base, Provider: f.Provider, ProviderURL: f.ProviderURL, Model: f.Model, APIKey: f.APIKey}}
	case CmdSearch:
		q := strings.TrimSpace(deref(f.Query))
		if q == "" {
			return fail(reqID, ReasonMissingField, "query is required")
		}
		if len(q) > MaxQueryBytes {
			return fail(reqID, ReasonTooLarge, "query is longer than %d bytes", MaxQueryBytes)
		}
		limit, d := limitOf(f, reqID, 50)
		if d != nil {
			return *d
		}
		return Decision{Cmd: Search{Base: base, Query: q, Limit: limit}}
	case CmdPullModel:
		name, d := modelName(f, reqID)
		if d != nil {
			return *d
		}
		if name == "" {
			return fail(reqID, ReasonMissingField, "name is required: the model to download, e.g. llama3.2")
		}
		return Decision{Cmd: PullModel{Base: base, Model: name}}
	case CmdCancelPull:
		name, d := modelName(f, reqID)
		if d != nil {
			return *d
		}
		id := strings.TrimSpace(deref(f.PullID))
		if id == "" && name == "" {
			return fail(reqID, ReasonMissingField, "give pull_id or name")
		}
		if d := checkLen(reqID, "pull_id", &id, 64); d != nil {
			return *d
		}
		return Decision{Cmd: CancelPull{Base: base, PullID: id, Model: name}}
	case CmdListPulls:
		return Decision{Cmd: ListPulls{base}}
	}
	if d, ok := routeAgents(typ, f, reqID); ok {
		return d
	}
	if d, ok := routeTools(typ, f, reqID); ok {
		return d
	}
	if d, ok := routeTree(typ, f, reqID); ok {
		return d
	}
	if d, ok := routeMCP(typ, f, reqID); ok {
		return d
	}
	return fail(reqID, ReasonUnknownType, "unknown type %s", strconv.Quote(typ))
}

// modelName is a pull's model name, trimmed; a name is one word (as Ollama's
// "namespace/model:tag"), so spaces and control characters are refused.
func modelName(f Frame, reqID string) (string, *Decision) {
	name := strings.TrimSpace(deref(f.Name))
	if d := checkLen(reqID, "name", &name, MaxModelBytes); d != nil {
		return "", d
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		d := fail(reqID, ReasonInvalidField, "name must be one word, e.g. llama3.2 or qwen3:8b")
		return "", &d
	}
	return name, nil
}

var efforts = map[string]bool{"": true, "low": true, "medium": true, "high": true}

func routeMessage(cmd SendMessage) Decision {
	reqID := cmd.ReqID
	if len(cmd.Content) > MaxContentBytes {
		return fail(reqID, ReasonTooLarge, "content is longer than %d bytes", MaxContentBytes)
	}
	if strings.TrimSpace(cmd.Content) == "" && len(cmd.Media) == 0 {
		return fail(reqID, ReasonEmptyMessage, "message has no content and no media")
	}
	if len(cmd.Media) > MaxMediaItems {
		return fail(reqID, ReasonInvalidMedia, "at most %d media items per message", MaxMediaItems)
	}
	for i, m := range cmd.Media {
		switch {
		case m.ID != "" && m.DataURL != "":
			return fail(reqID, ReasonInvalidMedia, "media[%d]: give id or data_url, not both", i)
		case m.ID == "" && m.DataURL == "":
			return fail(reqID, ReasonInvalidMedia, "media[%d]: needs id or data_url", i)
		case m.ID != "" && !ids.ValidMedia(m.ID):
			return fail(reqID, ReasonInvalidMedia, "media[%d]: id is not an upload id", i)
		case m.DataURL != "" && !strings.HasPrefix(m.DataURL, "data:"):
			return fail(reqID, ReasonInvalidMedia, "media[%d]: data_url must start with data:", i)
		}
	}
	if !efforts[cmd.ReasoningEffort] {
		return fail(reqID, ReasonInvalidField, "reasoning_effort must be low, medium or high")
	}
	if len(cmd.Model) > MaxModelBytes {
		return fail(reqID, ReasonTooLarge, "model is longer than %d bytes", MaxModelBytes)
	}
	if !cmd.ToDefault && !ids.ValidChat(cmd.ChatID) {
		return fail(reqID, ReasonInvalidChatID, "chat_id must match "+ids.ChatPattern)
	}
	return Decision{Cmd: cmd}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
