package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/instance"
	"github.com/hearth-app/hearth/backend/protocol"
)

func (h *hearth) openCmd() *cobra.Command {
	var browser bool
	cmd := &cobra.Command{
		Use:   "open ID",
		Short: "print the link that opens a chat in a browser",
		Long: `Prints the address that opens the chat ID in a browser tab on the running
Hearth: its web address with the access token and #chat=ID. The tab keeps the
chat in its address, so reload, Back and Forward stay with it.

--browser also hands the link to the system's opener (xdg-open, open, or the
Windows shell). The link carries the access token, which the opener's command
line shows to other users of this machine for a moment; so by default the
link is only printed.`,
		Example:           "  hearth open c3x…\n  hearth open --browser $(hearth ls | head -1 | cut -d' ' -f1)",
		GroupID:           groupChats,
		Args:              exactArgs(1),
		ValidArgsFunction: h.completeChatArg,
		RunE: h.action(func(ctx context.Context, cfg config.Config, _ *slog.Logger, args []string) error {
			return h.runOpen(ctx, cfg, args[0], browser)
		}),
	}
	cmd.Flags().BoolVar(&browser, "browser", false, "also open the link in the default browser")
	return cmd
}

func (h *hearth) runOpen(ctx context.Context, cfg config.Config, chatID string, browser bool) error {
	c, err := dial(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer c.Close()
	// A link to a chat that does not exist would open on "This chat was deleted".
	if _, err := c.Request(ctx, protocol.GetHistory{ChatID: chatID, Limit: 1}); err != nil {
		return refusal(err)
	}
	ep, err := instance.ReadEndpoint(cfg.EndpointFile())
	if err != nil || ep.URL == "" || ep.Token == "" {
		return exit{code: 1, msg: "this Hearth has no browser address (it was started with --listen off, or from another user's runtime directory); start it with a TCP listener to open chats in a browser"}
	}
	link := ChatLink(ep.URL, ep.Token, chatID)
	fmt.Fprintln(h.io.Out, link)
	if !browser {
		return nil
	}
	if err := openInBrowser(link); err != nil {
		return fmt.Errorf("could not start the browser (%v); open the link above yourself", err)
	}
	return nil
}

// ChatLink is the browser address of a chat: the UI's address with the token
// (which the page takes and removes from the address bar) and the chat.
func ChatLink(base, token, chatID string) string {
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + "#token=" + url.QueryEscape(token) + "&chat=" + url.QueryEscape(chatID)
}

func openInBrowser(link string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", link)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", link)
	default:
		cmd = exec.Command("xdg-open", link)
	}
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }() // the opener may outlive us; reap it if not
	return nil
}

// emphasis says whether w shows bold text: a terminal, unless NO_COLOR is
// set or the terminal says it is dumb.
func emphasis(w any) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(w)
}

// snippetLine is a search snippet on one line of at most n characters, the
// matched words in bold when bold is set. The message's text is printed as
// text (its markdown included); control characters, which a terminal would
// obey, are left out.
func snippetLine(hit protocol.SearchHit, n int, bold bool) string {
	parts := hit.SnippetParts
	if len(parts) == 0 {
		parts = []protocol.SnippetPart{{Text: hit.Snippet}}
	}
	type ch struct {
		r     rune
		match bool
	}
	var line []ch
	for _, p := range parts {
		for _, r := range p.Text {
			switch {
			case unicode.IsSpace(r):
				if len(line) > 0 && line[len(line)-1].r != ' ' {
					line = append(line, ch{' ', false})
				}
			case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) && r != '\u200d':
			default:
				line = append(line, ch{r, p.Match})
			}
		}
	}
	for len(line) > 0 && line[len(line)-1].r == ' ' {
		line = line[:len(line)-1]
	}
	if len(line) > n {
		line = append(line[:n-1], ch{'…', false})
	}
	var b strings.Builder
	on := false
	for _, c := range line {
		if bold && c.match != on {
			if c.match {
				b.WriteString("\x1b[1m")
			} else {
				b.WriteString("\x1b[22m")
			}
			on = c.match
		}
		b.WriteRune(c.r)
	}
	if on {
		b.WriteString("\x1b[22m")
	}
	return b.String()
}
