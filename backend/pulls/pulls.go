// Package pulls downloads models through the model server (Ollama's
// /api/pull) while every client watches: one download per model name at a
// time, its progress broadcast to every connection (pull_progress, at most a
// few times a second), its end too (pull_done), and any client may cancel it.
//
// The server computes the download speed (bytes_per_sec), so every window
// and the CLI show the same figure; time left is (total − completed) ÷ speed,
// which each client works out for itself.
package pulls

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/hearth-app/hearth/backend/ids"
	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
)

// Options configures a Service.
type Options struct {
	Providers llm.Source
	// Broadcast sends a frame to every connection.
	Broadcast func(frame []byte)
	Logger    *slog.Logger
	// Every is the least time between two progress broadcasts of one pull;
	// a change of status is always sent. Zero means DefaultEvery.
	Every time.Duration
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// DefaultEvery keeps a fast download from flooding every connection: Ollama
// reports progress many times a second.
const DefaultEvery = 250 * time.Millisecond

// Service runs the downloads.
type Service struct {
	opts   Options
	log    *slog.Logger
	ctx    context.Context // ended by Close: every pull stops
	stop   context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	byName map[string]*pull
	byID   map[string]*pull
	seq    int // orders List
	closed bool
}

type pull struct {
	seq    int
	cancel context.CancelFunc
	done   chan struct{} // closed once end is set

	// Guarded by Service.mu.
	st        protocol.Pull
	cancelled bool
	end       protocol.Event

	// Owned by the pull's goroutine.
	sent     time.Time // last broadcast
	sampleAt time.Time // last speed sample
	sampleB  int64
	speed    float64
}

// New makes the service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Broadcast == nil {
		opts.Broadcast = func([]byte) {}
	}
	if opts.Every <= 0 {
		opts.Every = DefaultEvery
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Service{opts: opts, log: opts.Logger, ctx: ctx, stop: stop,
		byName: map[string]*pull{}, byID: map[string]*pull{}}
}

// Start begins downloading name, or, when name is already downloading,
// joins that download. It returns the download as it stands; its progress
// and end go to every connection.
func (s *Service) Start(name string) (protocol.Pull, error) {
	prov, _ := s.opts.Providers.Provider()
	puller, ok := prov.(llm.Puller)
	if !ok {
		return protocol.Pull{}, protocol.Refuse(protocol.ReasonNotSupported,
			"Downloading models works with the Ollama provider; this Hearth talks to %s through the OpenAI-compatible API. "+
				"Choose Ollama as the provider in Settings (or run `ollama pull %s` on the server).", prov.BaseURL(), name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return protocol.Pull{}, protocol.Refuse(protocol.ReasonShuttingDown, "Hearth is shutting down")
	}
	if p := s.byName[name]; p != nil {
		return p.st, nil
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.seq++
	p := &pull{seq: s.seq, cancel: cancel, done: make(chan struct{}),
		st: protocol.Pull{PullID: ids.New("p"), Name: name, Status: "starting"}}
	s.byName[name], s.byID[p.st.PullID] = p, p
	s.wg.Add(1)
	go s.run(ctx, puller, p)
	return p.st, nil
}

func (s *Service) run(ctx context.Context, puller llm.Puller, p *pull) {
	defer s.wg.Done()
	defer p.cancel()
	s.opts.Broadcast(protocol.Encode(protocol.PullProgress("", p.st)))
	start := s.opts.Now()
	p.sampleAt, p.sent = start, start
	err := puller.Pull(ctx, p.st.Name, func(pr llm.PullProgress) { s.progress(p, pr) })

	s.mu.Lock()
	status, errText := protocol.PullDone, ""
	switch {
	case err == nil:
		p.st.Status = "success"
	case p.cancelled || errors.Is(ctx.Err(), context.Canceled):
		status = protocol.PullCancelled
	default:
		status = protocol.PullError
		var le *llm.Error
		if errors.As(err, &le) {
			errText = le.Message
		} else {
			errText = err.Error()
		}
	}
	p.st.BytesPerSec = 0
	p.end = protocol.PullDoneEvent("", p.st, status, errText)
	delete(s.byName, p.st.Name)
	delete(s.byID, p.st.PullID)
	s.mu.Unlock()
	close(p.done)
	s.log.Info("model download ended", "model", p.st.Name, "status", status, "err", errText, "after", s.opts.Now().Sub(start).Round(time.Millisecond))
	s.opts.Broadcast(protocol.Encode(p.end))
}

// progress records a step and broadcasts it when the status changed or
// enough time has passed since the last broadcast.
func (s *Service) progress(p *pull, pr llm.PullProgress) {
	now := s.opts.Now()
	s.mu.Lock()
	changed := pr.Status != p.st.Status
	p.st.Status, p.st.Completed, p.st.Total = pr.Status, pr.Completed, pr.Total
	if dt := now.Sub(p.sampleAt); dt >= s.opts.Every {
		// A moving average over samples at least Every apart: steady
		// enough to read, quick to follow a change of pace.
		inst := float64(pr.Completed-p.sampleB) / dt.Seconds()
		if inst < 0 {
			inst = 0
		}
		if p.speed == 0 {
			p.speed = inst
		} else {
			p.speed = 0.3*inst + 0.7*p.speed
		}
		p.sampleAt, p.sampleB = now, pr.Completed
		p.st.BytesPerSec = int64(p.speed)
	}
	send := changed || now.Sub(p.sent) >= s.opts.Every
	st := p.st
	s.mu.Unlock()
	if send {
		p.sent = now
		s.opts.Broadcast(protocol.Encode(protocol.PullProgress("", st)))
	}
}

// Cancel stops the download named by id (or, without one, by model name)
// and returns its pull_done once it has ended — the model server's request
// aborted by then.
func (s *Service) Cancel(ctx context.Context, id, name string) (protocol.Event, error) {
	s.mu.Lock()
	p := s.byID[id]
	if id == "" {
		p = s.byName[name]
	}
	if p != nil {
		p.cancelled = true
	}
	s.mu.Unlock()
	if p == nil {
		what := id
		if what == "" {
			what = name
		}
		return protocol.Event{}, protocol.Refuse(protocol.ReasonNotFound, "No download of %s is running.", what)
	}
	p.cancel()
	select {
	case <-p.done:
	case <-ctx.Done():
		return protocol.Event{}, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return p.end, nil
}

// List returns the downloads running now, oldest first.
func (s *Service) List() []protocol.Pull {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := make([]*pull, 0, len(s.byID))
	for _, p := range s.byID {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *pull) int { return a.seq - b.seq })
	out := make([]protocol.Pull, len(ps))
	for i, p := range ps {
		out[i] = p.st
	}
	return out
}

// Close cancels every download and waits for them to end.
func (s *Service) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.stop()
	s.wg.Wait()
}
