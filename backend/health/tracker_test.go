package health

import (
	"errors"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
)

var (
	t0          = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	unreachable = &llm.Error{Code: llm.CodeUnreachable, Message: "Cannot reach the model server at http://a (connection refused)."}
	refusedKey  = &llm.Error{Code: llm.CodeAuth, Message: "The model server at http://a refused access (401: bad key)."}
	cancelled   = &llm.Error{Code: llm.CodeCancelled, Message: "The request to the model server was cancelled."}
)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func ok(s int, ids ...string) Observation {
	ms := make([]llm.Model, len(ids))
	for i, id := range ids {
		ms[i] = llm.Model{ID: id}
	}
	return Observation{Started: at(s), Provider: "openai", URL: "http://a", Models: ms}
}

func failed(s int, err error) Observation {
	return Observation{Started: at(s), Provider: "openai", URL: "http://a", Err: err}
}

func TestObserveTellsOnlyChanges(t *testing.T) {
	moved := ok(9, "m1")
	moved.URL = "http://b"
	steps := []struct {
		name   string
		o      Observation
		news   bool
		state  string
		reason string
		models int
	}{
		{"the first look is news", ok(1, "m1"), true, protocol.ProviderOK, "", 1},
		{"the same again is not", ok(2, "m1"), false, protocol.ProviderOK, "", 1},
		{"a model more is", ok(3, "m1", "m2"), true, protocol.ProviderOK, "", 2},
		{"a cancelled request says nothing", failed(4, cancelled), false, protocol.ProviderOK, "", 2},
		{"the server gone is", failed(5, unreachable), true, protocol.ProviderUnreachable, protocol.ReasonUnreachable, 0},
		{"still gone is not", failed(6, unreachable), false, protocol.ProviderUnreachable, protocol.ReasonUnreachable, 0},
		{"an answer older than the last look is stale", ok(5, "m1"), false, protocol.ProviderUnreachable, protocol.ReasonUnreachable, 0},
		{"a refusal is an error, not unreachable", failed(7, refusedKey), true, protocol.ProviderError, protocol.ReasonProviderError, 0},
		{"back again is", ok(8, "m1"), true, protocol.ProviderOK, "", 1},
		{"another address is", moved, true, protocol.ProviderOK, "", 1},
	}
	tr := NewTracker(DefaultSchedule)
	if _, known := tr.Current(); known {
		t.Fatal("a new tracker knows a status")
	}
	for _, s := range steps {
		st, news := tr.Observe(s.o)
		if news != s.news || st.State != s.state || st.Reason != s.reason || len(st.Models) != s.models {
			t.Fatalf("%s: got news=%v %+v, want news=%v state=%s reason=%q models=%d", s.name, news, st, s.news, s.state, s.reason, s.models)
		}
		if s.news && st.State != protocol.ProviderOK && st.Detail != s.o.Err.Error() {
			t.Fatalf("%s: detail %q, want the error's words", s.name, st.Detail)
		}
	}
}

func TestDelayBacksOffWhileDownAndResets(t *testing.T) {
	s := Schedule{Every: 15 * time.Second, First: time.Second, Max: 10 * time.Second}
	tr := NewTracker(s)
	if d := tr.Delay(); d != s.Every {
		t.Fatalf("before any look: %v, want %v", d, s.Every)
	}
	want := []time.Duration{1, 2, 4, 8, 10, 10}
	for i, w := range want {
		tr.Observe(failed(i+1, unreachable))
		if d := tr.Delay(); d != w*time.Second {
			t.Fatalf("after %d failures: %v, want %v", i+1, d, w*time.Second)
		}
	}
	tr.Observe(ok(20, "m"))
	if d := tr.Delay(); d != s.Every {
		t.Fatalf("after the server came back: %v, want %v", d, s.Every)
	}
	tr.Observe(failed(21, unreachable))
	if d := tr.Delay(); d != time.Second {
		t.Fatalf("down again: %v, want the backoff from the start", d)
	}
	tr.Observe(failed(22, unreachable))
	other := failed(23, unreachable)
	other.URL = "http://b"
	tr.Observe(other)
	if d := tr.Delay(); d != time.Second {
		t.Fatalf("a new address that fails: %v, want the backoff from the start", d)
	}
	tr.Observe(failed(24, errors.New("something else")))
	if !tr.Failing() {
		t.Fatal("a failure that is no llm.Error is still a failure")
	}
	if st, _ := tr.Current(); st.State != protocol.ProviderError {
		t.Fatalf("state %s, want error", st.State)
	}
}

func TestEventCarriesModelsOnlyWhenOK(t *testing.T) {
	tr := NewTracker(DefaultSchedule)
	st, _ := tr.Observe(ok(1))
	ev := st.Event()
	if ev.Event != protocol.EvProviderStatus || ev.State != protocol.ProviderOK || ev.Items == nil {
		t.Fatalf("ok event %+v: want state ok and an (empty) model list", ev)
	}
	st, _ = tr.Observe(failed(2, unreachable))
	ev = st.Event()
	if ev.State != protocol.ProviderUnreachable || ev.Items != nil || ev.Reason != protocol.ReasonUnreachable || ev.Detail == "" || ev.ProviderURL != "http://a" {
		t.Fatalf("down event %+v", ev)
	}
}
