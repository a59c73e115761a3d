package dispatch

import (
	"context"

	"github.com/hearth-app/hearth/backend/protocol"
)

// presetHandlers answer the preset commands with the whole list: it is
// short, and a client that saved or deleted one needs no second request.
// Every other connection gets the same list as a presets event without a
// req_id (the chat service broadcasts it).
func presetHandlers(d Deps) Table {
	return Table{
		protocol.CmdListPresets: {Run: of(func(ctx context.Context, _ Session, c protocol.ListPresets) ([]protocol.Event, error) {
			items, err := d.Chats.ListPresets(ctx)
			if err != nil {
				return nil, err
			}
			return reply(protocol.Presets(c.ReqID, items)), nil
		})},
		protocol.CmdSavePreset: {Run: of(func(ctx context.Context, _ Session, c protocol.SavePreset) ([]protocol.Event, error) {
			items, err := d.Chats.SavePreset(ctx, c.Preset)
			if err != nil {
				return nil, err
			}
			return reply(protocol.Presets(c.ReqID, items)), nil
		})},
		protocol.CmdDeletePreset: {Run: of(func(ctx context.Context, _ Session, c protocol.DeletePreset) ([]protocol.Event, error) {
			items, err := d.Chats.DeletePreset(ctx, c.PresetName)
			if err != nil {
				return nil, err
			}
			return reply(protocol.Presets(c.ReqID, items)), nil
		})},
	}
}
