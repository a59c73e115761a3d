package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hearth-app/hearth/backend/client"
	"github.com/hearth-app/hearth/backend/protocol"
)

// completePresets offers the running Hearth's presets for --preset, each
// with what it sets.
func (h *hearth) completePresets(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	h.ask(cmd, func(ctx context.Context, c *client.Client) error {
		ev, err := c.Request(ctx, protocol.ListPresets{})
		if err != nil {
			return err
		}
		var items []protocol.Preset
		if err := ev.Items(&items); err != nil {
			return err
		}
		for _, p := range items {
			if strings.HasPrefix(p.Name, toComplete) {
				desc := p.Model
				if p.System != "" {
					desc = strings.TrimSpace(desc + " " + oneLine(p.System, 50))
				}
				out = append(out, cobra.CompletionWithDesc(p.Name, desc))
			}
		}
		return nil
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}
