// Package health watches whether the model server answers, so every client
// learns at once when it goes away or comes back (provider_status), instead
// of finding out from a failed reply or a stale model list.
//
// Tracker is the decision logic and does no I/O: it folds observations (a
// probe of the server's model list, a list_models a client asked for) into a
// status, says whether that status is news, and when to look next. Watcher is
// the thin shell that probes, broadcasts and sleeps.
package health

import (
	"encoding/json"
	"reflect"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
)

// Status is what provider_status tells clients.
type Status struct {
	// State is protocol.ProviderOK, ProviderUnreachable or ProviderError.
	State    string
	Provider string
	// URL is the server's address for display (credentials hidden).
	URL string
	// Reason is the refusal reason a failed request would carry
	// (provider_unreachable, provider_error); empty when ok.
	Reason string
	// Detail is the failure in the words a user can act on; empty when ok.
	Detail string
	// Models are what the server offers; set only when ok.
	Models []protocol.Model
}

// Event is the status as the provider_status event.
func (s Status) Event() protocol.Event {
	return protocol.ProviderStatus(s.State, s.Provider, s.URL, s.Reason, s.Detail, s.Models)
}

func (s Status) equal(o Status) bool {
	return s.State == o.State && s.Provider == o.Provider && s.URL == o.URL &&
		s.Reason == o.Reason && s.Detail == o.Detail && reflect.DeepEqual(s.Models, o.Models)
}

// Observation is one look at the model server: its model list, or the error
// asking for it gave.
type Observation struct {
	// Started is when the request was made: an answer to an older request
	// that arrives after a newer one's says nothing new.
	Started  time.Time
	Provider string
	URL      string
	Models   []llm.Model
	Err      error
}

// Schedule is how often to look.
type Schedule struct {
	// Every is the pause between looks while the server answers.
	Every time.Duration
	// First is the first pause after a failure; each further failure in a
	// row doubles it, up to Max.
	First, Max time.Duration
	// MinGap spaces looks that something asked for at once (a failed turn,
	// a saved setting), so a burst of failures makes one request, not many.
	MinGap time.Duration
}

// DefaultSchedule: a model server's list of models costs it next to nothing,
// and a user who just started one should not wait long to see it noticed.
var DefaultSchedule = Schedule{Every: 15 * time.Second, First: time.Second, Max: 10 * time.Second, MinGap: 500 * time.Millisecond}

// Tracker folds observations into a status. The zero value is not ready:
// use NewTracker.
type Tracker struct {
	sched Schedule
	cur   Status
	known bool
	// fails counts failed looks in a row (at the current address).
	fails int
	// newest is the start of the newest observation applied.
	newest time.Time
}

// NewTracker starts with no status known.
func NewTracker(s Schedule) *Tracker { return &Tracker{sched: s} }

// Current is the last status, and whether there is one.
func (t *Tracker) Current() (Status, bool) { return t.cur, t.known }

// Observe applies o and reports the status after it and whether clients
// must be told (the first status, or any change: state, address, words,
// models). An observation that cannot say anything about the server's health
// (the request was cancelled by whoever made it) or that is older than one
// already applied changes nothing.
func (t *Tracker) Observe(o Observation) (Status, bool) {
	if o.Err != nil && llm.CodeOf(o.Err) == llm.CodeCancelled {
		return t.cur, false
	}
	if t.known && o.Started.Before(t.newest) {
		return t.cur, false
	}
	t.newest = o.Started
	next := Status{Provider: o.Provider, URL: o.URL}
	if o.Provider != t.cur.Provider || o.URL != t.cur.URL {
		// Another server: its failures start afresh.
		t.fails = 0
	}
	if o.Err == nil {
		next.State = protocol.ProviderOK
		next.Models = wireModels(o.Models)
		t.fails = 0
	} else {
		next.State, next.Reason = protocol.ProviderError, protocol.ReasonProviderError
		if llm.CodeOf(o.Err) == llm.CodeUnreachable {
			next.State, next.Reason = protocol.ProviderUnreachable, protocol.ReasonUnreachable
		}
		next.Detail = o.Err.Error()
		t.fails++
	}
	news := !t.known || !next.equal(t.cur)
	t.cur, t.known = next, true
	return next, news
}

// Delay is how long to wait, after the last look, before the next: Every
// while the server answers (or before anything is known), a doubling backoff
// from First up to Max while it does not.
func (t *Tracker) Delay() time.Duration {
	if !t.known || t.cur.State == protocol.ProviderOK || t.fails == 0 {
		return t.sched.Every
	}
	d := t.sched.First
	for i := 1; i < t.fails && d < t.sched.Max; i++ {
		d *= 2
	}
	return min(d, t.sched.Max)
}

// Failing reports whether the last look found the server failing.
func (t *Tracker) Failing() bool { return t.known && t.cur.State != protocol.ProviderOK }

// wireModels converts through JSON: both types name their fields the same
// on the wire, so every detail the server gave (size, family, context
// length…) reaches clients as list_models would send it, whichever details
// the two types come to carry.
func wireModels(ms []llm.Model) []protocol.Model {
	out := []protocol.Model{}
	if b, err := json.Marshal(ms); err == nil && len(ms) > 0 {
		_ = json.Unmarshal(b, &out)
	}
	return out
}
