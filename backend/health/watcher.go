package health

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
)

// Options are what a Watcher uses.
type Options struct {
	// Source is the current provider (the settings form may replace it).
	Source llm.Source
	// Broadcast sends a frame to every connection.
	Broadcast func(frame []byte)
	// Clients is how many clients are connected: nobody to tell, no probe.
	Clients func() int
	// Schedule defaults to DefaultSchedule.
	Schedule Schedule
	// Timeout bounds one probe (default 5 s): a server that takes longer to
	// list its models is not one a reply can be expected from.
	Timeout time.Duration
	Logger  *slog.Logger
}

// Watcher probes the model server while clients are connected and
// broadcasts provider_status when what it finds changes. Its Source wrapper
// also learns from the requests Hearth makes anyway: a model list a client
// asked for is an observation, and a failed reply makes it look at once.
//
// Lock: mu guards the tracker and is held while a change is broadcast, so
// clients get changes in the order they were found; the broadcast takes the
// server's locks under it, and nothing takes mu under those.
type Watcher struct {
	opts Options
	kick chan struct{}

	mu sync.Mutex
	tr *Tracker
}

// New builds a watcher; Run starts it.
func New(opts Options) *Watcher {
	if opts.Schedule == (Schedule{}) {
		opts.Schedule = DefaultSchedule
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Watcher{opts: opts, kick: make(chan struct{}, 1), tr: NewTracker(opts.Schedule)}
}

// Kick asks for a look now (at most one per MinGap); it never blocks.
func (w *Watcher) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Current is the last status found, and whether there is one.
func (w *Watcher) Current() (Status, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tr.Current()
}

// Observe applies an observation and tells every client if it is news.
func (w *Watcher) Observe(o Observation) {
	w.mu.Lock()
	defer w.mu.Unlock()
	was, known := w.tr.Current()
	st, news := w.tr.Observe(o)
	if !news {
		return
	}
	if !known || was.State != st.State {
		w.opts.Logger.Info("model server status", "state", st.State, "provider", st.Provider, "url", st.URL, "detail", st.Detail)
	}
	if w.opts.Broadcast != nil {
		w.opts.Broadcast(protocol.Encode(st.Event()))
	}
}

// Run probes until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	var last time.Time // start of the last probe
	timer := time.NewTimer(w.delay())
	defer timer.Stop()
	for {
		asked := false
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
			asked = true
			if gap := w.opts.Schedule.MinGap - time.Since(last); gap > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(gap):
				}
			}
		case <-timer.C:
		}
		// Nobody to tell: the next client's own model list is the next look.
		if asked || w.opts.Clients == nil || w.opts.Clients() > 0 {
			last = time.Now()
			w.probe(ctx)
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(w.delay())
	}
}

func (w *Watcher) delay() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tr.Delay()
}

// probe asks the server for its models, the cheapest request every server
// kind answers.
func (w *Watcher) probe(ctx context.Context) {
	p, _ := w.opts.Source.Provider()
	pctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	o := Observation{Started: time.Now(), Provider: p.Name(), URL: p.BaseURL()}
	o.Models, o.Err = p.Models(pctx)
	if o.Err != nil && ctx.Err() == nil && pctx.Err() != nil {
		// Our own deadline, not a caller going away: the server is there
		// in name only.
		o.Err = &llm.Error{Code: llm.CodeUnreachable, Err: pctx.Err(), Message: fmt.Sprintf(
			"The model server at %s did not answer within %s. Is it running, and is the address right?", p.BaseURL(), w.opts.Timeout)}
	}
	w.Observe(o)
}

// Source wraps src so the watcher learns from Hearth's own requests.
func (w *Watcher) Source(src llm.Source) llm.Source { return watched{src: src, w: w} }

type watched struct {
	src llm.Source
	w   *Watcher
}

func (s watched) Provider() (llm.Provider, string) {
	p, model := s.src.Provider()
	return provider{Provider: p, w: s.w}, model
}

type provider struct {
	llm.Provider
	w *Watcher
}

// Models is an observation like a probe.
func (p provider) Models(ctx context.Context) ([]llm.Model, error) {
	o := Observation{Started: time.Now(), Provider: p.Name(), URL: p.BaseURL()}
	o.Models, o.Err = p.Provider.Models(ctx)
	p.w.Observe(o)
	return o.Models, o.Err
}

// Stream looks again when a reply fails (the server may have gone) or
// succeeds while the server was thought down (it is back). A reply's own
// error is no observation: a missing model or a refused request says
// nothing about the server as a whole.
func (p provider) Stream(ctx context.Context, req llm.Request, emit func(llm.Event) error) error {
	err := p.Provider.Stream(ctx, req, emit)
	switch {
	case err != nil && llm.CodeOf(err) != "" && llm.CodeOf(err) != llm.CodeCancelled:
		p.w.Kick()
	case err == nil:
		p.w.mu.Lock()
		failing := p.w.tr.Failing()
		p.w.mu.Unlock()
		if failing {
			p.w.Kick()
		}
	}
	return err
}
