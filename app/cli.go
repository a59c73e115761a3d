package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hearth-app/hearth/backend/client"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/protocol"
)

func chatFlags(fs *flag.FlagSet) {
	fs.String("chat", "", "continue the chat with this id")
	fs.Bool("continue", false, "continue the most recently active chat")
	fs.Bool("new", false, "start a new chat (the default)")
	fs.String("effort", "", "reasoning effort: low, medium or high (where the model supports it)")
	fs.Bool("queue", false, "if a turn is running in the chat, queue this message behind it")
}

func flagString(fs *flag.FlagSet, name string) string {
	if f := fs.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

func flagBool(fs *flag.FlagSet, name string) bool { return flagString(fs, name) == "true" }

func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	fi, err := file.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// runChat sends one prompt and streams the turn: reasoning to stderr (dimmed on
// a terminal), the answer to stdout. Ctrl-C cancels the turn and keeps what was
// said.
func runChat(ctx context.Context, e env, cfg config.Config, fs *flag.FlagSet, log *slog.Logger) error {
	prompt := strings.Join(fs.Args(), " ")
	if prompt == "" {
		if isTerminal(e.stdin) {
			return exitCode{code: 2, msg: "give a prompt: hearth chat \"your question\" (or pipe it on stdin)"}
		}
		b, err := io.ReadAll(io.LimitReader(e.stdin, protocol.MaxContentBytes+1))
		if err != nil {
			return fmt.Errorf("read prompt from stdin: %w", err)
		}
		prompt = string(b)
	}
	if strings.TrimSpace(prompt) == "" {
		return exitCode{code: 2, msg: "the prompt is empty"}
	}
	// The connection must outlive Ctrl-C long enough to send the cancel.
	conn := context.WithoutCancel(ctx)
	c, err := dial(conn, cfg, true)
	if err != nil {
		return err
	}
	defer c.Close()

	chatID := flagString(fs, "chat")
	if chatID == "" && flagBool(fs, "continue") {
		ev, err := c.Request(conn, map[string]any{"type": "list_chats", "limit": 1})
		if err != nil {
			return err
		}
		var chats []protocol.Chat
		if err := ev.Items(&chats); err != nil {
			return err
		}
		if len(chats) > 0 {
			chatID = chats[0].ID
		}
	}
	if chatID == "" {
		ev, err := c.Request(conn, map[string]any{"type": "new_chat", "model": flagString(fs, "model")})
		if err != nil {
			return err
		}
		chatID = ev.ChatID
	}
	frame := map[string]any{"type": "message", "chat_id": chatID, "content": prompt}
	if m := flagString(fs, "model"); m != "" {
		frame["model"] = m
	}
	if eff := flagString(fs, "effort"); eff != "" {
		frame["reasoning_effort"] = eff
	}
	if flagBool(fs, "queue") {
		frame["queue"] = true
	}
	acc, err := c.Request(conn, frame)
	if err != nil {
		var se *client.ServerError
		if errors.As(err, &se) {
			return exitCode{code: 1, msg: se.Detail}
		}
		return err
	}
	return streamTurn(ctx, conn, c, e, chatID, acc.TurnID)
}

// streamTurn prints one turn until its turn_end.
func streamTurn(ctx, conn context.Context, c *client.Client, e env, chatID, turnID string) error {
	dim := isTerminal(e.stderr)
	inReasoning := false
	endReasoning := func() {
		if inReasoning {
			if dim {
				fmt.Fprint(e.stderr, "\x1b[0m")
			}
			fmt.Fprintln(e.stderr)
			inReasoning = false
		}
	}
	events := make(chan client.Event)
	errs := make(chan error, 1)
	go func() {
		for {
			ev, err := c.Next(conn)
			if err != nil {
				errs <- err
				return
			}
			events <- ev
		}
	}()
	cancelled := false
	wroteAnswer := false
	for {
		select {
		case <-ctx.Done():
			if !cancelled {
				cancelled = true
				_, _ = c.Send(conn, map[string]any{"type": "cancel", "chat_id": chatID, "turn_id": turnID})
				go func() {
					time.Sleep(5 * time.Second)
					errs <- errors.New("the server did not confirm the cancel")
				}()
			}
			ctx = context.Background()
		case err := <-errs:
			endReasoning()
			return fmt.Errorf("connection lost: %w", err)
		case ev := <-events:
			if ev.ChatID != chatID || (ev.TurnID != "" && ev.TurnID != turnID) {
				continue
			}
			switch ev.Event.Event {
			case "reasoning_delta":
				if !inReasoning {
					inReasoning = true
					if dim {
						fmt.Fprint(e.stderr, "\x1b[2m")
					}
				}
				fmt.Fprint(e.stderr, deref(ev.Text))
			case "reasoning_end":
				endReasoning()
			case "delta":
				endReasoning()
				fmt.Fprint(e.stdout, deref(ev.Text))
				wroteAnswer = true
			case "turn_end":
				endReasoning()
				if wroteAnswer {
					fmt.Fprintln(e.stdout)
				}
				switch ev.Status {
				case "done":
					return nil
				case "cancelled":
					return exitCode{code: 130, msg: "cancelled; the partial answer is kept in chat " + chatID}
				default:
					msg := ev.Error
					if msg == "" {
						msg = "the turn ended with status " + ev.Status
					}
					return exitCode{code: 1, msg: msg}
				}
			case "error":
				endReasoning()
				return exitCode{code: 1, msg: ev.Detail}
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

func runLs(ctx context.Context, e env, cfg config.Config, fs *flag.FlagSet, log *slog.Logger) error {
	c, err := dial(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer c.Close()
	ev, err := c.Request(ctx, map[string]any{"type": "list_chats", "limit": protocol.MaxLimit})
	if err != nil {
		return err
	}
	var chats []protocol.Chat
	if err := ev.Items(&chats); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTITLE\tUPDATED\tMESSAGES")
	for _, ch := range chats {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", ch.ID, oneLine(ch.Title, 50), ch.UpdatedAt.Local().Format("2006-01-02 15:04"), ch.MessageCount)
	}
	return tw.Flush()
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// runAttach prints a chat's history, then follows it live until interrupted.
func runAttach(ctx context.Context, e env, cfg config.Config, fs *flag.FlagSet, log *slog.Logger) error {
	if fs.NArg() != 1 {
		return exitCode{code: 2, msg: "usage: hearth attach CHAT_ID"}
	}
	chatID := fs.Arg(0)
	c, err := dial(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer c.Close()
	// Page upward to the start, then print oldest first.
	var pages [][]protocol.Message
	var before, last int64
	for {
		frame := map[string]any{"type": "history", "chat_id": chatID, "limit": protocol.MaxLimit}
		if before > 0 {
			frame["before_seq"] = before
		}
		ev, err := c.Request(ctx, frame)
		if err != nil {
			var se *client.ServerError
			if errors.As(err, &se) {
				return exitCode{code: 1, msg: se.Detail}
			}
			return err
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
			printMessage(e.stdout, m)
		}
	}
	if _, err := c.Request(ctx, map[string]any{"type": "attach", "chat_id": chatID, "since": last}); err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, "— following live; Ctrl-C to stop —")
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("connection lost: %w", err)
		}
		printLive(e, ev, chatID)
		if ev.Event.Event == "chat_deleted" && ev.ChatID == chatID {
			return exitCode{code: 1, msg: "the chat was deleted"}
		}
	}
}

func printMessage(w io.Writer, m protocol.Message) {
	who := "you"
	if m.Role == "assistant" {
		who = "assistant"
		if m.Model != "" {
			who += " (" + m.Model + ")"
		}
	}
	fmt.Fprintf(w, "── %s · %s\n", who, m.CreatedAt.Local().Format("2006-01-02 15:04"))
	if m.Reasoning != "" {
		fmt.Fprintf(w, "[thought for %.1f s]\n", float64(m.ReasoningMS)/1000)
	}
	if m.Content != "" {
		fmt.Fprintln(w, m.Content)
	}
	for _, md := range m.Media {
		fmt.Fprintf(w, "[%s: %s]\n", md.MIME, md.Name)
	}
	if m.Status != "done" {
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

func printLive(e env, ev client.Event, chatID string) {
	if ev.ChatID != chatID {
		return
	}
	switch ev.Event.Event {
	case "user_message":
		if ev.Message != nil {
			printMessage(e.stdout, *ev.Message)
		}
	case "turn_start":
		fmt.Fprintf(e.stdout, "── assistant (%s)\n", ev.Model)
	case "reasoning_delta":
		fmt.Fprint(e.stderr, deref(ev.Text))
	case "reasoning_end":
		fmt.Fprintln(e.stderr)
	case "delta":
		fmt.Fprint(e.stdout, deref(ev.Text))
	case "turn_end":
		fmt.Fprintln(e.stdout)
		if ev.Status != "done" {
			fmt.Fprintf(e.stdout, "[%s%s]\n", ev.Status, suffix(ev.Error))
		}
		fmt.Fprintln(e.stdout)
	}
}

func runModels(ctx context.Context, e env, cfg config.Config, fs *flag.FlagSet, log *slog.Logger) error {
	c, err := dial(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer c.Close()
	ev, err := c.Request(ctx, map[string]any{"type": "list_models"})
	if err != nil {
		var se *client.ServerError
		if errors.As(err, &se) {
			return exitCode{code: 1, msg: se.Detail}
		}
		return err
	}
	var models []protocol.Model
	if err := ev.Items(&models); err != nil {
		return err
	}
	for _, m := range models {
		fmt.Fprintln(e.stdout, m.ID)
	}
	if len(models) == 0 {
		fmt.Fprintf(e.stderr, "the %s server at %s offers no models\n", ev.Provider, ev.URL)
	}
	return nil
}

func runSearch(ctx context.Context, e env, cfg config.Config, fs *flag.FlagSet, log *slog.Logger) error {
	q := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(q) == "" {
		return exitCode{code: 2, msg: "usage: hearth search QUERY"}
	}
	c, err := dial(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer c.Close()
	ev, err := c.Request(ctx, map[string]any{"type": "search", "query": q})
	if err != nil {
		return err
	}
	var hits []protocol.SearchHit
	if err := ev.Items(&hits); err != nil {
		return err
	}
	for _, h := range hits {
		fmt.Fprintf(e.stdout, "%s  %s  [%s] %s\n", h.ChatID, oneLine(h.ChatTitle, 30), h.Role, oneLine(h.Snippet, 100))
	}
	if len(hits) == 0 {
		fmt.Fprintln(e.stderr, "no matches")
	}
	return nil
}

func runVersion(ctx context.Context, e env, cfg config.Config, fs *flag.FlagSet, log *slog.Logger) error {
	commit := Commit
	if commit == "" {
		commit = "unknown"
	}
	fmt.Fprintf(e.stdout, "hearth %s (commit %s, protocol %d)\n", Version, commit, protocol.Version)
	return nil
}
