package protocol

import (
	"bytes"
	"encoding/json"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/hearth-app/hearth/backend/ids"
)

var (
	reasonsOnce sync.Once
	reasonSet   map[string]bool
	reasonErr   error
)

// declaredReasons reads reasons.go and returns the values of its Reason*
// constants, so a reason invented elsewhere (or a typo) is caught.
func declaredReasons(t testing.TB) map[string]bool {
	reasonsOnce.Do(func() {
		f, err := parser.ParseFile(token.NewFileSet(), "reasons.go", nil, 0)
		if err != nil {
			reasonErr = err
			return
		}
		reasonSet = map[string]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Reason") || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if v, err := strconv.Unquote(lit.Value); err == nil {
						reasonSet[v] = true
					}
				}
			}
			return true
		})
	})
	if reasonErr != nil {
		t.Fatalf("parse reasons.go: %v", reasonErr)
	}
	return reasonSet
}

func TestDeclaredReasons(t *testing.T) {
	rs := declaredReasons(t)
	for _, r := range []string{ReasonInvalidJSON, ReasonInvalidUTF8, ReasonUnknownType, ReasonMissingField,
		ReasonInvalidField, ReasonInvalidChatID, ReasonNotAttached, ReasonEmptyMessage, ReasonTooLarge,
		ReasonInvalidMedia, ReasonInvalidSetting} {
		if !rs[r] {
			t.Errorf("reason %q not found by parsing reasons.go (got %v)", r, rs)
		}
	}
	if rs["not_a_reason"] || rs[""] {
		t.Errorf("bogus reason in set %v", rs)
	}
}

var fuzzState = ConnState{Attached: func(id string) bool { return id == "c1" || id == "a" }}

func FuzzRoute(f *testing.F) {
	// While fuzzing, the megabyte-sized rows (limits checks) would stall the
	// mutator; they still run as seeds under plain `go test`.
	fuzzing := false
	if fl := flag.Lookup("test.fuzz"); fl != nil && fl.Value.String() != "" {
		fuzzing = true
	}
	for _, tc := range routeCases {
		if fuzzing && len(tc.in) > 4096 {
			continue
		}
		f.Add([]byte(tc.in), tc.binary)
	}
	for _, s := range []string{
		`{"type":"detach","chat_id":"c1"}`, `{"type":"detach","chat_id":"a","req_id":1e999}`,
		`{"type":"message","TYPE":null,"Content":"x"}`, `{"Type":"ping"}`, `{"type":"ping","type":5}`,
		`{"type":"message","content":"\ud800"}`, `{"type":"attach","chat_id":"a","since":9223372036854775808}`,
		`{"type":"history","chat_id":"a","before_seq":-0}`, `{"type":"history","chat_id":"a","around_seq":7,"limit":9}`, `{"type":"history","chat_id":"a","after_seq":0}`, "\x00", "{\x00}", `{"":""}`, `{"content":null}`,
	} {
		f.Add([]byte(s), false)
	}
	rs := declaredReasons(f)
	f.Fuzz(func(t *testing.T, data []byte, binary bool) {
		orig := bytes.Clone(data)
		d := Route(data, binary, fuzzState)
		if !bytes.Equal(data, orig) {
			t.Fatalf("Route modified its input")
		}
		if (d.Cmd == nil) == (d.Err == nil) {
			t.Fatalf("Route(%q): want exactly one of Cmd/Err, got %+v", data, d)
		}
		if d2 := Route(orig, binary, fuzzState); !reflect.DeepEqual(d, d2) {
			t.Fatalf("Route(%q) not deterministic: %+v vs %+v", data, d, d2)
		}
		if d.Err != nil {
			checkErrEvent(t, data, *d.Err, rs)
			return
		}
		if !utf8.Valid(data) {
			t.Fatalf("Route(%q) accepted invalid UTF-8 as %T", data, d.Cmd)
		}
		checkCommand(t, data, d.Cmd)
	})
}

func checkErrEvent(t *testing.T, data []byte, e Event, rs map[string]bool) {
	t.Helper()
	if e.Event != "error" {
		t.Fatalf("Route(%q): Err.Event = %q", data, e.Event)
	}
	if e.Reason == "" || !rs[e.Reason] {
		t.Fatalf("Route(%q): reason %q is not declared in reasons.go", data, e.Reason)
	}
	if e.Detail == "" {
		t.Fatalf("Route(%q): empty detail for %s", data, e.Reason)
	}
	if len(e.ReqID) > 200 {
		t.Fatalf("Route(%q): echoed req_id of %d bytes", data, len(e.ReqID))
	}
	if !utf8.Valid(data) && e.Reason != ReasonInvalidUTF8 {
		t.Fatalf("Route(%q): invalid UTF-8 gave %s", data, e.Reason)
	}
	b := Encode(e)
	if !json.Valid(b) {
		t.Fatalf("Route(%q): Encode gave invalid JSON %q", data, b)
	}
	var back struct {
		Event  string `json:"event"`
		Reason string `json:"reason"`
		Detail string `json:"detail"`
		ReqID  string `json:"req_id"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("Route(%q): decode %q: %v", data, b, err)
	}
	if back.Event != "error" || back.Reason != e.Reason || back.ReqID != e.ReqID {
		t.Fatalf("Route(%q): round trip %+v != %+v", data, back, e)
	}
	if utf8.ValidString(e.Detail) && back.Detail != e.Detail {
		t.Fatalf("Route(%q): detail round trip %q != %q", data, back.Detail, e.Detail)
	}
}

func checkChat(t *testing.T, data []byte, id string) {
	t.Helper()
	if !ids.ValidChat(id) {
		t.Fatalf("Route(%q): command with invalid chat id %q", data, id)
	}
}

func checkLimit(t *testing.T, data []byte, n int) {
	t.Helper()
	if n < 1 || n > MaxLimit {
		t.Fatalf("Route(%q): limit %d out of range", data, n)
	}
}

// checkCommand asserts what the server relies on: every command the router lets
// through is within the documented limits.
func checkCommand(t *testing.T, data []byte, cmd Command) {
	t.Helper()
	if len(cmd.RequestID()) > 200 {
		t.Fatalf("Route(%q): req_id of %d bytes", data, len(cmd.RequestID()))
	}
	switch c := cmd.(type) {
	case Ping, ListModels, GetSettings:
	case NewChat:
		if len(c.Title) > MaxTitleBytes || len(c.Model) > MaxModelBytes || len(c.System) > MaxSystemBytes {
			t.Fatalf("Route(%q): oversized new_chat %d/%d/%d", data, len(c.Title), len(c.Model), len(c.System))
		}
	case Attach:
		checkChat(t, data, c.ChatID)
		if c.Since != nil && *c.Since < 0 {
			t.Fatalf("Route(%q): since %d", data, *c.Since)
		}
	case Detach:
		checkChat(t, data, c.ChatID)
		if !fuzzState.Attached(c.ChatID) {
			t.Fatalf("Route(%q): detach from unattached %q", data, c.ChatID)
		}
	case SendMessage:
		if c.ToDefault == (c.ChatID != "") {
			t.Fatalf("Route(%q): ToDefault=%v with chat id %q", data, c.ToDefault, c.ChatID)
		}
		if !c.ToDefault {
			checkChat(t, data, c.ChatID)
		}
		if len(c.Content) > MaxContentBytes || len(c.Model) > MaxModelBytes {
			t.Fatalf("Route(%q): oversized message", data)
		}
		if strings.TrimSpace(c.Content) == "" && len(c.Media) == 0 {
			t.Fatalf("Route(%q): empty message accepted", data)
		}
		if len(c.Media) > MaxMediaItems {
			t.Fatalf("Route(%q): %d media items", data, len(c.Media))
		}
		for _, m := range c.Media {
			if (m.ID == "") == (m.DataURL == "") {
				t.Fatalf("Route(%q): media item %+v", data, m)
			}
			if m.ID != "" && !ids.ValidMedia(m.ID) || m.DataURL != "" && !strings.HasPrefix(m.DataURL, "data:") {
				t.Fatalf("Route(%q): media item %+v", data, m)
			}
		}
		if !efforts[c.ReasoningEffort] {
			t.Fatalf("Route(%q): effort %q", data, c.ReasoningEffort)
		}
	case Cancel:
		checkChat(t, data, c.ChatID)
	case ListPulls:
	case PullModel, CancelPull:
		name, id := "", ""
		if p, ok := c.(PullModel); ok {
			name = p.Model
		} else {
			name, id = c.(CancelPull).Model, c.(CancelPull).PullID
		}
		if len(name) > MaxModelBytes || len(id) > 64 || name == "" && id == "" ||
			strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			t.Fatalf("Route(%q): pull name %q id %q", data, name, id)
		}
	case ListChats:
		checkLimit(t, data, c.Limit)
	case GetHistory:
		checkChat(t, data, c.ChatID)
		checkLimit(t, data, c.Limit)
		if c.BeforeSeq < 0 {
			t.Fatalf("Route(%q): before_seq %d", data, c.BeforeSeq)
		}
		if c.AroundSeq < 0 || (c.AfterSeq != nil && *c.AfterSeq < 0) {
			t.Fatalf("Route(%q): around_seq %d after_seq %v", data, c.AroundSeq, c.AfterSeq)
		}
		if (c.AroundSeq > 0 && (c.AfterSeq != nil || c.BeforeSeq > 0)) || (c.AfterSeq != nil && c.BeforeSeq > 0) {
			t.Fatalf("Route(%q): more than one of before_seq, after_seq, around_seq", data)
		}
	case UpdateChat:
		checkChat(t, data, c.ChatID)
		if c.Title == nil && c.Model == nil && c.System == nil && c.Pinned == nil && c.Archived == nil && c.Params == nil && c.Preset == nil && c.ToolsOff == nil && c.Agent == nil {
			t.Fatalf("Route(%q): empty update", data)
		}
		if c.Title != nil && (*c.Title == "" || strings.TrimSpace(*c.Title) != *c.Title || len(*c.Title) > MaxTitleBytes) {
			t.Fatalf("Route(%q): title %q", data, *c.Title)
		}
		if c.Model != nil && len(*c.Model) > MaxModelBytes || c.System != nil && len(*c.System) > MaxSystemBytes {
			t.Fatalf("Route(%q): oversized update", data)
		}
	case DeleteChat:
		checkChat(t, data, c.ChatID)
	case SetSettings:
		if c.Provider != nil && *c.Provider != "openai" && *c.Provider != "ollama" {
			t.Fatalf("Route(%q): provider %q", data, *c.Provider)
		}
		if c.ProviderURL != nil && !strings.HasPrefix(*c.ProviderURL, "http://") && !strings.HasPrefix(*c.ProviderURL, "https://") {
			t.Fatalf("Route(%q): provider_url %q", data, *c.ProviderURL)
		}
		if c.Model != nil && len(*c.Model) > MaxModelBytes {
			t.Fatalf("Route(%q): oversized model", data)
		}
	case Search:
		if c.Query == "" || strings.TrimSpace(c.Query) != c.Query || len(c.Query) > MaxQueryBytes {
			t.Fatalf("Route(%q): query %q", data, c.Query)
		}
		checkLimit(t, data, c.Limit)
	case Approve:
		checkChat(t, data, c.ChatID)
		if c.CallID == "" || len(c.CallID) > MaxToolNameBytes || !decisions[c.Decision] {
			t.Fatalf("Route(%q): approve %+v", data, c)
		}
	case RegisterAgent:
		if !ValidAgentName(c.AgentName) || len(c.Description) > MaxAgentDescriptionBytes {
			t.Fatalf("Route(%q): register %+v", data, c)
		}
	case ListAgents:
	case AgentFrame:
		if c.TurnID == "" || !agentFrames[c.Kind] {
			t.Fatalf("Route(%q): agent frame %+v", data, c)
		}
	case ListToolGrants:
	case ListMCPServers:
	case RevokeToolGrant:
		if c.Server == "" || c.Tool == "" || len(c.Server) > MaxToolNameBytes || len(c.Tool) > MaxToolNameBytes {
			t.Fatalf("Route(%q): revoke %+v", data, c)
		}
	default:
		t.Fatalf("Route(%q): unexpected command type %T", data, cmd)
	}
}
