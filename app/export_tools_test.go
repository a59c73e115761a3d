package app

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// storedEvent is a row of message_events as the turn engine reads it back
// to build the model's history.
type storedEvent struct {
	kind, call string
	step, at   int
}

func readEvents(t *testing.T, db *sql.DB, chatID string) []storedEvent {
	t.Helper()
	rows, err := db.Query(`SELECT kind, call_id, step, at FROM message_events WHERE chat_id = ? ORDER BY seq`, chatID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedEvent
	for rows.Next() {
		var e storedEvent
		if err := rows.Scan(&e.kind, &e.call, &e.step, &e.at); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// historySent is what a request told the model of the conversation before
// its last question.
func historySent(r llmtest.RecordedRequest) string {
	var b strings.Builder
	for _, m := range r.Messages[:len(r.Messages)-1] {
		fmt.Fprintf(&b, "%s %q", m.Role, m.Content)
		for _, c := range m.ToolCalls {
			fmt.Fprintf(&b, " call(%s %s %s)", c.ID, c.Name, c.Arguments)
		}
		if m.ToolCallID != "" || m.ToolName != "" {
			fmt.Fprintf(&b, " for(%s %s)", m.ToolCallID, m.ToolName)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// A chat whose answer called tools — two calls in parallel, one of them
// approved, then a second step — goes out and comes back with its calls:
// export → import → export gives the same file but for ids and seqs; the
// imported chat replays the calls inside their answer, stores them where
// the model's history is built from (so the next turn's model reads the
// same exchange as in the original chat), keeps them in a fork, and its
// Markdown shows each call at its place.
func TestExportImportKeepsToolCalls(t *testing.T) {
	for _, format := range []string{"openai", "ollama"} {
		t.Run(format, func(t *testing.T) {
			h, fake := toolHearth(t, format, nil, "echo")
			fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) {
				switch res := toolResults(r); {
				case lastUserHas(r, "again"):
					return textScript("Still ", "here."), true
				case len(res) == 0:
					return llmtest.Script{Steps: []llmtest.Step{{Content: "Voilà 🔥 — "},
						{ToolCalls: []llmtest.ToolCall{echoCall("call_a", "a"), {ID: "call_f", Name: "fail", Arguments: `{}`}}}}}, true
				case len(res) == 2:
					return llmtest.Script{Steps: []llmtest.Step{{Content: "Next: "}, {ToolCalls: []llmtest.ToolCall{echoCall("call_b", "b")}}}}, true
				default:
					return textScript("Fin ✓."), true
				}
			})
			a := h.dial(t)
			a.waitServerReady("t")
			chat := a.newChat()
			a.sendMessage(chat, "use tools")
			approveWith(t, a, chat, "once")
			evs := a.collectTurn()
			if got := str(eventsOf(evs, "stream_end")[0], "text"); got != "Voilà 🔥 — Next: Fin ✓." {
				t.Fatalf("the tool turn answered %q", got)
			}

			first := h.export(t, chat, "json")
			var doc struct {
				Messages []struct {
					Tools []struct {
						CallID   string `json:"call_id"`
						Offset   int
						Step     *int
						Status   string
						Approval *struct{ Decision, By string }
					}
				}
			}
			if err := json.Unmarshal(first, &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Messages) != 2 || len(doc.Messages[1].Tools) != 3 {
				t.Fatalf("export of the tool turn: %s", first)
			}
			for i, w := range []struct {
				id             string
				offset, step   int
				status, decide string
			}{{"call_a", 11, 0, "ok", ""}, {"call_f", 11, 0, "error", "once"}, {"call_b", 17, 1, "ok", ""}} {
				c := doc.Messages[1].Tools[i]
				if c.CallID != w.id || c.Offset != w.offset || c.Step == nil || *c.Step != w.step || c.Status != w.status ||
					(c.Approval == nil) != (w.decide == "") || (c.Approval != nil && c.Approval.Decision != w.decide) {
					t.Errorf("exported call %d = %+v, want %+v", i, c, w)
				}
			}

			code, reply := h.importDoc(t, first)
			if code != http.StatusCreated {
				t.Fatalf("import: %d %v", code, reply)
			}
			imported := reply["chat"].(map[string]any)["id"].(string)
			second := h.export(t, imported, "json")
			x, y := normalizedTools(t, first), normalizedTools(t, second)
			if !reflect.DeepEqual(x, y) {
				jx, _ := json.MarshalIndent(x, "", " ")
				jy, _ := json.MarshalIndent(y, "", " ")
				t.Fatalf("export → import → export differs:\n%s\n---\n%s", jx, jy)
			}

			// Stored as the engine stored them: each call's step and place in
			// the text, call by call.
			db, err := sql.Open("sqlite", "file:"+h.cfg.DBPath()+"?mode=ro&_pragma=busy_timeout(10000)")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			before, after := len("Voilà 🔥 — "), len("Voilà 🔥 — Next: ")
			want := []storedEvent{
				{"tool_call", "call_a", 0, before}, {"tool_result", "call_a", 0, before},
				{"tool_call", "call_f", 0, before}, {"approval_request", "call_f", 0, before},
				{"approval_resolved", "call_f", 0, before}, {"tool_result", "call_f", 0, before},
				{"tool_call", "call_b", 1, after}, {"tool_result", "call_b", 1, after},
			}
			if got := readEvents(t, db, imported); !reflect.DeepEqual(got, want) {
				t.Errorf("imported events %v, want %v", got, want)
			}
			orig := map[string]storedEvent{}
			for _, e := range readEvents(t, db, chat) {
				orig[e.call+" "+e.kind] = e
			}
			for _, e := range want {
				if orig[e.call+" "+e.kind] != e {
					t.Errorf("the original chat has %+v, the import %+v", orig[e.call+" "+e.kind], e)
				}
			}

			// A late joiner's replay holds the calls inside their answer,
			// under its turn.
			zero := int64(0)
			rep := h.dial(t).attach(imported, &zero)
			var order []string
			var prev int64
			turn := ""
			for _, e := range rep {
				switch e["event"] {
				case "turn_start":
					turn = str(e, "turn_id")
				case "tool_call", "approval_request", "approval_resolved", "tool_result", "stream_end", "turn_end":
				default:
					continue
				}
				order = append(order, str(e, "event"))
				if seqOf(e) <= prev || str(e, "chat_id") != imported || turn == "" || str(e, "turn_id") != turn {
					t.Errorf("replay event %v (turn %q, previous seq %d)", e, turn, prev)
				}
				prev = seqOf(e)
			}
			wantOrder := "turn_start tool_call tool_result tool_call approval_request approval_resolved tool_result tool_call tool_result stream_end turn_end"
			if got := strings.Join(order, " "); got != wantOrder {
				t.Errorf("replay %q, want %q", got, wantOrder)
			}

			// The next turn's model reads the same exchange in both chats.
			a.sendMessage(chat, "again?")
			a.collectTurn()
			reqs := fake.Requests()
			inOriginal := historySent(reqs[len(reqs)-1])
			a.attach(imported, nil)
			a.sendMessage(imported, "again?")
			a.collectTurn()
			reqs = fake.Requests()
			inImported := historySent(reqs[len(reqs)-1])
			if inImported != inOriginal || strings.Count(inImported, "\ntool ") != 3 {
				t.Errorf("the model's history in the imported chat:\n%s\nin the original:\n%s", inImported, inOriginal)
			}

			// A fork of the imported chat keeps them.
			var again struct{ Messages []struct{ ID int64 } }
			_ = json.Unmarshal(second, &again)
			if len(again.Messages) != 2 {
				t.Fatalf("re-export: %s", second)
			}
			fk := a.request(map[string]any{"type": "fork_chat", "chat_id": imported, "message_id": again.Messages[1].ID})
			fc, _ := fk["chat"].(map[string]any)
			forked, _ := fc["id"].(string)
			if forked == "" {
				t.Fatalf("fork_chat: %v", fk)
			}
			if got := readEvents(t, db, forked); !reflect.DeepEqual(got, want) {
				t.Errorf("forked events %v, want %v", got, want)
			}

			// Markdown: each call where it was made, plain lines.
			md := string(h.export(t, imported, "md"))
			wantMD := "Voilà 🔥 —\n\n" +
				"> 🔧 `t.echo({\"text\":\"a\"})` → ok: `echo: a`\n\n" +
				"> 🔧 `t.fail()` → error (approved): `it broke`\n\n" +
				"Next:\n\n" +
				"> 🔧 `t.echo({\"text\":\"b\"})` → ok: `echo: b`\n\n" +
				"Fin ✓.\n"
			if !strings.Contains(md, wantMD) || strings.Contains(md, "<details><summary>🔧") {
				t.Errorf("markdown:\n%s\nwant it to hold:\n%s", md, wantMD)
			}

			// A broken tools entry refuses the file, naming the message, and
			// leaves nothing.
			var raw map[string]any
			_ = json.Unmarshal(first, &raw)
			tools := raw["messages"].([]any)[1].(map[string]any)["tools"].([]any)
			delete(tools[1].(map[string]any), "call_id")
			broken, _ := json.Marshal(raw)
			var chats int
			_ = db.QueryRow(`SELECT count(*) FROM chats`).Scan(&chats)
			code, reply = h.importDoc(t, broken)
			e, _ := reply["error"].(map[string]any)
			if detail, _ := e["detail"].(string); code != http.StatusBadRequest || e["reason"] != "missing_field" || !strings.Contains(detail, "message 1: tools[1]") {
				t.Errorf("import of a call without call_id: %d %v", code, reply)
			}
			var n int
			_ = db.QueryRow(`SELECT count(*) FROM chats`).Scan(&n)
			if n != chats {
				t.Errorf("the refused import left %d chats", n-chats)
			}
		})
	}
}

// normalizedTools is normalized with the seqs of the tool calls removed too.
func normalizedTools(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	v := normalized(t, doc)
	for _, m := range v["messages"].([]any) {
		tools, _ := m.(map[string]any)["tools"].([]any)
		for _, c := range tools {
			delete(c.(map[string]any), "seq")
		}
	}
	return v
}
