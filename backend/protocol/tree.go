package protocol

import "strings"

// Chats as trees, per-chat settings and presets: the wire shapes and
// commands added with them (docs/protocol.md, "Branches").

// Params are a chat's (or a preset's) sampling parameters; an absent one
// uses the default from config.toml, then the model server's own.
type Params struct {
	Temperature     *float64 `json:"temperature,omitempty"`
	TopP            *float64 `json:"top_p,omitempty"`
	ContextLength   *int     `json:"context_length,omitempty"`
	ReasoningEffort string   `json:"reasoning_effort,omitempty"`
}

// ParamsInput is Params as a client sends them (the wire types of each
// direction are generated apart).
type ParamsInput Params

func (p *ParamsInput) get() *Params {
	if p == nil {
		return nil
	}
	v := Params(*p)
	return &v
}

// Siblings place a message among the messages with the same parent, in the
// order they were made: index counts from 0.
type Siblings struct {
	Index int `json:"index"`
	Count int `json:"count"`
	// IDs are the siblings' message ids in the same order, so a client can
	// switch to the one before or after.
	IDs []int64 `json:"ids"`
}

// Preset is a named system prompt, model and parameters.
type Preset struct {
	Name   string `json:"name"`
	System string `json:"system"`
	Model  string `json:"model"`
	Params Params `json:"params"`
}

type (
	// EditMessage adds a new user message beside MessageID (same parent),
	// makes it the active path and starts a turn answering it.
	EditMessage struct {
		Base
		ChatID          string
		MessageID       int64
		Content         string
		Media           []MediaItem
		Model           string
		ReasoningEffort string
	}
	// Regenerate adds a new answer beside MessageID (0: the last answer on
	// the active path), optionally with another model.
	Regenerate struct {
		Base
		ChatID          string
		MessageID       int64
		Model           string
		ReasoningEffort string
	}
	// Continue adds an answer beside MessageID that goes on from its text.
	Continue struct {
		Base
		ChatID    string
		MessageID int64
	}
	// SwitchBranch makes the path through MessageID, down to its newest
	// leaf, the active one.
	SwitchBranch struct {
		Base
		ChatID    string
		MessageID int64
	}
	// ForkChat copies the path that ends at MessageID into a new chat.
	ForkChat struct {
		Base
		ChatID    string
		MessageID int64
	}
	// ListPresets asks for the saved presets.
	ListPresets struct{ Base }
	// SavePreset creates or replaces a preset.
	SavePreset struct {
		Base
		Preset Preset
	}
	// DeletePreset removes a preset.
	DeletePreset struct {
		Base
		PresetName string
	}
)

func (EditMessage) Name() string  { return CmdEditMessage }
func (Regenerate) Name() string   { return CmdRegenerate }
func (Continue) Name() string     { return CmdContinue }
func (SwitchBranch) Name() string { return CmdSwitchBranch }
func (ForkChat) Name() string     { return CmdForkChat }
func (ListPresets) Name() string  { return CmdListPresets }
func (SavePreset) Name() string   { return CmdSavePreset }
func (DeletePreset) Name() string { return CmdDeletePreset }

// BranchSwitched tells a chat's clients that its active path changed: the
// path now ends at leafID. A client reloads the path (history) rather than
// patching what it holds.
func BranchSwitched(reqID, chatID string, seq, leafID int64) Event {
	return Event{Event: EvBranchSwitched, ReqID: reqID, ChatID: chatID, Seq: seq, LeafID: i64(leafID)}
}

// TurnAccepted answers regenerate and continue: the turn that makes the new
// answer (its turn_start follows on the chat's stream, or it waits behind
// the running turn when queued).
func TurnAccepted(reqID, chatID, turnID string, queued bool) Event {
	return Event{Event: EvTurnAccepted, ReqID: reqID, ChatID: chatID, TurnID: turnID, Queued: boolp(queued)}
}

// Presets answers list_presets, save_preset and delete_preset, and is sent
// to every connection when the presets change.
func Presets(reqID string, items []Preset) Event {
	if items == nil {
		items = []Preset{}
	}
	return Event{Event: EvPresets, ReqID: reqID, Items: items}
}

// MaxPresetNameBytes bounds a preset's name.
const MaxPresetNameBytes = 100

// routeTree routes the branch and preset commands; ok is false for any
// other type.
func routeTree(typ string, f Frame, reqID string) (d Decision, ok bool) {
	base := Base{reqID}
	switch typ {
	case CmdEditMessage, CmdRegenerate, CmdContinue, CmdSwitchBranch, CmdForkChat:
	case CmdListPresets:
		return Decision{Cmd: ListPresets{base}}, true
	case CmdSavePreset:
		name := trimmed(f.Name)
		if name == "" {
			return fail(reqID, ReasonMissingField, "name is required"), true
		}
		for _, c := range []struct {
			name string
			v    *string
			max  int
		}{{"name", &name, MaxPresetNameBytes}, {"model", f.Model, MaxModelBytes}, {"system", f.System, MaxSystemBytes}} {
			if d := checkLen(reqID, c.name, c.v, c.max); d != nil {
				return *d, true
			}
		}
		p := Preset{Name: name, System: deref(f.System), Model: deref(f.Model)}
		if pp := f.Params.get(); pp != nil {
			if d := checkParams(reqID, *pp); d != nil {
				return *d, true
			}
			p.Params = *pp
		}
		return Decision{Cmd: SavePreset{Base: base, Preset: p}}, true
	case CmdDeletePreset:
		name := trimmed(f.Name)
		if name == "" {
			return fail(reqID, ReasonMissingField, "name is required"), true
		}
		return Decision{Cmd: DeletePreset{Base: base, PresetName: name}}, true
	default:
		return Decision{}, false
	}
	id, dd := needChat(f, reqID)
	if dd != nil {
		return *dd, true
	}
	var msgID int64
	if f.MessageID != nil {
		if *f.MessageID < 1 {
			return fail(reqID, ReasonInvalidField, "message_id must be >= 1"), true
		}
		msgID = *f.MessageID
	} else if typ != CmdRegenerate {
		return fail(reqID, ReasonMissingField, "message_id is required"), true
	}
	switch typ {
	case CmdEditMessage:
		// An edit is checked as a message is: the same limits apply.
		d := routeMessage(SendMessage{Base: base, ChatID: id, Content: deref(f.Content), Media: f.Media,
			Model: deref(f.Model), ReasoningEffort: deref(f.ReasoningEffort)})
		if d.Err != nil {
			return d, true
		}
		m := d.Cmd.(SendMessage)
		return Decision{Cmd: EditMessage{Base: base, ChatID: id, MessageID: msgID, Content: m.Content, Media: m.Media,
			Model: m.Model, ReasoningEffort: m.ReasoningEffort}}, true
	case CmdRegenerate:
		if d := checkLen(reqID, "model", f.Model, MaxModelBytes); d != nil {
			return *d, true
		}
		if !efforts[deref(f.ReasoningEffort)] {
			return fail(reqID, ReasonInvalidField, "reasoning_effort must be low, medium or high"), true
		}
		return Decision{Cmd: Regenerate{Base: base, ChatID: id, MessageID: msgID, Model: deref(f.Model),
			ReasoningEffort: deref(f.ReasoningEffort)}}, true
	case CmdContinue:
		return Decision{Cmd: Continue{Base: base, ChatID: id, MessageID: msgID}}, true
	case CmdSwitchBranch:
		return Decision{Cmd: SwitchBranch{Base: base, ChatID: id, MessageID: msgID}}, true
	default:
		return Decision{Cmd: ForkChat{Base: base, ChatID: id, MessageID: msgID}}, true
	}
}

// checkParams refuses parameters no model server accepts.
func checkParams(reqID string, p Params) *Decision {
	bad := func(format string, args ...any) *Decision {
		d := fail(reqID, ReasonInvalidField, format, args...)
		return &d
	}
	switch {
	case p.Temperature != nil && (*p.Temperature < 0 || *p.Temperature > 2):
		return bad("params.temperature must be between 0 and 2")
	case p.TopP != nil && (*p.TopP <= 0 || *p.TopP > 1):
		return bad("params.top_p must be above 0 and at most 1")
	case p.ContextLength != nil && (*p.ContextLength < 256 || *p.ContextLength > 1<<24):
		return bad("params.context_length must be between 256 and %d", 1<<24)
	case !efforts[p.ReasoningEffort]:
		return bad("params.reasoning_effort must be low, medium or high")
	}
	return nil
}

func trimmed(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// Placed adds a new answer's place in the tree to its turn_start.
func Placed(e Event, parentID *int64, sib Siblings) Event {
	e.ParentID, e.Siblings = parentID, &sib
	return e
}
