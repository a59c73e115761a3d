package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hearth-app/hearth/backend/client"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/ids"
	"github.com/hearth-app/hearth/backend/protocol"
)

// exitCancelled is a turn stopped by Ctrl-C, as a shell reports SIGINT.
const exitCancelled = 130

// cancelConfirmWait is how long chat waits, after Ctrl-C, for the server to
// end the turn before it gives up on the confirmation.
const cancelConfirmWait = 5 * time.Second

type chatOptions struct {
	chat        string
	last, fresh bool
	effort      string
	queue       bool
	// system and preset start the new chat with its settings.
	system, preset string
	// regenerate asks again for the chat's last answer instead of sending.
	regenerate bool
	// temporary starts a chat kept in memory only, gone when chat exits.
	temporary bool
	// agent starts a new chat that this agent answers.
	agent string
}

func (h *hearth) chatCmd() *cobra.Command {
	var o chatOptions
	cmd := &cobra.Command{
		Use:   "chat [--chat ID | --continue | --new] [--model M] [PROMPT] [--system TEXT] [--preset NAME] [--regenerate] [--temporary] [--agent NAME]",
		Short: "send a prompt and stream the answer",
		Long: `Sends PROMPT (or, without one, stdin) to a chat and streams the turn: the
answer to stdout, the model's reasoning dimmed to stderr. Exits 0 at the end of
the turn. Ctrl-C cancels the turn, keeps what was said and exits 130.

--system and --preset start a new chat with that system prompt or with a
saved preset's system prompt, model and parameters (--system and --model win
over the preset's).

--regenerate sends no prompt: it asks again for the answer to the last
question of the chat (--chat ID or --continue), with --model and --effort if
given, and streams the new answer. The earlier answer stays in the chat as
another version of it.

--temporary starts a temporary chat: it is never written to disk, and it
lives only while this command runs (and while another client, such as an open
window, follows it). When the command exits, the chat is gone for everyone.

--agent starts a new chat bound to an agent (hearth agents lists them): the
agent answers it instead of the model, now and whenever the chat is continued.
Its tool calls are printed like the model's. If the agent is offline, the
turn ends with an error and the prompt stays in the chat.

The words of PROMPT are joined with spaces. A prompt that starts with a dash
goes after --.`,
		Example: `  hearth chat "why is the sky blue?"
  hearth chat "and at sunset?" --chat c3x…
  git diff | hearth chat --continue --model qwen3:8b
  hearth chat --preset coder "write a Go HTTP server"
  hearth chat --system "Answer in French." "what is a hearth?"
  hearth chat -- "-3 is less than 0?"
  hearth chat --temporary "a question not to be kept"
  hearth chat --continue --regenerate --model qwen3:8b
  hearth chat --agent coder "what changed in this repo today?"`,
		GroupID:           groupChats,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: h.action(func(ctx context.Context, cfg config.Config, _ *slog.Logger, args []string) error {
			return h.runChat(ctx, cfg, o, args)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&o.chat, "chat", "", "continue the chat with this `ID`")
	f.BoolVar(&o.last, "continue", false, "continue the most recently active chat")
	f.BoolVar(&o.fresh, "new", false, "start a new chat (the default)")
	f.StringVar(&o.effort, "effort", "", "reasoning `effort`: low, medium or high (where the model supports it)")
	f.BoolVar(&o.queue, "queue", false, "if a turn is running in the chat, queue this message behind it")
	f.StringVar(&o.system, "system", "", "start the new chat with this system prompt (`TEXT`)")
	f.StringVar(&o.preset, "preset", "", "start the new chat from the preset `NAME` (its system prompt, model and parameters)")
	f.BoolVar(&o.regenerate, "regenerate", false, "send no prompt: answer the chat's last question again (with --chat or --continue)")
	f.BoolVar(&o.temporary, "temporary", false, "start a temporary chat: never written to disk, gone when this command exits")
	f.StringVar(&o.agent, "agent", "", "start a new chat that the agent `NAME` answers (hearth agents lists them)")
	cmd.MarkFlagsMutuallyExclusive("chat", "continue", "new")
	cmd.MarkFlagsMutuallyExclusive("regenerate", "new")
	cmd.MarkFlagsMutuallyExclusive("regenerate", "queue")
	// A temporary chat is new: it excludes each of these (which do not
	// exclude each other: --chat ID --regenerate is one request).
	for _, other := range []string{"chat", "continue", "regenerate"} {
		cmd.MarkFlagsMutuallyExclusive("temporary", other)
		cmd.MarkFlagsMutuallyExclusive("agent", other)
	}
	_ = cmd.RegisterFlagCompletionFunc("chat", h.completeChatIDs)
	_ = cmd.RegisterFlagCompletionFunc("preset", h.completePresets)
	_ = cmd.RegisterFlagCompletionFunc("agent", h.completeAgents)
	_ = cmd.RegisterFlagCompletionFunc("effort", cobra.FixedCompletions([]string{"low", "medium", "high"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	fi, err := file.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// runChat sends one prompt and streams the turn.
func (h *hearth) runChat(ctx context.Context, cfg config.Config, o chatOptions, args []string) error {
	prompt := strings.Join(args, " ")
	switch {
	case o.regenerate && prompt != "":
		return usage("--regenerate takes no prompt: it answers the chat's last question again")
	case o.regenerate && o.chat == "" && !o.last:
		return usage("--regenerate needs the chat: --chat ID, or --continue for the most recently active one")
	case o.regenerate:
	case prompt == "":
		if isTerminal(h.io.In) {
			return usage("give a prompt: hearth chat \"your question\" (or pipe it on stdin)")
		}
		b, err := io.ReadAll(io.LimitReader(h.io.In, protocol.MaxContentBytes+1))
		if err != nil {
			return fmt.Errorf("read prompt from stdin: %w", err)
		}
		prompt = string(b)
	}
	if !o.regenerate && strings.TrimSpace(prompt) == "" {
		return usage("the prompt is empty")
	}
	if (o.system != "" || o.preset != "") && (o.chat != "" || o.last) {
		return usage("--system and --preset start a new chat: leave out --chat and --continue (or change the chat's settings in the app)")
	}
	// The connection must outlive Ctrl-C long enough to send the cancel.
	conn := context.WithoutCancel(ctx)
	c, err := dial(conn, cfg, true)
	if err != nil {
		return err
	}
	defer c.Close()

	model := ""
	if h.ov.Model != nil {
		model = *h.ov.Model
	}
	chatID := o.chat
	if chatID == "" && o.last {
		// The list puts pinned (and temporary) chats first: the last chat
		// used is the newest of the first page, not its first.
		ev, err := c.Request(conn, protocol.ListChats{Limit: 100})
		if err != nil {
			return refusal(err)
		}
		var chats []protocol.Chat
		if err := ev.Items(&chats); err != nil {
			return err
		}
		chatID = mostRecent(chats)
	}
	if o.regenerate {
		if chatID == "" {
			return exit{code: 1, msg: "there is no chat yet to answer again in"}
		}
		return h.runRegenerate(ctx, conn, c, chatID, model, o.effort)
	}
	if o.agent != "" {
		if err := checkAgent(conn, c, o.agent); err != nil {
			return err
		}
	}
	if chatID == "" {
		ev, err := c.Request(conn, protocol.NewChat{Model: model, System: o.system, Preset: o.preset, Temporary: o.temporary, Agent: o.agent})
		var pe *protocol.Error
		if o.preset != "" && errors.As(err, &pe) && pe.Reason == protocol.ReasonNotFound {
			return exit{code: 1, msg: pe.Detail + " (the app's chat settings list the presets and save new ones)"}
		}
		if err != nil {
			return refusal(err)
		}
		chatID = ev.ChatID
	}
	acc, err := c.Request(conn, protocol.SendMessage{ChatID: chatID, Content: prompt, Model: model,
		ReasoningEffort: o.effort, Queue: o.queue})
	if err != nil {
		return refusal(err)
	}
	return h.streamTurn(ctx, conn, c, chatID, acc.TurnID)
}

// refusal turns the server's refusal into its words, with what to do about
// it where the command line has an answer; other errors pass through.
func refusal(err error) error {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		return err
	}
	msg := pe.Detail
	switch pe.Reason {
	case protocol.ReasonBusy:
		msg += " (hearth chat --queue sends it after the running answer)"
	case protocol.ReasonNotFound:
		msg += " (hearth ls lists the chats)"
	}
	return exit{code: 1, msg: msg}
}

// streamTurn prints one turn until its turn_end: reasoning to stderr (dimmed
// on a terminal), the answer to stdout. ctx ending (Ctrl-C) cancels the turn;
// conn is the connection's context, which outlives it.
func (h *hearth) streamTurn(ctx, conn context.Context, c *client.Client, chatID, turnID string) error {
	stdout, stderr := h.io.Out, h.io.Err
	dim := isTerminal(stderr)
	inReasoning := false
	endReasoning := func() {
		if inReasoning {
			if dim {
				fmt.Fprint(stderr, "\x1b[0m")
			}
			fmt.Fprintln(stderr)
			inReasoning = false
		}
	}
	events, errs, stopEvents := pump(conn, c)
	defer stopEvents()
	var unconfirmed <-chan time.Time
	wroteAnswer := false
	// Calls waiting for the user are asked about here when stdin is a
	// terminal; otherwise the app (or another client) answers them.
	askHere := isTerminal(h.io.In)
	ap := &approvals{in: h.io.In, out: stderr, send: func(callID, decision string) {
		_, _ = c.Send(conn, protocol.Approve{ChatID: chatID, CallID: callID, Decision: decision})
	}}
	for {
		select {
		case line, ok := <-ap.input():
			if !ok {
				ap.lines = nil
				continue
			}
			ap.answer(line)
		case <-ctx.Done():
			_, _ = c.Send(conn, protocol.Cancel{ChatID: chatID, TurnID: turnID})
			unconfirmed = time.After(cancelConfirmWait)
			ctx = context.Background()
		case <-unconfirmed:
			endReasoning()
			return fmt.Errorf("the server did not confirm the cancel within %v", cancelConfirmWait)
		case err := <-errs:
			endReasoning()
			return fmt.Errorf("connection lost: %w", err)
		case ev := <-events:
			if ev.ChatID != chatID || (ev.TurnID != "" && ev.TurnID != turnID) {
				continue
			}
			switch ev.Event.Event {
			case protocol.EvReasoningDelta:
				if !inReasoning {
					inReasoning = true
					if dim {
						fmt.Fprint(stderr, "\x1b[2m")
					}
				}
				fmt.Fprint(stderr, deref(ev.Text))
			case protocol.EvReasoningEnd:
				endReasoning()
			case protocol.EvDelta:
				endReasoning()
				fmt.Fprint(stdout, deref(ev.Text))
				wroteAnswer = true
			case protocol.EvToolCall:
				endReasoning()
				if wroteAnswer {
					fmt.Fprintln(stdout)
				}
				line := "→ " + callLine(ev.Server, ev.Name, ev.Arguments)
				if ev.AllowedBy != "" {
					line += "  (allowed: " + strings.ReplaceAll(ev.AllowedBy, "_", " ") + ")"
				}
				fmt.Fprintln(stderr, line)
			case protocol.EvApprovalRequest:
				if askHere {
					ap.ask(ev.Event)
				} else {
					fmt.Fprintf(stderr, "  %s waits for your approval in the Hearth app\n", callLine(ev.Server, ev.Name, nil))
				}
			case protocol.EvApprovalResolved:
				ap.resolved(ev.CallID)
				fmt.Fprintf(stderr, "  %s (%s)\n", decisionWords(ev.Decision), ev.By)
			case protocol.EvToolResult:
				ms := int64(0)
				if ev.DurationMS != nil {
					ms = *ev.DurationMS
				}
				fmt.Fprintln(stderr, resultLine(ev.Status, ms, deref(ev.Content)))
			case protocol.EvTurnEnd:
				endReasoning()
				if wroteAnswer {
					fmt.Fprintln(stdout)
				}
				switch ev.Status {
				case protocol.StatusDone:
					return nil
				case protocol.StatusCancelled:
					if ids.IsTemporary(chatID) {
						return exit{code: exitCancelled, msg: "cancelled; the temporary chat ends with this command"}
					}
					return exit{code: exitCancelled, msg: "cancelled; the partial answer is kept in chat " + chatID}
				default:
					msg := ev.Error
					if msg == "" {
						msg = "the turn ended with status " + ev.Status
					}
					return exit{code: 1, msg: msg}
				}
			case protocol.EvError:
				endReasoning()
				return exit{code: 1, msg: ev.Detail}
			}
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// mostRecent is the id of the chat used last ("" for none). Pure.
func mostRecent(chats []protocol.Chat) string {
	best := -1
	for i, c := range chats {
		if best < 0 || c.UpdatedAt.After(chats[best].UpdatedAt) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return chats[best].ID
}
