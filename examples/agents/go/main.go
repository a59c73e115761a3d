// Command echo-go is a small Hearth agent (docs/agents.md): it answers each
// turn of the chats bound to it by echoing the user's last message word by
// word. Put a real model where answer streams the echo and it is a real agent.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// socketPath finds Hearth as the hearth command does: HEARTH_SOCKET, else the
// default socket in the runtime dir, or in the state dir on systems without one.
func socketPath() string {
	if p := os.Getenv("HEARTH_SOCKET"); p != "" {
		return p
	}
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" {
		return filepath.Join(rt, "hearth", "hearth.sock")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "state", "hearth", "run", "hearth.sock")
}

// event holds the fields of Hearth's events this agent reads.
type event struct {
	Event, Reason, Detail string
	ReqID                 string `json:"req_id"`
	TurnID                string `json:"turn_id"`
	Messages              []struct{ Role, Content string }
}

// send writes one frame from key-value pairs. coder/websocket allows
// concurrent writers, so turns of several chats can stream side by side.
func send(ws *websocket.Conn, typ string, kv ...any) {
	f := map[string]any{"type": typ}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i].(string)] = kv[i+1]
	}
	b, _ := json.Marshal(f)
	// Not the turn's context: a cancelled turn still owes Hearth its turn_end.
	if err := ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		log.Printf("send %s: %v", typ, err)
	}
}

// answer streams one turn until it is done or ctx is cancelled (turn_cancel).
func answer(ctx context.Context, ws *websocket.Conn, req event, delay time.Duration) {
	turn := req.TurnID
	// Every turn ends with turn_end, cancelled or not: Hearth waits 5 s for it.
	defer send(ws, "turn_end", "turn_id", turn, "status", "done")

	// messages is the chat's history; the last user message is the question.
	var said string
	for _, m := range req.Messages {
		if m.Role == "user" {
			said = m.Content
		}
	}
	if strings.Contains(said, "think") {
		// Reasoning is shown apart from the answer, folded once it ends.
		send(ws, "reasoning_delta", "turn_id", turn, "text", "They want their words back.")
		send(ws, "reasoning_end", "turn_id", turn)
	}
	if strings.Contains(said, "tool") {
		// A tool the agent runs itself; Hearth shows the call as a card in
		// the answer. (approval_request would ask the user first.)
		id := turn + "-wc"
		send(ws, "tool_call", "turn_id", turn, "call_id", id, "name", "word_count", "arguments", map[string]string{"text": said})
		send(ws, "tool_result", "turn_id", turn, "call_id", id, "status", "ok",
			"content", strconv.Itoa(len(strings.Fields(said)))+" words")
	}
	for _, word := range strings.SplitAfter("You said: "+said, " ") {
		select {
		case <-ctx.Done():
			log.Printf("turn %s cancelled", turn)
			return
		case <-time.After(delay):
		}
		send(ws, "delta", "turn_id", turn, "text", word)
	}
}

func main() {
	// HEARTH_AGENT_NAME is the name Hearth gives an agent it starts ([[agents]]).
	name := cmp.Or(os.Getenv("AGENT_NAME"), os.Getenv("HEARTH_AGENT_NAME"), "echo-go")
	delayMS, _ := strconv.Atoi(os.Getenv("AGENT_DELAY_MS")) // so an answer streams visibly
	delay := time.Duration(delayMS) * time.Millisecond

	// The unix socket is the user's own (mode 0600), so no token is needed.
	sock := socketPath()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	ws, _, err := websocket.Dial(context.Background(), "ws://hearth/ws", &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		log.Fatalf("no Hearth at %s: %v", sock, err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(-1) // a long chat's history comes as one turn_request

	send(ws, "register_agent", "req_id", "register", "name", name, "description", "Echoes your words back, one at a time.")
	var turns sync.Map // turn_id → its context.CancelFunc
	for {
		_, data, err := ws.Read(context.Background())
		if err != nil {
			log.Fatalf("connection closed: %v", err)
		}
		var ev event
		_ = json.Unmarshal(data, &ev) // Hearth's frames are JSON objects
		switch ev.Event {
		case "agent_registered":
			log.Printf("registered as %s on %s", name, sock)
		case "turn_request":
			// One goroutine per turn: chats bound to this agent run at once.
			ctx, cancel := context.WithCancel(context.Background())
			turns.Store(ev.TurnID, cancel)
			go func() { answer(ctx, ws, ev, delay); turns.Delete(ev.TurnID); cancel() }()
		case "turn_cancel":
			if cancel, ok := turns.Load(ev.TurnID); ok {
				cancel.(context.CancelFunc)()
			}
		case "error": // e.g. name_taken, or a frame that raced a cancel (not_your_turn)
			log.Printf("%s refused: %s: %s", cmp.Or(ev.ReqID, "a frame"), ev.Reason, ev.Detail)
			if ev.ReqID == "register" {
				os.Exit(1)
			}
		} // the rest (ready, agent_online, chat updates…) is for clients that show Hearth
	}
}
