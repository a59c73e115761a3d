package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hearth-app/hearth/backend/client"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/protocol"
)

// Chats as trees on the command line: hearth fork copies a path of a chat
// into a new chat, hearth chat --regenerate asks for another answer.

func (h *hearth) forkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "fork ID [MESSAGE_ID]",
		Short: "copy a chat, up to one of its messages, into a new chat",
		Long: `Makes a new chat that holds the conversation of chat ID from its start down
to MESSAGE_ID (without one: the chat as it reads now, to its last message),
and prints the new chat's id and title. The new chat follows only the version
of each message on that path; the chat ID itself does not change.

hearth attach ID shows each message's id (#12); a leading # is accepted.`,
		Example: `  hearth fork c3x…
  hearth fork c3x… 12
  hearth chat --chat $(hearth fork c3x… 12 | cut -d' ' -f1) "what if instead…"`,
		GroupID:           groupChats,
		Args:              chatAndMessage,
		ValidArgsFunction: h.completeForkArgs,
		RunE: h.action(func(ctx context.Context, cfg config.Config, _ *slog.Logger, args []string) error {
			var msgID int64
			if len(args) == 2 {
				n, err := strconv.ParseInt(strings.TrimPrefix(args[1], "#"), 10, 64)
				if err != nil || n < 1 {
					return usage("MESSAGE_ID must be a message's number, as hearth attach %s shows it (#12), not %q", args[0], args[1])
				}
				msgID = n
			}
			return h.runFork(ctx, cfg, args[0], msgID)
		}),
	}
}

func (h *hearth) runFork(ctx context.Context, cfg config.Config, chatID string, msgID int64) error {
	c, err := dial(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer c.Close()
	given := msgID != 0
	if !given {
		if msgID, err = activeLeaf(ctx, c, chatID); err != nil {
			return err
		}
	}
	ev, err := c.Request(ctx, protocol.ForkChat{ChatID: chatID, MessageID: msgID})
	if err != nil {
		var pe *protocol.Error
		if given && errors.As(err, &pe) && pe.Reason == protocol.ReasonNotFound {
			return exit{code: 1, msg: fmt.Sprintf("%s (hearth attach %s shows its messages' ids)", pe.Detail, chatID)}
		}
		return branchRefusal(err)
	}
	if ev.Chat == nil {
		return fmt.Errorf("the server answered fork_chat with %s and no chat", ev.Event.Event)
	}
	fmt.Fprintf(h.io.Out, "%s  %s\n", ev.Chat.ID, oneLine(ev.Chat.Title, 80))
	return nil
}

// activeLeaf is the last message of the chat's active path: the chat's
// leaf_id, or (from a server that does not send it) the newest message of
// its history that is not a question still waiting for its turn (those are
// listed last but are not on any path yet). While an answer is being
// written there is no last message to copy: history leaves the unfinished
// answer out, and a fork ending in its question would read question,
// question once the user goes on in it.
func activeLeaf(ctx context.Context, c *client.Client, chatID string) (int64, error) {
	att, err := c.Request(ctx, protocol.Attach{ChatID: chatID})
	if err != nil {
		return 0, refusal(err)
	}
	if att.Status == protocol.ChatRunning {
		return 0, exit{code: 1, msg: fmt.Sprintf("an answer is being written in chat %s; fork once it is done, or name the message to fork at (hearth attach %s shows their ids)", chatID, chatID)}
	}
	if att.Chat != nil && att.Chat.LeafID > 0 {
		return att.Chat.LeafID, nil
	}
	var before int64
	for {
		ev, err := c.Request(ctx, protocol.GetHistory{ChatID: chatID, BeforeSeq: before, Limit: 20})
		if err != nil {
			return 0, refusal(err)
		}
		var items []protocol.Message
		if err := ev.Items(&items); err != nil {
			return 0, err
		}
		for i := len(items) - 1; i >= 0; i-- {
			if !items[i].Queued {
				return items[i].ID, nil
			}
		}
		if ev.HasMore == nil || !*ev.HasMore || len(items) == 0 {
			return 0, exit{code: 1, msg: fmt.Sprintf("chat %s has no messages to fork", chatID)}
		}
		before = items[0].Seq
	}
}

// branchRefusal words the server's refusal of a branch command. Busy here
// means an answer is being written: queueing (refusal's advice) does not
// apply to a branch, the server's own words say what to do.
func branchRefusal(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Reason == protocol.ReasonBusy {
		return exit{code: 1, msg: pe.Detail}
	}
	return refusal(err)
}

// chatAndMessage refuses a command line without a chat id, or with more
// than a chat id and a message id, naming them as the usage line does.
func chatAndMessage(cmd *cobra.Command, args []string) error {
	if len(args) < 1 || len(args) > 2 {
		return fmt.Errorf("usage: %s", cmd.UseLine())
	}
	return nil
}

// runRegenerate asks for a new answer to the last question of the chat and
// streams it as a turn. The answer it replaces stays in the chat as the
// other version.
func (h *hearth) runRegenerate(ctx, conn context.Context, c *client.Client, chatID, model, effort string) error {
	acc, err := c.Request(conn, protocol.Regenerate{ChatID: chatID, Model: model, ReasoningEffort: effort})
	if err != nil {
		return branchRefusal(err)
	}
	return h.streamTurn(ctx, conn, c, chatID, acc.TurnID)
}

// completeForkArgs completes a chat id, then one of that chat's message ids
// (newest first, each with its role and the start of its text).
func (h *hearth) completeForkArgs(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	switch len(args) {
	case 0:
		return h.completeChatIDs(cmd, args, toComplete)
	case 1:
	default:
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	h.ask(cmd, func(ctx context.Context, c *client.Client) error {
		ev, err := c.Request(ctx, protocol.GetHistory{ChatID: args[0], Limit: protocol.MaxLimit})
		if err != nil {
			return err
		}
		var items []protocol.Message
		if err := ev.Items(&items); err != nil {
			return err
		}
		for i := len(items) - 1; i >= 0; i-- {
			m := items[i]
			id := strconv.FormatInt(m.ID, 10)
			if m.Queued || !strings.HasPrefix(id, strings.TrimPrefix(toComplete, "#")) {
				continue
			}
			who := "you"
			if m.Role == protocol.RoleAssistant {
				who = "assistant"
			}
			out = append(out, cobra.CompletionWithDesc(id, who+": "+oneLine(m.Content, 50)))
		}
		return nil
	})
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}
