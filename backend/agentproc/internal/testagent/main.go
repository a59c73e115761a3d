// Command testagent is the agent the tests have Hearth start: it connects
// to HEARTH_SOCKET, registers as HEARTH_AGENT_NAME (or -name), and answers
// each turn with "pong: " and the last message. A message containing
// "crash" makes it exit with status 1 before answering. With -stay it
// outlives its connection, as a careless agent would.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/coder/websocket"
)

func main() {
	name := flag.String("name", os.Getenv("HEARTH_AGENT_NAME"), "agent name")
	pidFile := flag.String("pidfile", "", "write the process id here")
	stay := flag.Bool("stay", false, "keep running when the connection ends (until a signal)")
	flag.Parse()
	if *pidFile != "" {
		if err := os.WriteFile(*pidFile, []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
			fail(err)
		}
	}
	sock := os.Getenv("HEARTH_SOCKET")
	if sock == "" || *name == "" {
		fail(fmt.Errorf("HEARTH_SOCKET and a name are required"))
	}
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	ctx := context.Background()
	ws, _, err := websocket.Dial(ctx, "ws://hearth/ws", &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		fail(err)
	}
	ws.SetReadLimit(64 << 20)
	send := func(v map[string]any) {
		b, _ := json.Marshal(v)
		if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
			fail(err)
		}
	}
	send(map[string]any{"type": "register_agent", "name": *name, "description": "answers pong"})
	fmt.Println("registering as", *name)
	for {
		_, data, err := ws.Read(ctx)
		if err != nil && *stay {
			fmt.Println("connection lost; staying:", err)
			select {}
		}
		if err != nil {
			fail(err)
		}
		var ev struct {
			Event    string `json:"event"`
			TurnID   string `json:"turn_id"`
			Reason   string `json:"reason"`
			Detail   string `json:"detail"`
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		if json.Unmarshal(data, &ev) != nil {
			continue
		}
		switch ev.Event {
		case "error":
			if ev.Reason == "name_taken" {
				fail(fmt.Errorf("%s: %s", ev.Reason, ev.Detail))
			}
			fmt.Println("refused:", ev.Reason, ev.Detail)
		case "turn_cancel":
			send(map[string]any{"type": "turn_end", "turn_id": ev.TurnID, "status": "done"})
		case "turn_request":
			last := ""
			if n := len(ev.Messages); n > 0 {
				last = ev.Messages[n-1].Content
			}
			if strings.Contains(last, "crash") {
				fmt.Println("crashing as asked")
				os.Exit(1)
			}
			send(map[string]any{"type": "delta", "turn_id": ev.TurnID, "text": "pong: " + last})
			send(map[string]any{"type": "turn_end", "turn_id": ev.TurnID, "status": "done"})
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "testagent:", err)
	os.Exit(1)
}
