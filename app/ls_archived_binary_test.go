package app

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// hearth ls lists pinned chats first and leaves archived ones out; hearth
// ls --archived lists only those, paged like the rest.
func TestLsArchived(t *testing.T) {
	fake := llmtestNew(t)
	u := newUserEnv(t, fake)
	sp := u.serve(t)
	ws := dialUnix(t, sp.line.Socket, "")
	ids := make([]string, 5)
	for i := range ids {
		ev := ws.request(map[string]any{"type": "new_chat", "title": fmt.Sprintf("chat %d", i)})
		id, _ := ev["chat_id"].(string)
		if ev["event"] != "attached" || id == "" {
			t.Fatalf("new_chat %d: %v", i, ev)
		}
		ids[i] = id
	}
	update := func(id string, field string, v bool) {
		t.Helper()
		ev := ws.request(map[string]any{"type": "update_chat", "chat_id": id, field: v})
		if ev["event"] != "chat_updated" {
			t.Fatalf("update_chat %s %s: %v", id, field, ev)
		}
	}
	update(ids[0], "pinned", true)   // the oldest, pinned: first
	update(ids[1], "archived", true) // archived: only with --archived
	update(ids[3], "archived", true)

	ls := func(args ...string) (titles []string, stderr string) {
		t.Helper()
		c := u.cmd(append([]string{"ls"}, args...)...)
		var errb strings.Builder
		c.Stderr = &errb
		out, err := c.Output()
		if err != nil {
			t.Fatalf("hearth ls %v: %v %s", args, err, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if !strings.HasPrefix(lines[0], "ID") {
			t.Fatalf("hearth ls %v: no header: %q", args, lines[0])
		}
		for _, l := range lines[1:] {
			f := strings.Fields(l)
			titles = append(titles, f[1]+" "+f[2])
		}
		return titles, errb.String()
	}
	// Chats made in one millisecond tie on their time (then the order is by
	// id), so only the pinned chat's place is checked exactly.
	set := func(titles []string) string {
		s := append([]string(nil), titles...)
		sort.Strings(s)
		return strings.Join(s, ",")
	}
	if got, _ := ls(); len(got) != 3 || got[0] != "chat 0" || set(got) != "chat 0,chat 2,chat 4" {
		t.Errorf("hearth ls: %q, want the pinned chat first, then chats 2 and 4 and no archived one", got)
	}
	if got, _ := ls("--archived"); set(got) != "chat 1,chat 3" {
		t.Errorf("hearth ls --archived: %q", got)
	}
	if got, stderr := ls("--archived", "--limit", "1"); len(got) != 1 || !strings.Contains(stderr, "--all") {
		t.Errorf("hearth ls --archived --limit 1: %q, stderr %q", got, stderr)
	}
	if got, _ := ls("--all", "--archived"); set(got) != "chat 1,chat 3" {
		t.Errorf("hearth ls --all --archived: %q", got)
	}
	update(ids[3], "archived", false)
	if got, _ := ls(); strings.Join(got[:2], ",") != "chat 0,chat 3" || set(got) != "chat 0,chat 2,chat 3,chat 4" {
		t.Errorf("hearth ls after restoring chat 3: %q, want it back, just after the pinned chat", got)
	}
	if got, _ := ls("--archived"); strings.Join(got, ",") != "chat 1" {
		t.Errorf("hearth ls --archived after restoring chat 3: %q", got)
	}
}
