package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hearth-app/hearth/backend/client"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/protocol"
)

func (h *hearth) lsCmd() *cobra.Command {
	var all, archived bool
	var limit int
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "list chats (id, title, updated, message count)",
		Long: "Lists chats, pinned ones first, then most recently active first: id, title, last activity, message count. " +
			"Archived chats are left out; --archived lists only those. " +
			"Temporary chats (kept in memory while a client follows them) come first, marked (temporary). " +
			"Without --all it lists up to --limit chats (" + fmt.Sprint(protocol.MaxLimit) + " by default) and says on stderr when there are more.",
		GroupID:           groupChats,
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: h.action(func(ctx context.Context, cfg config.Config, _ *slog.Logger, _ []string) error {
			if limit < 1 {
				return usage("--limit must be at least 1")
			}
			if all {
				limit = 0
			}
			return h.runLs(ctx, cfg, limit, archived)
		}),
	}
	cmd.Flags().BoolVar(&all, "all", false, "list every chat (fetched page by page)")
	cmd.Flags().IntVar(&limit, "limit", protocol.MaxLimit, "list at most `N` chats")
	cmd.Flags().BoolVar(&archived, "archived", false, "list the archived chats instead of the others")
	cmd.MarkFlagsMutuallyExclusive("all", "limit")
	return cmd
}

// runLs lists up to limit chats (0: all of them), reading the server's pages
// of at most MaxLimit with list_chats {before}; archived lists the archived
// chats instead.
func (h *hearth) runLs(ctx context.Context, cfg config.Config, limit int, archived bool) error {
	c, err := dial(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer c.Close()
	var chats []protocol.Chat
	before, more := "", true
	for more && (limit == 0 || len(chats) < limit) {
		n := protocol.MaxLimit
		if limit > 0 {
			n = min(n, limit-len(chats))
		}
		var page []protocol.Chat
		page, more, before, err = chatPage(ctx, c, n, before, archived)
		if err != nil {
			return err
		}
		chats = append(chats, page...)
		if before == "" {
			more = false // a server that gives no cursor cannot be paged further
		}
	}
	tw := tabwriter.NewWriter(h.io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTITLE\tUPDATED\tMESSAGES")
	for _, ch := range chats {
		title := oneLine(ch.Title, 50)
		if ch.Temporary {
			title += " (temporary)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", ch.ID, title, ch.UpdatedAt.Local().Format("2006-01-02 15:04"), ch.MessageCount)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(h.io.Err, "more chats than these %d: hearth ls --all lists every one\n", len(chats))
	}
	return nil
}

// chatPage is one list_chats page: up to limit chats before the cursor,
// whether more follow, and the cursor of the next page.
func chatPage(ctx context.Context, c *client.Client, limit int, before string, archived bool) ([]protocol.Chat, bool, string, error) {
	ev, err := c.Request(ctx, protocol.ListChats{Limit: limit, Before: before, Archived: archived})
	if err != nil {
		return nil, false, "", refusal(err)
	}
	var chats []protocol.Chat
	if err := ev.Items(&chats); err != nil {
		return nil, false, "", err
	}
	return chats, ev.HasMore != nil && *ev.HasMore, ev.NextBefore, nil
}

// listChats is the most recently active chats, as many as one page holds.
func listChats(ctx context.Context, c *client.Client) ([]protocol.Chat, error) {
	ev, err := c.Request(ctx, protocol.ListChats{Limit: protocol.MaxLimit})
	if err != nil {
		return nil, refusal(err)
	}
	var chats []protocol.Chat
	if err := ev.Items(&chats); err != nil {
		return nil, err
	}
	return chats, nil
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (h *hearth) attachCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "attach ID",
		Short:             "print a chat's history, then follow it live",
		Long:              "Prints the chat's history, then follows it live (what any client sends to it, and the answers) until Ctrl-C. It comes back by itself if Hearth restarts.",
		GroupID:           groupChats,
		Args:              exactArgs(1),
		ValidArgsFunction: h.completeChatArg,
		RunE: h.action(func(ctx context.Context, cfg config.Config, _ *slog.Logger, args []string) error {
			return h.runAttach(ctx, cfg, args[0])
		}),
	}
}

func (h *hearth) runAttach(ctx context.Context, cfg config.Config, chatID string) error {
	c, err := dial(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer c.Close()
	// Page upward to the start, then print oldest first.
	var pages [][]protocol.Message
	var before, last int64
	for {
		ev, err := c.Request(ctx, protocol.GetHistory{ChatID: chatID, BeforeSeq: before, Limit: protocol.MaxLimit})
		if err != nil {
			return refusal(err)
		}
		var items []protocol.Message
		if err := ev.Items(&items); err != nil {
			return err
		}
		if last == 0 && ev.LastSeq != nil {
			last = *ev.LastSeq
		}
		pages = append(pages, items)
		if ev.HasMore == nil || !*ev.HasMore || len(items) == 0 {
			break
		}
		before = items[0].Seq
	}
	for i := len(pages) - 1; i >= 0; i-- {
		for _, m := range pages[i] {
			printMessage(h.io.Out, m)
		}
	}
	if _, err := c.Request(ctx, protocol.Attach{ChatID: chatID, Since: &last}); err != nil {
		return refusal(err)
	}
	fmt.Fprintln(h.io.Err, "— following live; Ctrl-C to stop —")
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("connection lost: %w", err)
		}
		h.printLive(ev, chatID)
		if ev.Event.Event == protocol.EvChatDeleted && ev.ChatID == chatID {
			return exit{code: 1, msg: "the chat was deleted"}
		}
	}
}

func printMessage(w io.Writer, m protocol.Message) {
	who := "you"
	if m.Role == protocol.RoleAssistant {
		who = "assistant"
		if m.Model != "" {
			who += " (" + m.Model + ")"
		}
	}
	// The id is what hearth fork takes to copy the chat up to this message.
	fmt.Fprintf(w, "── %s · %s · #%d\n", who, m.CreatedAt.Local().Format("2006-01-02 15:04"), m.ID)
	if m.Reasoning != "" {
		fmt.Fprintf(w, "[thought for %.1f s]\n", float64(m.ReasoningMS)/1000)
	}
	if m.Content != "" {
		fmt.Fprintln(w, m.Content)
	}
	for _, md := range m.Media {
		fmt.Fprintf(w, "[%s: %s]\n", md.MIME, md.Name)
	}
	if m.Status != protocol.StatusDone {
		fmt.Fprintf(w, "[%s%s]\n", m.Status, suffix(m.Error))
	}
	fmt.Fprintln(w)
}

func suffix(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

func (h *hearth) printLive(ev client.Event, chatID string) {
	if ev.ChatID != chatID {
		return
	}
	stdout, stderr := h.io.Out, h.io.Err
	switch ev.Event.Event {
	case protocol.EvUserMessage:
		if ev.Message != nil {
			printMessage(stdout, *ev.Message)
		}
	case protocol.EvTurnStart:
		fmt.Fprintf(stdout, "── assistant (%s) · #%d\n", ev.Model, ev.MessageID)
	case protocol.EvReasoningDelta:
		fmt.Fprint(stderr, deref(ev.Text))
	case protocol.EvReasoningEnd:
		fmt.Fprintln(stderr)
	case protocol.EvDelta:
		fmt.Fprint(stdout, deref(ev.Text))
	case protocol.EvTurnEnd:
		fmt.Fprintln(stdout)
		if ev.Status != protocol.StatusDone {
			fmt.Fprintf(stdout, "[%s%s]\n", ev.Status, suffix(ev.Error))
		}
		fmt.Fprintln(stdout)
	}
}

func (h *hearth) modelsCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "models",
		Short:             "models the configured provider offers",
		GroupID:           groupChats,
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: h.action(func(ctx context.Context, cfg config.Config, _ *slog.Logger, _ []string) error {
			return h.runModels(ctx, cfg)
		}),
	}
}

func (h *hearth) runModels(ctx context.Context, cfg config.Config) error {
	c, err := dial(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer c.Close()
	models, ev, err := listModels(ctx, c)
	if err != nil {
		return err
	}
	for _, m := range models {
		fmt.Fprintln(h.io.Out, m.ID)
	}
	if len(models) == 0 {
		fmt.Fprintf(h.io.Err, "the %s server at %s offers no models\n", ev.Provider, ev.URL)
	}
	return nil
}

// listModels asks the running Hearth for its model server's models; the
// reply also names that server.
func listModels(ctx context.Context, c *client.Client) ([]protocol.Model, client.Event, error) {
	ev, err := c.Request(ctx, protocol.ListModels{})
	if err != nil {
		return nil, ev, refusal(err)
	}
	var models []protocol.Model
	if err := ev.Items(&models); err != nil {
		return nil, ev, err
	}
	return models, ev, nil
}

func (h *hearth) searchCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "search QUERY",
		Short:             "full-text search across chats",
		Long:              "Searches every chat's messages (SQLite FTS5). The words of QUERY are joined with spaces.",
		Example:           `  hearth search sky blue`,
		GroupID:           groupChats,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: h.action(func(ctx context.Context, cfg config.Config, _ *slog.Logger, args []string) error {
			return h.runSearch(ctx, cfg, strings.Join(args, " "))
		}),
	}
}

func (h *hearth) runSearch(ctx context.Context, cfg config.Config, q string) error {
	if strings.TrimSpace(q) == "" {
		return usage("usage: hearth search QUERY")
	}
	c, err := dial(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer c.Close()
	ev, err := c.Request(ctx, protocol.Search{Query: q})
	if err != nil {
		return refusal(err)
	}
	var hits []protocol.SearchHit
	if err := ev.Items(&hits); err != nil {
		return err
	}
	bold := emphasis(h.io.Out)
	for _, hit := range hits {
		fmt.Fprintf(h.io.Out, "%s  %s  [%s] %s\n", hit.ChatID, oneLine(hit.ChatTitle, 30), hit.Role, snippetLine(hit, 100, bold))
	}
	if len(hits) == 0 {
		fmt.Fprintln(h.io.Err, "no matches")
	}
	return nil
}
