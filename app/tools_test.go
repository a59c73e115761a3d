package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

func callStep(calls ...llmtest.ToolCall) llmtest.Script {
	return llmtest.Script{Steps: []llmtest.Step{{ToolCalls: calls}}}
}

func textScript(words ...string) llmtest.Script {
	var steps []llmtest.Step
	for _, w := range words {
		steps = append(steps, llmtest.Step{Content: w})
	}
	return llmtest.Script{Steps: steps}
}

func echoCall(id, text string) llmtest.ToolCall {
	return llmtest.ToolCall{ID: id, Name: "echo", Arguments: fmt.Sprintf(`{"text":%q}`, text)}
}

// sendMessage posts a question to the chat without waiting for anything.
func (c *wsc) sendMessage(chatID, content string) {
	c.send(map[string]any{"type": "message", "chat_id": chatID, "content": content})
}

func (c *wsc) attach(chatID string, since *int64) []map[string]any {
	c.t.Helper()
	f := map[string]any{"type": "attach", "chat_id": chatID}
	if since != nil {
		f["since"] = *since
	}
	c.send(f)
	_, evs := c.until("attached", 20*time.Second)
	return evs
}

// eventsOf keeps the events of one kind.
func eventsOf(evs []map[string]any, name string) []map[string]any {
	var out []map[string]any
	for _, e := range evs {
		if e["event"] == name {
			out = append(out, e)
		}
	}
	return out
}

// The whole exchange of one approved call, over both wire formats: the
// text before the call, the card's events to every client, the approval
// from a second client, the result fed back to the model, the answer, and
// then the replay, the history page and the next turn's history.
func TestToolCallApprovedFromASecondClient(t *testing.T) {
	for _, format := range []string{"openai", "ollama"} {
		t.Run(format, func(t *testing.T) {
			h, fake := toolHearth(t, format, nil)
			fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
				switch res := toolResults(r); {
				case lastUserHas(r, "again"):
					return textScript("Still ", "here."), true
				case len(res) == 0:
					s := callStep(echoCall("call_a", "hi"))
					s.Steps = append([]llmtest.Step{{Content: "Let me look. "}}, s.Steps...)
					return s, true
				default:
					return textScript("The tool said: ", res[0].Content), true
				}
			})
			a := h.dial(t)
			b := dialUnix(t, h.Socket, "?client_id=bob")
			a.waitServerReady("t")
			chat := a.newChat()
			b.attach(chat, nil)
			a.sendMessage(chat, "please echo hi")

			req, seen := b.until("approval_request", 30*time.Second)
			calls := eventsOf(seen, "tool_call")
			if len(calls) != 1 || str(calls[0], "server") != "t" || str(calls[0], "name") != "echo" || calls[0]["offset"] != float64(len("Let me look. ")) {
				t.Fatalf("tool_call = %v (seen %v)", calls, names(seen))
			}
			if str(calls[0], "allowed_by") != "" {
				t.Errorf("an unapproved call says it was allowed by %q", str(calls[0], "allowed_by"))
			}
			callID := str(req, "call_id")
			args, _ := req["arguments"].(map[string]any)
			hints, _ := req["hints"].(map[string]any)
			if callID != str(calls[0], "call_id") || args["text"] != "hi" || hints["read_only"] != true || hints["destructive"] != false {
				t.Fatalf("approval_request = %v", req)
			}
			if exp, err := time.Parse(time.RFC3339Nano, str(req, "expires_at")); err != nil || time.Until(exp) < time.Minute {
				t.Errorf("expires_at %q: %v", str(req, "expires_at"), err)
			}
			// The chat list learns the chat waits for the user.
			for {
				ev := b.expect("chat_updated")
				if c, _ := ev["chat"].(map[string]any); c["id"] == chat && c["awaiting_approval"] == true {
					break
				}
			}
			// No such call; and the model is not asked again while it waits.
			if ev := b.request(map[string]any{"type": "approve", "chat_id": chat, "call_id": "call_nope", "decision": "once"}); ev["reason"] != "not_found" {
				t.Errorf("approve of an unknown call: %v", ev)
			}
			b.send(map[string]any{"type": "approve", "chat_id": chat, "call_id": callID, "decision": "once", "req_id": "ap1"})
			_, seenB := b.until("turn_end", 30*time.Second)
			evs := a.collectTurn()
			if acc := eventsOf(seenB, "approve_accepted"); len(acc) != 1 || str(acc[0], "req_id") != "ap1" || str(acc[0], "call_id") != callID {
				t.Errorf("approve's reply: %v (saw %v)", acc, names(seenB))
			}
			for _, seen := range [][]map[string]any{evs, seenB} {
				res := eventsOf(seen, "approval_resolved")
				if len(res) != 1 || str(res[0], "decision") != "once" || str(res[0], "by") != "bob" || str(res[0], "call_id") != callID {
					t.Errorf("approval_resolved = %v", res)
				}
				tr := eventsOf(seen, "tool_result")
				if len(tr) != 1 || str(tr[0], "status") != "ok" || str(tr[0], "content") != "echo: hi" || str(tr[0], "call_id") != callID {
					t.Errorf("tool_result = %v", tr)
				}
			}
			end := eventsOf(evs, "turn_end")[0]
			se := eventsOf(evs, "stream_end")[0]
			if str(end, "status") != "done" || str(se, "text") != "Let me look. The tool said: echo: hi" {
				t.Fatalf("turn ended %v with %q", end, str(se, "text"))
			}
			// Answering again is refused: the first answer won.
			if ev := a.request(map[string]any{"type": "approve", "chat_id": chat, "call_id": callID, "decision": "deny"}); ev["reason"] != "already_resolved" {
				t.Errorf("second approve: %v", ev)
			}

			reqs := fake.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d model requests, want 2", len(reqs))
			}
			var offered []string
			for _, tl := range reqs[0].Tools {
				offered = append(offered, tl.Name)
			}
			if strings.Join(offered, " ") != "crash echo fail grow image slow" {
				t.Errorf("tools offered: %v", offered)
			}
			msgs := reqs[1].Messages
			last, call := msgs[len(msgs)-1], msgs[len(msgs)-2]
			if last.Role != "tool" || last.Content != "echo: hi" || call.Role != "assistant" || len(call.ToolCalls) != 1 ||
				call.ToolCalls[0].Name != "echo" || !strings.Contains(call.ToolCalls[0].Arguments, `"hi"`) || call.Content != "Let me look. " {
				t.Errorf("the model's second request ends with %+v, %+v", call, last)
			}
			if format == "openai" && (last.ToolCallID != call.ToolCalls[0].ID || last.ToolCallID == "") {
				t.Errorf("result for %q, call %q", last.ToolCallID, call.ToolCalls[0].ID)
			}

			// A late joiner's replay holds the whole turn in seq order.
			zero := int64(0)
			c := h.dial(t)
			rep := c.attach(chat, &zero)
			var order []string
			var prev int64
			for _, e := range rep {
				switch e["event"] {
				case "turn_start", "tool_call", "approval_request", "approval_resolved", "tool_result", "stream_end", "turn_end":
					order = append(order, str(e, "event"))
					if seqOf(e) <= prev {
						t.Errorf("replay out of order at %v", e)
					}
					prev = seqOf(e)
				}
			}
			want := "turn_start tool_call approval_request approval_resolved tool_result stream_end turn_end"
			if strings.Join(order, " ") != want {
				t.Errorf("replay %q, want %q", strings.Join(order, " "), want)
			}
			hist := c.request(map[string]any{"type": "history", "chat_id": chat})
			items, _ := hist["items"].([]any)
			ans, _ := items[len(items)-1].(map[string]any)
			tools, _ := ans["tools"].([]any)
			if len(tools) != 1 {
				t.Fatalf("history answer tools = %v", ans["tools"])
			}
			tc, _ := tools[0].(map[string]any)
			ap, _ := tc["approval"].(map[string]any)
			if tc["status"] != "ok" || tc["content"] != "echo: hi" || tc["server"] != "t" || ap["decision"] != "once" || ap["by"] != "bob" {
				t.Errorf("history tool call = %v", tc)
			}

			// The next turn's history holds the call and its result.
			a.sendMessage(chat, "and again?")
			a.collectTurn()
			reqs = fake.Requests()
			var sawCall, sawResult bool
			for _, m := range reqs[len(reqs)-1].Messages {
				sawCall = sawCall || len(m.ToolCalls) == 1 && m.ToolCalls[0].Name == "echo"
				sawResult = sawResult || m.Role == "tool" && m.Content == "echo: hi"
			}
			if !sawCall || !sawResult {
				t.Errorf("next turn's history lacks the call (%v) or its result (%v): %+v", sawCall, sawResult, reqs[len(reqs)-1].Messages)
			}
		})
	}
}

// One Hearth, the tools allowed in mcp.json, each shape of a tool turn in
// its own chat, over both wire formats.
func TestToolLoopShapes(t *testing.T) {
	for _, format := range []string{"openai", "ollama"} {
		t.Run(format, func(t *testing.T) {
			h, fake := toolHearth(t, format, func(c *config.Config) { c.ToolSteps = 3 }, "echo", "fail")
			fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
				res := toolResults(r)
				q := r.LastUser()
				switch {
				case len(r.Tools) == 0:
					return textScript("Done without tools."), true
				case strings.Contains(q, "parallel") && len(res) == 0:
					return callStep(echoCall("call_x", "x"), echoCall("call_y", "y")), true
				case strings.Contains(q, "chain") && len(res) < 2:
					return callStep(echoCall(fmt.Sprintf("call_%d", len(res)), fmt.Sprint(len(res)+1))), true
				case strings.Contains(q, "malformed") && len(res) == 0:
					return callStep(llmtest.ToolCall{ID: "call_m", Name: "echo", Arguments: `{"text": oops`}), true
				case strings.Contains(q, "unknown") && len(res) == 0:
					return callStep(llmtest.ToolCall{ID: "call_u", Name: "teleport", Arguments: `{}`}), true
				case strings.Contains(q, "fail") && len(res) == 0:
					return callStep(llmtest.ToolCall{ID: "call_f", Name: "fail", Arguments: `{}`}), true
				case strings.Contains(q, "forever"):
					return callStep(echoCall(fmt.Sprintf("call_%d", len(res)), "again")), true
				}
				var parts []string
				for _, m := range res {
					parts = append(parts, m.Content)
				}
				return textScript("Results: " + strings.Join(parts, " | ")), true
			})
			a := h.dial(t)
			a.waitServerReady("t")
			turn := func(q string) []map[string]any {
				t.Helper()
				chat := a.newChat()
				a.sendMessage(chat, q)
				evs := a.collectTurn()
				for _, e := range evs {
					if e["event"] == "approval_request" {
						t.Fatalf("%s: a trusted tool asked for approval", q)
					}
				}
				return evs
			}
			answer := func(evs []map[string]any) string { return str(eventsOf(evs, "stream_end")[0], "text") }
			results := func(evs []map[string]any) (out []string) {
				for _, e := range eventsOf(evs, "tool_result") {
					out = append(out, str(e, "status")+": "+str(e, "content"))
				}
				return out
			}

			t.Run("parallel", func(t *testing.T) {
				n := len(fake.Requests())
				evs := turn("parallel please")
				var order []string
				for _, e := range evs {
					if e["event"] == "tool_call" || e["event"] == "tool_result" {
						order = append(order, str(e, "event"))
						if e["event"] == "tool_call" && str(e, "allowed_by") != "auto_approve" {
							t.Errorf("allowed_by %q", str(e, "allowed_by"))
						}
					}
				}
				// Both calls are announced before either result.
				if strings.Join(order[:2], " ") != "tool_call tool_call" || len(order) != 4 {
					t.Errorf("order %v", order)
				}
				if got := answer(evs); got != "Results: echo: x | echo: y" {
					t.Errorf("answer %q", got)
				}
				if got := len(fake.Requests()) - n; got != 2 {
					t.Errorf("%d requests", got)
				}
			})
			t.Run("chain", func(t *testing.T) {
				n := len(fake.Requests())
				evs := turn("chain of steps")
				if got := answer(evs); got != "Results: echo: 1 | echo: 2" {
					t.Errorf("answer %q", got)
				}
				if got := len(fake.Requests()) - n; got != 3 {
					t.Errorf("%d requests, want 3", got)
				}
			})
			t.Run("malformed", func(t *testing.T) {
				evs := turn("malformed arguments")
				r := results(evs)
				if len(r) != 1 || !strings.HasPrefix(r[0], "error: The call was not run: the arguments are not a JSON object") {
					t.Errorf("results %v", r)
				}
				if c := eventsOf(evs, "tool_call"); len(c) != 1 || c[0]["arguments"] != `{"text": oops` {
					t.Errorf("tool_call shows %v", c)
				}
				if !strings.Contains(answer(evs), "not a JSON object") {
					t.Errorf("the model was not told: %q", answer(evs))
				}
			})
			t.Run("unknown tool", func(t *testing.T) {
				evs := turn("unknown tool")
				if r := results(evs); len(r) != 1 || !strings.Contains(r[0], `No tool named "teleport"`) || !strings.Contains(r[0], "echo") {
					t.Errorf("results %v", r)
				}
			})
			t.Run("failing tool", func(t *testing.T) {
				if r := results(turn("fail now")); len(r) != 1 || r[0] != "error: it broke" {
					t.Errorf("results %v", r)
				}
			})
			t.Run("step limit", func(t *testing.T) {
				n := len(fake.Requests())
				evs := turn("forever and ever")
				reqs := fake.Requests()[n:]
				if len(reqs) != 4 || len(reqs[3].Tools) != 0 || len(reqs[2].Tools) == 0 {
					t.Fatalf("%d requests; the last offers %d tools", len(reqs), len(reqs[len(reqs)-1].Tools))
				}
				if !strings.Contains(reqs[3].LastUser(), "used its 3 tool steps") {
					t.Errorf("the model was not told to answer: %q", reqs[3].LastUser())
				}
				if got := answer(evs); !strings.Contains(got, "Stopped calling tools after 3 steps") || !strings.HasSuffix(got, "Done without tools.") {
					t.Errorf("answer %q", got)
				}
				if n := len(eventsOf(evs, "tool_result")); n != 3 {
					t.Errorf("%d results", n)
				}
			})
		})
	}
}

func approveWith(t *testing.T, c *wsc, chat, decision string) {
	t.Helper()
	req := c.expect("approval_request")
	c.send(map[string]any{"type": "approve", "chat_id": chat, "call_id": str(req, "call_id"), "decision": decision})
}

// Deny, allow for a chat, allow always (and revoke), and the timeout.
func TestApprovalDecisions(t *testing.T) {
	h, fake := toolHearth(t, "openai", func(c *config.Config) { c.ApprovalTimeout = 2 * time.Second })
	fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
		if res := toolResults(r); len(res) > 0 {
			return textScript("Told: " + res[0].Content), true
		}
		return callStep(echoCall("", "x")), true
	})
	a := h.dial(t)
	a.waitServerReady("t")
	ask := func(chat string) (first map[string]any, seen []map[string]any) {
		t.Helper()
		a.sendMessage(chat, "echo x")
		return a.until("tool_call", 20*time.Second)
	}

	t.Run("deny", func(t *testing.T) {
		chat := a.newChat()
		ask(chat)
		approveWith(t, a, chat, "deny")
		evs := a.collectTurn()
		r := eventsOf(evs, "tool_result")
		if len(r) != 1 || str(r[0], "status") != "denied" || !strings.Contains(str(eventsOf(evs, "stream_end")[0], "text"), "declined") {
			t.Errorf("after deny: %v / %v", r, eventsOf(evs, "stream_end"))
		}
	})
	t.Run("chat", func(t *testing.T) {
		chat := a.newChat()
		ask(chat)
		approveWith(t, a, chat, "chat")
		a.collectTurn()
		first, _ := ask(chat)
		if str(first, "allowed_by") != "chat" {
			t.Errorf("second call in the chat: allowed_by %q", str(first, "allowed_by"))
		}
		a.collectTurn()
		other := a.newChat()
		first, _ = ask(other)
		if str(first, "allowed_by") != "" {
			t.Errorf("another chat: allowed_by %q", str(first, "allowed_by"))
		}
		approveWith(t, a, other, "once")
		a.collectTurn()
	})
	t.Run("always", func(t *testing.T) {
		chat := a.newChat()
		ask(chat)
		approveWith(t, a, chat, "always")
		g := a.expect("tool_grants")
		items, _ := g["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["tool"] != "echo" {
			t.Fatalf("grants %v", g)
		}
		a.collectTurn()
		other := a.newChat()
		first, _ := ask(other)
		if str(first, "allowed_by") != "always" {
			t.Errorf("allowed_by %q", str(first, "allowed_by"))
		}
		a.collectTurn()
		list := a.request(map[string]any{"type": "list_tool_grants"})
		if items, _ := list["items"].([]any); len(items) != 1 {
			t.Errorf("list_tool_grants %v", list)
		}
		rev := a.request(map[string]any{"type": "revoke_tool_grant", "server": "t", "tool": "echo"})
		if items, _ := rev["items"].([]any); rev["event"] != "tool_grants" || len(items) != 0 {
			t.Errorf("revoke %v", rev)
		}
		if ev := a.request(map[string]any{"type": "revoke_tool_grant", "server": "t", "tool": "echo"}); ev["reason"] != "not_found" {
			t.Errorf("second revoke %v", ev)
		}
		first, _ = ask(other)
		if str(first, "allowed_by") != "" {
			t.Errorf("after revoke: allowed_by %q", str(first, "allowed_by"))
		}
		approveWith(t, a, other, "once")
		a.collectTurn()
	})
	t.Run("timeout", func(t *testing.T) {
		chat := a.newChat()
		ask(chat)
		res, _ := a.until("approval_resolved", 30*time.Second)
		if str(res, "decision") != "deny" || str(res, "by") != "timeout" {
			t.Errorf("resolved %v", res)
		}
		evs := a.collectTurn()
		if r := eventsOf(evs, "tool_result"); len(r) != 1 || str(r[0], "status") != "denied" {
			t.Errorf("result %v", r)
		}
	})
}

// Cancel stops a running call (the server sees the cancellation), and a
// cancel while a call waits for approval ends the wait.
func TestToolCallCancelled(t *testing.T) {
	h, fake := toolHearth(t, "openai", nil, "slow")
	fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
		if lastUserHas(r, "slow") {
			return callStep(llmtest.ToolCall{ID: "call_s", Name: "slow", Arguments: "{}"}), true
		}
		return callStep(echoCall("call_e", "x")), true
	})
	a := h.dial(t)
	a.waitServerReady("t")
	chat := a.newChat()
	a.sendMessage(chat, "be slow")
	a.expect("tool_call")
	// The server's log says when the call reached it, and that it was
	// cancelled on its side.
	logPath := filepath.Join(h.cfg.MCPLogDir(), "t.log")
	waitLog := func(line string) {
		t.Helper()
		deadline := time.Now().Add(patience)
		for {
			b, _ := os.ReadFile(logPath)
			if strings.Contains(string(b), line) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the server's log: %q", line, b)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitLog("slow: started")
	a.send(map[string]any{"type": "cancel", "chat_id": chat})
	evs := a.collectTurn()
	r := eventsOf(evs, "tool_result")
	if len(r) != 1 || str(r[0], "status") != "cancelled" || str(eventsOf(evs, "turn_end")[0], "status") != "cancelled" {
		t.Fatalf("after cancel: %v %v", r, eventsOf(evs, "turn_end"))
	}
	waitLog("slow: cancelled")

	a.sendMessage(chat, "echo please")
	a.expect("approval_request")
	a.send(map[string]any{"type": "cancel", "chat_id": chat})
	res, _ := a.until("approval_resolved", 20*time.Second)
	if str(res, "by") != "cancel" || str(res, "decision") != "deny" {
		t.Errorf("resolved %v", res)
	}
	evs = a.collectTurn()
	if r := eventsOf(evs, "tool_result"); len(r) != 1 || str(r[0], "status") != "cancelled" {
		t.Errorf("result %v", r)
	}
}

// A model that refuses tools answers without them, and the user is told
// once.
func TestModelWithoutTools(t *testing.T) {
	for _, format := range []string{"openai", "ollama"} {
		t.Run(format, func(t *testing.T) {
			h, fake := toolHearth(t, format, nil)
			fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
				if len(r.Tools) > 0 {
					return llmtest.Script{Fail: llmtest.FailNoTools}, true
				}
				return textScript("Plain answer."), true
			})
			a := h.dial(t)
			a.waitServerReady("t")
			chat := a.newChat()
			a.sendMessage(chat, "hello")
			evs := a.collectTurn()
			got := str(eventsOf(evs, "stream_end")[0], "text")
			if !strings.Contains(got, "cannot use tools") || !strings.HasSuffix(got, "Plain answer.") || str(eventsOf(evs, "turn_end")[0], "status") != "done" {
				t.Errorf("first answer %q", got)
			}
			a.sendMessage(chat, "again")
			evs = a.collectTurn()
			if got := str(eventsOf(evs, "stream_end")[0], "text"); got != "Plain answer." {
				t.Errorf("second answer %q (told more than once?)", got)
			}
			reqs := fake.Requests()
			if n := len(reqs); n != 3 || len(reqs[2].Tools) != 0 {
				t.Errorf("%d requests; the last offers %d tools", n, len(reqs[n-1].Tools))
			}
		})
	}
}

// An MCP server that crashes mid-call: the call fails in words, the
// server is started again, and the next call works.
func TestToolServerCrashMidCall(t *testing.T) {
	h, fake := toolHearth(t, "openai", nil, "crash", "echo")
	fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
		if res := toolResults(r); len(res) > 0 {
			return textScript("Told: " + res[0].Content), true
		}
		if lastUserHas(r, "crash") {
			return callStep(llmtest.ToolCall{ID: "call_c", Name: "crash", Arguments: "{}"}), true
		}
		return callStep(echoCall("call_e", "back")), true
	})
	a := h.dial(t)
	a.waitServerReady("t")
	chat := a.newChat()
	a.sendMessage(chat, "crash it")
	evs := a.collectTurn()
	if r := eventsOf(evs, "tool_result"); len(r) != 1 || str(r[0], "status") != "error" {
		t.Fatalf("crash result %v", r)
	}
	// Wait for the restart, by its status events.
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	for ctx.Err() == nil {
		ev := a.request(map[string]any{"type": "list_mcp_servers"})
		items, _ := ev["items"].([]any)
		if len(items) == 1 {
			it := items[0].(map[string]any)
			if it["state"] == "ready" && it["restarts"].(float64) >= 1 {
				break
			}
		}
		a.expect("mcp_servers")
	}
	a.sendMessage(chat, "echo back")
	evs = a.collectTurn()
	if r := eventsOf(evs, "tool_result"); len(r) != 1 || str(r[0], "status") != "ok" || str(r[0], "content") != "echo: back" {
		t.Errorf("after the restart: %v", r)
	}
}

// A chat can switch servers off; new chats start with config.toml's
// tools_off; a fork keeps the chat's switches.
func TestPerChatTools(t *testing.T) {
	h, fake := toolHearth(t, "openai", func(c *config.Config) { c.ToolsOff = []string{"t"} })
	fake.SetDefault(textScript("Plain."))
	a := h.dial(t)
	a.waitServerReady("t")
	ev := a.request(map[string]any{"type": "new_chat"})
	c, _ := ev["chat"].(map[string]any)
	chat := str(ev, "chat_id")
	if off, _ := c["tools_off"].([]any); len(off) != 1 || off[0] != "t" {
		t.Fatalf("a new chat's tools_off = %v", c["tools_off"])
	}
	a.sendMessage(chat, "hello")
	a.collectTurn()
	if reqs := fake.Requests(); len(reqs[len(reqs)-1].Tools) != 0 {
		t.Errorf("a switched-off server's tools were offered: %+v", reqs[len(reqs)-1].Tools)
	}
	up := a.request(map[string]any{"type": "update_chat", "chat_id": chat, "tools_off": []string{}})
	if c, _ := up["chat"].(map[string]any); up["event"] != "chat_updated" || len(c["tools_off"].([]any)) != 0 {
		t.Fatalf("update_chat tools_off: %v", up)
	}
	a.sendMessage(chat, "hello again")
	a.collectTurn()
	if reqs := fake.Requests(); len(reqs[len(reqs)-1].Tools) == 0 {
		t.Error("the switched-on server's tools were not offered")
	}
	// new_chat may say otherwise than the default.
	ev = a.request(map[string]any{"type": "new_chat", "tools_off": []string{}})
	if c, _ := ev["chat"].(map[string]any); len(c["tools_off"].([]any)) != 0 {
		t.Errorf("new_chat with tools_off [] = %v", c["tools_off"])
	}
}

// Calls through the reference servers from npm: server-filesystem over
// stdio (a destructive write the user approves, then a read-only read)
// and server-everything over streamable HTTP.
func TestToolCallsThroughTheNpmServers(t *testing.T) {
	bin := mcpServersBin(t)
	httpURL := everythingHTTP(t, bin)
	fake := llmtestNew(t)
	cfg := testConfig(t, fake)
	cfg.AutoTitles = false
	root := t.TempDir()
	cfg.MCPConfig = filepath.Join(filepath.Dir(cfg.ConfigFile), "mcp.json")
	writeMCPConfig(t, cfg.MCPConfig, map[string]any{
		"fs":         map[string]any{"command": filepath.Join(bin, "mcp-server-filesystem"), "args": []string{root}, "autoApprove": []string{"read_text_file"}},
		"everything": map[string]any{"url": httpURL},
	})
	note := filepath.Join(root, "note.txt")
	fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
		if res := toolResults(r); len(res) > 0 {
			return textScript("Result: " + res[0].Content), true
		}
		switch q := r.LastUser(); {
		case strings.Contains(q, "write"):
			return callStep(llmtest.ToolCall{ID: "call_w", Name: "write_file", Arguments: fmt.Sprintf(`{"path":%q,"content":"written by a tool"}`, note)}), true
		case strings.Contains(q, "read"):
			return callStep(llmtest.ToolCall{ID: "call_r", Name: "read_text_file", Arguments: fmt.Sprintf(`{"path":%q}`, note)}), true
		default:
			return callStep(llmtest.ToolCall{ID: "call_e", Name: "echo", Arguments: `{"message":"over http"}`}), true
		}
	})
	h := startWith(t, cfg, fake)
	a := h.dial(t)
	a.waitServerReady("fs")
	a.waitServerReady("everything")
	chat := a.newChat()

	a.sendMessage(chat, "write a note")
	req := a.expect("approval_request")
	hints, _ := req["hints"].(map[string]any)
	if str(req, "server") != "fs" || str(req, "name") != "write_file" || hints["read_only"] != false || hints["destructive"] != true {
		t.Errorf("approval_request %v", req)
	}
	if _, err := os.Stat(note); err == nil {
		t.Fatal("the file was written before the user approved")
	}
	a.send(map[string]any{"type": "approve", "chat_id": chat, "call_id": str(req, "call_id"), "decision": "once"})
	evs := a.collectTurn()
	if r := eventsOf(evs, "tool_result"); len(r) != 1 || str(r[0], "status") != "ok" {
		t.Fatalf("write result %v", r)
	}
	if b, err := os.ReadFile(note); err != nil || string(b) != "written by a tool" {
		t.Fatalf("the note: %q %v", b, err)
	}

	a.sendMessage(chat, "read it back")
	evs = a.collectTurn()
	if c := eventsOf(evs, "tool_call"); len(c) != 1 || str(c[0], "allowed_by") != "auto_approve" {
		t.Errorf("read call %v", c)
	}
	if r := eventsOf(evs, "tool_result"); len(r) != 1 || str(r[0], "content") != "written by a tool" {
		t.Errorf("read result %v", r)
	}

	a.sendMessage(chat, "echo over http")
	req = a.expect("approval_request")
	if str(req, "server") != "everything" {
		t.Errorf("echo asked for %v", req)
	}
	a.send(map[string]any{"type": "approve", "chat_id": chat, "call_id": str(req, "call_id"), "decision": "once"})
	evs = a.collectTurn()
	if r := eventsOf(evs, "tool_result"); len(r) != 1 || str(r[0], "status") != "ok" || !strings.Contains(str(r[0], "content"), "over http") {
		t.Errorf("echo result %v", r)
	}
}

// Hearth stopping while a call waits for the user ends the wait and marks
// the turn interrupted; after the restart the call is kept as it ended.
func TestRestartWhileACallWaits(t *testing.T) {
	h, fake := toolHearth(t, "openai", nil)
	fake.SetDefault(callStep(echoCall("call_w", "x")))
	a := h.dial(t)
	a.waitServerReady("t")
	chat := a.newChat()
	a.sendMessage(chat, "echo x")
	a.expect("approval_request")
	// A client attaching now gets the waiting request in its replay, and
	// the chat says it waits.
	zero := int64(0)
	late := h.dial(t)
	rep := late.attach(chat, &zero)
	if r := eventsOf(rep, "approval_request"); len(r) != 1 || len(eventsOf(rep, "approval_resolved")) != 0 {
		t.Errorf("late replay: %v", names(rep))
	}
	if c, _ := rep[len(rep)-1]["chat"].(map[string]any); c["awaiting_approval"] != true || rep[len(rep)-1]["status"] != "running" {
		t.Errorf("attached %v", rep[len(rep)-1])
	}
	done := make(chan struct{})
	go func() { h.stop(t); close(done) }()
	evs := a.collectTurn()
	<-done
	if res := eventsOf(evs, "approval_resolved"); len(res) != 1 || str(res[0], "by") != "shutdown" || str(res[0], "decision") != "deny" {
		t.Errorf("resolved %v", res)
	}
	if r := eventsOf(evs, "tool_result"); len(r) != 1 || str(r[0], "status") != "cancelled" {
		t.Errorf("result %v", r)
	}
	if end := eventsOf(evs, "turn_end"); str(end[0], "status") != "interrupted" {
		t.Errorf("turn_end %v", end)
	}
	h2 := startWith(t, h.cfg, fake)
	b := h2.dial(t)
	hist := b.request(map[string]any{"type": "history", "chat_id": chat})
	items, _ := hist["items"].([]any)
	ans, _ := items[len(items)-1].(map[string]any)
	tools, _ := ans["tools"].([]any)
	if ans["status"] != "interrupted" || len(tools) != 1 || tools[0].(map[string]any)["status"] != "cancelled" {
		t.Errorf("after the restart: %v", ans)
	}
	// Nothing waits any more.
	if ev := b.request(map[string]any{"type": "approve", "chat_id": chat, "call_id": "call_w", "decision": "once"}); ev["reason"] != "already_resolved" {
		t.Errorf("approve after the restart: %v", ev)
	}
}

// The model reads a result cut to tool_result_chars, with a note; clients
// get all of it.
func TestToolResultCapForTheModel(t *testing.T) {
	long := strings.Repeat("abcdefghij", 30)
	h, fake := toolHearth(t, "openai", func(c *config.Config) { c.ToolResultChars = 50 }, "echo")
	fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
		if len(toolResults(r)) > 0 {
			return textScript("ok"), true
		}
		return callStep(echoCall("call_l", long)), true
	})
	a := h.dial(t)
	a.waitServerReady("t")
	chat := a.newChat()
	a.sendMessage(chat, "long echo")
	evs := a.collectTurn()
	if r := eventsOf(evs, "tool_result"); len(r) != 1 || str(r[0], "content") != "echo: "+long {
		t.Fatalf("the client's result %v", r)
	}
	reqs := fake.Requests()
	res := toolResults(reqs[len(reqs)-1])
	if len(res) != 1 || !strings.HasPrefix(res[0].Content, ("echo: " + long)[:50]+"\n[The result was cut: only its first 50 of 306 characters") {
		t.Errorf("the model read %+v", res)
	}
}

// A continued answer that calls a tool: the kept text and the calls are one
// assistant message in the model's next request.
func TestContinueThenCallATool(t *testing.T) {
	h, fake := toolHearth(t, "openai", nil, "echo")
	fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
		switch {
		case len(toolResults(r)) > 0:
			return textScript("done"), true
		case r.LastRole() == "assistant":
			return callStep(echoCall("call_c", "on")), true
		}
		return llmtest.Script{Steps: []llmtest.Step{{Content: "Let me "}, {Content: "never", Delay: time.Hour}}}, true
	})
	a := h.dial(t)
	a.waitServerReady("t")
	chat := a.newChat()
	a.sendMessage(chat, "start")
	_, seen := a.until("delta", 20*time.Second)
	a.send(map[string]any{"type": "cancel", "chat_id": chat})
	a.collectTurn()
	answer := int64(eventsOf(seen, "turn_start")[0]["message_id"].(float64))
	a.send(map[string]any{"type": "continue", "chat_id": chat, "message_id": answer})
	evs := a.collectTurn()
	if se := str(eventsOf(evs, "stream_end")[0], "text"); se != "Let me done" {
		t.Errorf("continued answer %q", se)
	}
	reqs := fake.Requests()
	msgs := reqs[len(reqs)-1].Messages
	call := msgs[len(msgs)-2]
	if call.Role != "assistant" || call.Content != "Let me " || len(call.ToolCalls) != 1 || msgs[len(msgs)-3].Role != "user" {
		t.Errorf("the model's last request ends with %+v", msgs[len(msgs)-3:])
	}
}
