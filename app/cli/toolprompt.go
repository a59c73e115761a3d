package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/hearth-app/hearth/backend/protocol"
)

// parseDecision reads an answer to an approval prompt: the first letter or
// the whole word of once, chat, always, deny (y and n too). Pure.
func parseDecision(line string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "o", "once", "y", "yes":
		return protocol.DecisionOnce, true
	case "c", "chat":
		return protocol.DecisionChat, true
	case "a", "always":
		return protocol.DecisionAlways, true
	case "d", "deny", "n", "no":
		return protocol.DecisionDeny, true
	}
	return "", false
}

// callLine is how a call is shown on stderr: server.tool(arguments), the
// arguments compact and cut. Pure.
func callLine(server, name string, args json.RawMessage) string {
	return protocol.CallText(server, name, args, 200)
}

// hintWords says in words what the server says of a tool. Pure.
func hintWords(h *protocol.ToolHints) string {
	switch {
	case h == nil:
		return "The server does not say what this tool changes."
	case h.ReadOnly:
		return "The server says this tool only reads."
	case h.Destructive:
		return "The server says this tool can change or delete things."
	}
	return "The server says this tool can change things, but not delete them."
}

// resultLine is a call's end on stderr: its status, time and the first line
// of what it returned. Pure.
func resultLine(status string, ms int64, content string) string {
	first, _, more := strings.Cut(strings.TrimSpace(content), "\n")
	if len(first) > 160 {
		first, more = first[:157], true
	}
	if more {
		first += " …"
	}
	return fmt.Sprintf("  ← %s (%d ms) %s", status, ms, first)
}

// approvals asks on the terminal, one call at a time, for the calls of a
// turn that wait for the user; the answers go out as approve frames.
type approvals struct {
	in      io.Reader
	out     io.Writer
	send    func(callID, decision string)
	lines   chan string
	queue   []protocol.Event
	started bool
}

// ask queues a request and shows its prompt if none is showing.
func (a *approvals) ask(ev protocol.Event) {
	a.queue = append(a.queue, ev)
	if len(a.queue) == 1 {
		a.prompt()
	}
	if !a.started {
		a.started = true
		a.lines = make(chan string)
		go func() {
			sc := bufio.NewScanner(a.in)
			for sc.Scan() {
				a.lines <- sc.Text()
			}
			close(a.lines)
		}()
	}
}

func (a *approvals) prompt() {
	if len(a.queue) == 0 {
		return
	}
	ev := a.queue[0]
	fmt.Fprintf(a.out, "Allow %s?\n  %s\n  [o]nce, for this [c]hat, [a]lways, [d]eny: ", callLine(ev.Server, ev.Name, ev.Arguments), hintWords(ev.Hints))
}

// answer takes one line typed at the prompt.
func (a *approvals) answer(line string) {
	if len(a.queue) == 0 {
		return
	}
	d, ok := parseDecision(line)
	if !ok {
		fmt.Fprint(a.out, "  answer o, c, a or d: ")
		return
	}
	a.send(a.queue[0].CallID, d)
	a.queue = a.queue[1:]
	a.prompt()
}

// resolved drops a request someone answered (here or elsewhere).
func (a *approvals) resolved(callID string) {
	for i, ev := range a.queue {
		if ev.CallID == callID {
			a.queue = append(a.queue[:i], a.queue[i+1:]...)
			if i == 0 {
				fmt.Fprintln(a.out)
				a.prompt()
			}
			return
		}
	}
}

// decisionWords says a decision in words. Pure.
func decisionWords(d string) string {
	switch d {
	case protocol.DecisionOnce:
		return "allowed once"
	case protocol.DecisionChat:
		return "allowed for this chat"
	case protocol.DecisionAlways:
		return "always allowed"
	}
	return "denied"
}

// input is the channel of typed lines (nil until the first prompt).
func (a *approvals) input() <-chan string { return a.lines }
