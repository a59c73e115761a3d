// Package server is Hearth's I/O shell: the unix-socket and loopback-TCP
// listeners, authentication, the WebSocket connections (whose decisions come from
// the pure protocol router), the HTTP API for media, and the embedded UI.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/hearth-app/hearth/backend/chats"
	"github.com/hearth-app/hearth/backend/dispatch"
	"github.com/hearth-app/hearth/backend/ingest"
	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/turns"
)

// Options configures a Server.
type Options struct {
	// Dispatch runs every WebSocket command; Turns is asked which chats a
	// connection follows and lets a closed connection go.
	Dispatch *dispatch.Dispatcher
	Turns    *turns.Engine
	// Chats exports and imports over HTTP; Ingest takes uploads.
	Chats  *chats.Service
	Ingest *ingest.Ingester
	Store  *store.Store
	// Files serves attachments; nil when media is disabled.
	Files *media.Files
	// Token guards every TCP request but the static UI.
	Token string
	// MediaSecret signs media URLs so <img> tags can load them without the token.
	MediaSecret []byte
	UI          fs.FS
	ReadLimit   int64
	// QueueBytes bounds each connection's unsent frames (default 16 MiB).
	QueueBytes int
	PingEvery  time.Duration
	// WriteTimeout ends a write a peer does not take at all (default 30 s).
	WriteTimeout time.Duration
	AllowRemote  bool
	ExtraOrigins []string
	Version      string
	// OnFocus is called when a second launch asks this instance to show itself.
	OnFocus func()
	Logger  *slog.Logger
}

// Server serves both listeners.
type Server struct {
	opts   Options
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	conns   map[*conn]struct{}
	closing bool
	https   []*http.Server
	socket  string
	// socketFile is the socket as created, so Shutdown removes only that
	// file and never whatever replaced it at the path.
	socketFile os.FileInfo
	// wg counts the listeners' serve loops; handlers counts WebSocket
	// handlers and the goroutines they start, which use the engine and the
	// store: Shutdown waits for them before the store may close.
	wg       sync.WaitGroup
	handlers sync.WaitGroup
}

// New makes a server; call ListenUnix / ListenTCP, then Shutdown at the end.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ReadLimit <= 0 {
		opts.ReadLimit = 36 << 20
	}
	if opts.PingEvery <= 0 {
		opts.PingEvery = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{opts: opts, log: opts.Logger, ctx: ctx, cancel: cancel, conns: map[*conn]struct{}{}}
}

// Broadcast sends a frame to every connection.
func (s *Server) Broadcast(frame []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Send(frame)
	}
}

// Clients is the number of WebSocket connections that are not closing: a
// dropped client may keep its socket until it takes its close frame.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		select {
		case <-c.closed:
		default:
			n++
		}
	}
	return n
}

// enter counts a handler in, unless the server is shutting down.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.handlers.Add(1)
	return true
}

// goAsync runs fn on its own goroutine, counted so Shutdown waits for it.
func (s *Server) goAsync(fn func()) {
	if !s.enter() {
		return
	}
	go func() {
		defer s.handlers.Done()
		fn()
	}()
}

// addConn registers a connection; one that arrives while the server is
// shutting down is told so at once.
func (s *Server) addConn(c *conn) {
	s.mu.Lock()
	s.conns[c] = struct{}{}
	if s.closing {
		c.close(websocket.StatusGoingAway, "server shutting down", true)
	}
	s.mu.Unlock()
}

func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// ListenUnix serves local clients on a unix socket (see unix.go for the rules).
func (s *Server) ListenUnix(path string) error {
	l, err := listenUnix(path)
	if err != nil {
		return err
	}
	s.socket = path
	if fi, err := os.Lstat(path); err == nil {
		s.socketFile = fi
	}
	s.serve(&peerListener{Listener: l, log: s.log}, s.unixHandler(), true)
	return nil
}

// ListenTCP serves the web view and browsers on addr; it returns the address
// actually bound (the port is random by default).
func (s *Server) ListenTCP(addr string) (net.Addr, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.serve(l, s.tcpHandler(), false)
	return l.Addr(), nil
}

func (s *Server) serve(l net.Listener, h http.Handler, unix bool) {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	if unix {
		hs.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, unixKey{}, true)
		}
	}
	s.mu.Lock()
	s.https = append(s.https, hs)
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("listener stopped", "addr", l.Addr().String(), "err", err)
		}
	}()
}

// Shutdown stops accepting, delivers what every connection has queued (the
// turn_end of an interrupted turn among it) followed by a close frame, waits
// for the handlers, and removes the socket. Connections that have not taken
// their frames when ctx ends are cut.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	hss := s.https
	s.mu.Unlock()
	var errs []error
	for _, hs := range hss {
		if err := hs.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	s.mu.Lock()
	s.closing = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.close(websocket.StatusGoingAway, "server shutting down", true)
	}
	done := make(chan struct{})
	go func() { s.handlers.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("waiting for connections to take their last frames: %w", ctx.Err()))
		s.cancel()
		s.mu.Lock()
		for c := range s.conns {
			c.abort()
		}
		s.mu.Unlock()
		<-done
	}
	s.cancel()
	s.wg.Wait()
	if s.socket != "" {
		if err := s.removeSocket(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeSocket removes the socket file this server created, if it is still
// the one at the path.
func (s *Server) removeSocket() error {
	fi, err := os.Lstat(s.socket)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove socket %s: %w", s.socket, err)
	}
	if s.socketFile == nil || !os.SameFile(fi, s.socketFile) {
		s.log.Warn("the socket path holds another file now; leaving it", "path", s.socket)
		return nil
	}
	if err := os.Remove(s.socket); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove socket %s: %w", s.socket, err)
	}
	return nil
}

// NewToken makes a per-instance token.
func NewToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
