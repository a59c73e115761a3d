package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/hearth-app/hearth/backend/client"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/protocol"
)

func (h *hearth) pullCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "pull NAME",
		Short: "download a model through Ollama, with progress",
		Long: `Downloads the model NAME (as Ollama names it: llama3.2, qwen3:8b,
hf.co/user/repo:Q4_K_M) through the running Hearth's Ollama, showing bytes,
speed and time left on stderr. Every Hearth window shows the same download and
can cancel it; Ctrl-C cancels it here and exits 130. Ollama keeps what it has
downloaded, so pulling again resumes.

Needs the Ollama provider (--provider ollama or the settings form).`,
		Example: `  hearth pull llama3.2
  hearth pull qwen3:8b`,
		GroupID:           groupChats,
		Args:              exactArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: h.action(func(ctx context.Context, cfg config.Config, _ *slog.Logger, args []string) error {
			return h.runPull(ctx, cfg, args[0])
		}),
	}
}

func (h *hearth) runPull(ctx context.Context, cfg config.Config, name string) error {
	// The connection must outlive Ctrl-C long enough to send the cancel.
	conn := context.WithoutCancel(ctx)
	c, err := dial(conn, cfg, false)
	if err != nil {
		return err
	}
	defer c.Close()
	ev, err := c.Request(conn, protocol.PullModel{Model: name})
	if err != nil {
		return refusal(err)
	}
	id := ev.PullID
	pr := newProgressPrinter(h.io.Err, isTerminal(h.io.Err))
	pr.show(pullOf(ev))

	events, errs, stopEvents := pump(conn, c)
	defer stopEvents()
	// Only the goroutine above reads the connection: the cancel is sent,
	// and its pull_done arrives with the other events.
	var unconfirmed <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			ctx = context.Background() // once
			if _, err := c.Send(conn, protocol.CancelPull{PullID: id}); err != nil {
				pr.end()
				return fmt.Errorf("could not cancel the download: %w", err)
			}
			unconfirmed = time.After(cancelConfirmWait)
		case <-unconfirmed:
			pr.end()
			return fmt.Errorf("the server did not confirm the cancel within %v", cancelConfirmWait)
		case err := <-errs:
			pr.end()
			return fmt.Errorf("connection lost: %w", err)
		case ev := <-events:
			if ev.Event.Event == protocol.EvError && unconfirmed != nil && ev.ReqID != "" {
				pr.end()
				return refusal(protocol.Refuse(ev.Reason, "%s", ev.Detail))
			}
			if ev.PullID != id {
				continue
			}
			switch ev.Event.Event {
			case protocol.EvPullProgress:
				pr.show(pullOf(ev))
			case protocol.EvPullDone:
				pr.show(pullOf(ev))
				pr.end()
				switch ev.Status {
				case protocol.PullDone:
					fmt.Fprintf(h.io.Out, "downloaded %s\n", name)
					return nil
				case protocol.PullCancelled:
					if unconfirmed != nil {
						return exit{code: exitCancelled, msg: fmt.Sprintf("cancelled; Ollama keeps what it downloaded, and `hearth pull %s` resumes", name)}
					}
					return exit{code: 1, msg: "the download was cancelled (from another Hearth window or client)"}
				}
				return exit{code: 1, msg: ev.Error}
			}
		}
	}
}

func pullOf(ev client.Event) protocol.Pull {
	p := protocol.Pull{PullID: ev.PullID, Name: ev.Name, Status: ev.Status}
	if ev.Completed != nil {
		p.Completed = *ev.Completed
	}
	if ev.Total != nil {
		p.Total = *ev.Total
	}
	if ev.BytesPerSec != nil {
		p.BytesPerSec = *ev.BytesPerSec
	}
	return p
}

// progressPrinter keeps one line up to date on a terminal; elsewhere (a log,
// a pipe) it writes a line when the status changes and at most one a second
// otherwise.
type progressPrinter struct {
	w      io.Writer
	tty    bool
	last   string
	status string
	at     time.Time
	open   bool
}

func newProgressPrinter(w io.Writer, tty bool) *progressPrinter {
	return &progressPrinter{w: w, tty: tty}
}

func (p *progressPrinter) show(pl protocol.Pull) {
	line := pullLine(pl)
	if line == p.last {
		return
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\x1b[K%s", line)
		p.open, p.last = true, line
		return
	}
	if pl.Status == p.status && time.Since(p.at) < time.Second {
		return
	}
	fmt.Fprintln(p.w, line)
	p.last, p.status, p.at = line, pl.Status, time.Now()
}

// end finishes the terminal's progress line.
func (p *progressPrinter) end() {
	if p.open {
		fmt.Fprintln(p.w)
		p.open = false
	}
}

// pullLine is one download's state in words: its status, and while bytes
// flow, how many of how many, the speed and the time left.
func pullLine(p protocol.Pull) string {
	s := p.Name + ": " + p.Status
	if p.Total <= 0 {
		return s
	}
	pct := float64(p.Completed) / float64(p.Total) * 100
	s += fmt.Sprintf("  %s / %s  %.0f%%", byteSize(p.Completed), byteSize(p.Total), pct)
	if p.BytesPerSec > 0 && p.Completed < p.Total {
		left := time.Duration(float64(p.Total-p.Completed) / float64(p.BytesPerSec) * float64(time.Second))
		s += fmt.Sprintf("  %s/s  %s left", byteSize(p.BytesPerSec), timeLeft(left))
	}
	return s
}

// byteSize uses decimal units, as Ollama and disk makers do.
func byteSize(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

func timeLeft(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%ds", int(d.Seconds()+0.5))
}
