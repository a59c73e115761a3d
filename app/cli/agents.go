package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hearth-app/hearth/backend/agentproc"
	"github.com/hearth-app/hearth/backend/client"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/protocol"
)

func (h *hearth) agentsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "agents",
		Short: "list the agents: name, online or offline, description",
		Long: "Lists the agents the running Hearth knows, by name: those connected now (online) and those " +
			"config.toml names or that connected earlier (offline), with their descriptions. For an offline " +
			"agent that Hearth starts itself ([[agents]] with a command), the log file that says why comes " +
			"after it. hearth chat --agent NAME starts a chat one of them answers (docs/agents.md).",
		GroupID:           groupRun,
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: h.action(func(ctx context.Context, cfg config.Config, _ *slog.Logger, _ []string) error {
			c, err := dial(ctx, cfg, false)
			if err != nil {
				return err
			}
			defer c.Close()
			agents, err := listAgents(ctx, c)
			if err != nil {
				return refusal(err)
			}
			printAgents(h.io.Out, agents, agentLogs(cfg))
			return nil
		}),
	}
}

func listAgents(ctx context.Context, c *client.Client) ([]protocol.Agent, error) {
	ev, err := c.Request(ctx, protocol.ListAgents{})
	if err != nil {
		return nil, err
	}
	var agents []protocol.Agent
	if err := ev.Items(&agents); err != nil {
		return nil, err
	}
	return agents, nil
}

// agentLogs maps each agent config.toml has Hearth start to its log file,
// where it exists.
func agentLogs(cfg config.Config) map[string]string {
	out := map[string]string{}
	for _, a := range cfg.Agents {
		if len(a.Command) == 0 {
			continue
		}
		p := agentproc.LogFile(cfg.AgentLogDir(), a.Name)
		if _, err := os.Stat(p); err == nil {
			out[a.Name] = p
		}
	}
	return out
}

// printAgents writes one line per agent; logs names the log files of
// offline agents Hearth starts. Pure but for w.
func printAgents(w io.Writer, agents []protocol.Agent, logs map[string]string) {
	if len(agents) == 0 {
		fmt.Fprintln(w, "no agents: an agent is a program that connects to Hearth's socket (docs/agents.md), or one config.toml names in [[agents]]")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, a := range agents {
		state := "offline"
		if a.Online {
			state = "online"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Name, state, oneLine(a.Description, 80))
		if log := logs[a.Name]; log != "" && !a.Online {
			fmt.Fprintf(tw, "\t\tlog: %s\n", log)
		}
	}
	_ = tw.Flush()
}

// checkAgent makes sure the agent named is one Hearth knows before a chat
// is started for it: a typo would otherwise leave a chat nobody answers.
func checkAgent(ctx context.Context, c *client.Client, name string) error {
	agents, err := listAgents(ctx, c)
	if err != nil {
		return refusal(err)
	}
	var known []string
	for _, a := range agents {
		if a.Name == name {
			return nil
		}
		known = append(known, a.Name)
	}
	msg := fmt.Sprintf("no agent is named %q", name)
	if len(known) > 0 {
		msg += " (the agents: " + strings.Join(known, ", ") + ")"
	} else {
		msg += " (Hearth knows no agents yet: see docs/agents.md)"
	}
	return exit{code: 1, msg: msg}
}

func (h *hearth) completeAgents(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	h.ask(cmd, func(ctx context.Context, c *client.Client) error {
		agents, err := listAgents(ctx, c)
		if err != nil {
			return err
		}
		for _, a := range agents {
			if strings.HasPrefix(a.Name, toComplete) {
				desc := "offline"
				if a.Online {
					desc = "online"
				}
				if a.Description != "" {
					desc += ": " + oneLine(a.Description, 50)
				}
				out = append(out, cobra.CompletionWithDesc(a.Name, desc))
			}
		}
		return nil
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}
