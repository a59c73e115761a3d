package chats

import (
	"context"
	"errors"
	"fmt"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// ListPresets returns the saved presets, by name.
func (s *Service) ListPresets(ctx context.Context) ([]protocol.Preset, error) {
	ps, err := s.opts.Store.ListPresets(ctx)
	if err != nil {
		return nil, fmt.Errorf("list presets: %w", err)
	}
	out := make([]protocol.Preset, len(ps))
	for i, p := range ps {
		out[i] = protocol.Preset{Name: p.Name, System: p.System, Model: p.Model, Params: p.Params}
	}
	return out, nil
}

// SavePreset creates or replaces a preset and sends the new list to every
// connection, so every window's menus follow. The caller's reply is the
// list it returns.
func (s *Service) SavePreset(ctx context.Context, p protocol.Preset) ([]protocol.Preset, error) {
	if _, err := s.opts.Store.SavePreset(ctx, store.Preset{Name: p.Name, System: p.System, Model: p.Model, Params: p.Params}); err != nil {
		return nil, fmt.Errorf("save preset: %w", err)
	}
	return s.presetsChanged(ctx)
}

// DeletePreset removes a preset and sends the new list to every connection.
// Chats given the preset keep their settings: applying one copies it.
func (s *Service) DeletePreset(ctx context.Context, name string) ([]protocol.Preset, error) {
	err := s.opts.Store.DeletePreset(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, protocol.Refuse(protocol.ReasonNotFound, "no preset named %q", name)
	}
	if err != nil {
		return nil, err
	}
	return s.presetsChanged(ctx)
}

// presetsChanged broadcasts the list with no req_id: another client's
// req_ids are its own (as with chat_updated).
func (s *Service) presetsChanged(ctx context.Context) ([]protocol.Preset, error) {
	items, err := s.ListPresets(ctx)
	if err != nil {
		return nil, err
	}
	s.opts.Broadcast(protocol.Encode(protocol.Presets("", items)))
	return items, nil
}

func (s *Service) preset(ctx context.Context, name string) (store.Preset, error) {
	p, err := s.opts.Store.GetPreset(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return store.Preset{}, protocol.Refuse(protocol.ReasonNotFound, "no preset named %q", name)
	}
	if err != nil {
		return store.Preset{}, fmt.Errorf("load preset %q: %w", name, err)
	}
	return p, nil
}

// newChatSettings is the chat new_chat describes: what the frame gives, and
// from the preset it names whatever the frame leaves out (its system prompt,
// model, and each parameter the frame's params do not set).
func (s *Service) newChatSettings(ctx context.Context, cmd protocol.NewChat) (store.NewChat, error) {
	nc := store.NewChat{Title: cmd.Title, Model: cmd.Model, System: cmd.System, ToolsOff: s.opts.ToolsOff, Agent: cmd.Agent}
	if cmd.ToolsOff != nil {
		nc.ToolsOff = *cmd.ToolsOff
	}
	if cmd.Params != nil {
		nc.Params = *cmd.Params
	}
	if cmd.Preset == "" {
		return nc, nil
	}
	p, err := s.preset(ctx, cmd.Preset)
	if err != nil {
		return store.NewChat{}, err
	}
	nc.Preset = p.Name
	if nc.System == "" {
		nc.System = p.System
	}
	if nc.Model == "" {
		nc.Model = p.Model
	}
	nc.Params = overParams(nc.Params, p.Params)
	return nc, nil
}

// settingsPatch adds update_chat's preset and params to a patch: params
// replace the chat's (an empty object resets every one to the default); a
// preset copies its system prompt, model and params into the chat, except
// what the same command sets itself, and is remembered as the chat's
// preset. An empty preset name only forgets which preset the chat had.
func (s *Service) settingsPatch(ctx context.Context, cmd protocol.UpdateChat, p *store.ChatPatch) error {
	p.Params = cmd.Params
	if cmd.Preset == nil {
		return nil
	}
	p.Preset = cmd.Preset
	if *cmd.Preset == "" {
		return nil
	}
	pr, err := s.preset(ctx, *cmd.Preset)
	if err != nil {
		return err
	}
	name, system, model, params := pr.Name, pr.System, pr.Model, pr.Params
	p.Preset = &name
	if p.System == nil {
		p.System = &system
	}
	if p.Model == nil {
		p.Model = &model
	}
	if cmd.Params != nil {
		params = overParams(*cmd.Params, params)
	}
	p.Params = &params
	return nil
}

// overParams is top with each parameter it leaves unset taken from base.
func overParams(top, base protocol.Params) protocol.Params {
	if top.Temperature == nil {
		top.Temperature = base.Temperature
	}
	if top.TopP == nil {
		top.TopP = base.TopP
	}
	if top.ContextLength == nil {
		top.ContextLength = base.ContextLength
	}
	if top.ReasoningEffort == "" {
		top.ReasoningEffort = base.ReasoningEffort
	}
	return top
}
