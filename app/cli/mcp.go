package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/protocol"
)

func (h *hearth) mcpCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "the MCP servers whose tools the model may call",
		Long: "Commands about the MCP servers of the running Hearth, which it reads from its mcp.json " +
			"(--mcp-config, HEARTH_MCP_CONFIG; see docs/tools.md).",
		GroupID:           groupRun,
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE:              func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "ls",
		Short: "list the MCP servers: transport, state, restarts and tools",
		Long: "Lists the MCP servers of the running Hearth, in name order: transport (stdio, http, sse), " +
			"state (starting, ready, failed with why and the end of its stderr, disabled), restarts after a crash, " +
			"and a ready server's tools, marked read-only or destructive (the server's hints) and auto-approve " +
			"(its autoApprove lists the tool). The config file it reads comes first.",
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: h.action(func(ctx context.Context, cfg config.Config, _ *slog.Logger, _ []string) error {
			return h.runMCPLs(ctx, cfg)
		}),
	})
	return cmd
}

func (h *hearth) runMCPLs(ctx context.Context, cfg config.Config) error {
	c, err := dial(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer c.Close()
	ev, err := c.Request(ctx, protocol.ListMCPServers{})
	if err != nil {
		return refusal(err)
	}
	var servers []protocol.MCPServer
	if err := ev.Items(&servers); err != nil {
		return err
	}
	printMCPServers(h.io.Out, ev.ConfigPath, ev.Error, servers)
	return nil
}

// stderrLines is how much of a failed server's stderr is shown; its log
// file has the rest.
const stderrLines = 10

func printMCPServers(w io.Writer, path, problem string, servers []protocol.MCPServer) {
	fmt.Fprintf(w, "config: %s\n", path)
	if problem != "" {
		fmt.Fprintf(w, "problem: %s\n", oneLine(problem, 500))
	}
	if len(servers) == 0 {
		fmt.Fprintln(w, "no MCP servers")
		return
	}
	for _, s := range servers {
		fmt.Fprintf(w, "\n%s  %s  %s  restarts %d\n", s.Name, s.Transport, s.State, s.Restarts)
		if s.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", oneLine(s.Error, 500))
		}
		if tail := strings.TrimRight(s.StderrTail, "\n"); tail != "" {
			lines := strings.Split(tail, "\n")
			if len(lines) > stderrLines {
				lines = lines[len(lines)-stderrLines:]
			}
			fmt.Fprintln(w, "  stderr:")
			for _, l := range lines {
				fmt.Fprintf(w, "    | %s\n", strings.TrimRight(l, "\r"))
			}
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, t := range s.Tools {
			var marks []string
			if t.ReadOnly {
				marks = append(marks, "read-only")
			}
			if t.Destructive {
				marks = append(marks, "destructive")
			}
			if t.AutoApprove {
				marks = append(marks, "auto-approve")
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", t.Name, strings.Join(marks, ", "), oneLine(t.Description, 60))
		}
		_ = tw.Flush()
	}
}
