package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hearth-app/hearth/backend/client"
)

// Shell completion: `hearth completion bash|zsh|fish|powershell` prints the
// script (cobra's), which calls `hearth __complete …` on every Tab. Chat ids
// and model names come from the running Hearth; without one, there is simply
// nothing to offer.

// completionWait bounds a question to the running Hearth while the user
// waits on a Tab: a slow model server must not freeze the shell.
const completionWait = 3 * time.Second

// completeChatArg completes a command's one argument, a chat id.
func (h *hearth) completeChatArg(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return h.completeChatIDs(cmd, args, toComplete)
}

// completeChatIDs offers the ids of the most recently active chats, each with
// its title.
func (h *hearth) completeChatIDs(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	h.ask(cmd, func(ctx context.Context, c *client.Client) error {
		chats, err := listChats(ctx, c)
		for _, ch := range chats {
			if strings.HasPrefix(ch.ID, toComplete) {
				out = append(out, cobra.CompletionWithDesc(ch.ID, oneLine(ch.Title, 60)))
			}
		}
		return err
	})
	// Most recent first, as hearth ls lists them.
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}

// completeModels offers the models of the running Hearth's model server.
func (h *hearth) completeModels(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	h.ask(cmd, func(ctx context.Context, c *client.Client) error {
		models, _, err := listModels(ctx, c)
		for _, m := range models {
			if strings.HasPrefix(m.ID, toComplete) {
				out = append(out, m.ID)
			}
		}
		return err
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}

// ask runs fn against the running Hearth within completionWait. A failure is
// only logged for `hearth __complete` debugging (BASH_COMP_DEBUG_FILE): a
// completion has nowhere to show an error.
func (h *hearth) ask(cmd *cobra.Command, fn func(context.Context, *client.Client) error) {
	cfg, err := h.config()
	if err != nil {
		cobra.CompDebugln("hearth: "+err.Error(), false)
		return
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), completionWait)
	defer cancel()
	c, err := dial(ctx, cfg, false)
	if err != nil {
		cobra.CompDebugln("hearth: "+err.Error(), false)
		return
	}
	defer c.Close()
	if err := fn(ctx, c); err != nil {
		cobra.CompDebugln("hearth: "+err.Error(), false)
	}
}

// completeSharedFlags registers the completions of the flags every command
// shares.
func (h *hearth) completeSharedFlags(root *cobra.Command) {
	fixed := func(words ...string) cobra.CompletionFunc {
		return cobra.FixedCompletions(words, cobra.ShellCompDirectiveNoFileComp)
	}
	dirs := func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	}
	for name, fn := range map[string]cobra.CompletionFunc{
		"model":     h.completeModels,
		"provider":  fixed("openai", "ollama"),
		"log-level": fixed("debug", "info", "warn", "error"),
		"data-dir":  dirs,
		// --socket and --config complete files: cobra's default.
		"listen":                cobra.NoFileCompletions,
		"provider-url":          cobra.NoFileCompletions,
		"provider-idle-timeout": cobra.NoFileCompletions,
		"api-key":               cobra.NoFileCompletions,
		"token":                 cobra.NoFileCompletions,
	} {
		_ = root.RegisterFlagCompletionFunc(name, fn)
	}
}
