package assembly

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hearth-app/hearth/backend/mcp"
	"github.com/hearth-app/hearth/backend/turns"
)

// toolbox is the turn engine's view of the MCP servers: the two packages
// stay apart, and only this adapter knows both.
type toolbox struct{ m *mcp.Manager }

func (t toolbox) Tools() []turns.Tool {
	ready := t.m.ReadyTools()
	out := make([]turns.Tool, 0, len(ready))
	for _, tl := range ready {
		out = append(out, turns.Tool{Server: tl.Server, Name: tl.Name, Description: tl.Description, Schema: tl.InputSchema,
			ReadOnly: tl.ReadOnly, Destructive: tl.Destructive, AutoApprove: t.m.AutoApproved(tl.Server, tl.Name)})
	}
	return out
}

func (t toolbox) Call(ctx context.Context, server, tool string, args json.RawMessage) (turns.ToolOutput, error) {
	res, err := t.m.Call(ctx, server, tool, args)
	if errors.Is(err, mcp.ErrTimeout) {
		return turns.ToolOutput{}, fmt.Errorf("%w: %w", turns.ErrToolTimeout, err)
	}
	if err != nil {
		return turns.ToolOutput{}, err
	}
	out := turns.ToolOutput{Text: res.Text, IsError: res.IsError}
	for _, img := range res.Images {
		out.Images = append(out.Images, turns.ToolImage{MIME: img.MIME, Data: img.Data})
	}
	return out, nil
}
