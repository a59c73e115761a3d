// Package assembly builds Hearth's backend from its parts: the store, media
// files, the turn engine, the chat service, dispatch, the server and its
// listeners. The desktop window and `hearth serve` run the same Backend.
package assembly

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
	"time"

	"github.com/hearth-app/hearth/backend/chats"
	"github.com/hearth-app/hearth/backend/client"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/dispatch"
	"github.com/hearth-app/hearth/backend/ingest"
	"github.com/hearth-app/hearth/backend/instance"
	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/server"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/turns"
)

// ErrAlreadyRunning means another live Hearth holds the data directory or the
// socket.
var ErrAlreadyRunning = errors.New("Hearth is already running")

// Options are what a shell adds to the configuration: the build's version,
// and what the desktop shell adds to a plain server.
type Options struct {
	// Version is the build's version, sent to clients in the ready event and
	// /api/status.
	Version string
	// OnFocus is called when a second launch asks this instance to come forward.
	OnFocus func()
	// ExtraOrigins are further Origins allowed to use the API.
	ExtraOrigins []string
	// QueueBytes bounds each connection's unsent frames; 0 means the default.
	QueueBytes int
}

// Backend is a running store + engine + server.
type Backend struct {
	URL, WS, Socket, Token string

	cfg      config.Config
	log      *slog.Logger
	lock     *instance.Lock
	store    *store.Store
	engine   *turns.Engine
	server   *server.Server
	endpoint string
}

// MediaGrace is how long an upload no message uses is kept: the composer
// uploads a picture when it is attached, and the message may be sent much
// later (or Hearth restarted in between).
const MediaGrace = 24 * time.Hour

// Start opens the store, recovers interrupted turns, listens on the unix
// socket and loopback TCP, and writes endpoint.json. ui is the built web UI
// rooted at its index.html (nil or empty serves a how-to-build page).
func Start(ctx context.Context, cfg config.Config, ui fs.FS, log *slog.Logger, opts Options) (_ *Backend, err error) {
	b := &Backend{cfg: cfg, log: log, Socket: cfg.Socket}
	defer func() {
		if err != nil {
			b.close(context.Background())
		}
	}()
	if b.lock, err = instance.Acquire(cfg.DataDir); err != nil {
		if errors.Is(err, instance.ErrLocked) {
			return nil, fmt.Errorf("%w: %w", ErrAlreadyRunning, err)
		}
		return nil, err
	}
	if b.store, err = store.Open(ctx, cfg.DBPath(), store.Options{Logger: log}); err != nil {
		return nil, err
	}
	files, err := media.NewFiles(cfg.MediaDir())
	if err != nil {
		return nil, err
	}
	secret, err := mediaSecret(ctx, b.store)
	if err != nil {
		return nil, err
	}
	providers, err := newProviderSet(cfg, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	b.Token = cfg.Token
	if b.Token == "" {
		b.Token = server.NewToken()
	}
	limits := media.Limits(cfg.Media)
	// Uploads cut off by a crash leave temp files; an hour old is surely dead.
	if n, err := files.RemoveStaleTemps(time.Now().Add(-time.Hour)); err == nil && n > 0 {
		log.Info("removed unfinished uploads", "count", n)
	}
	// Nothing listens yet, so no upload can race the sweep; a failed sweep
	// only leaves files for the next start.
	if err := sweepMedia(ctx, b.store, files, time.Now().Add(-MediaGrace), log); err != nil {
		log.Warn("could not remove unused media", "err", err)
	}

	var srv *server.Server
	broadcast := func(frame []byte) { srv.Broadcast(frame) }
	mediaURL := func(id string) string { return srv.MediaURL(id) }
	in := &ingest.Ingester{Store: b.store, Files: files, Limits: limits}
	b.engine = turns.New(turns.Options{
		Store: b.store, Files: files, Ingest: in, Providers: providers, Logger: log,
		MaxAnswerBytes: int(cfg.MaxAnswerBytes), MaxReasoningBytes: int(cfg.MaxReasoningBytes), ImageTurns: cfg.ImageTurns,
		Broadcast: broadcast, MediaURL: mediaURL,
	})
	cs := chats.New(chats.Options{
		Store: b.store, Files: files, Ingest: in, Turns: b.engine, Providers: providers,
		Broadcast: broadcast, MediaURL: mediaURL, Logger: log,
	})
	srv = server.New(server.Options{
		Dispatch: dispatch.New(dispatch.Deps{Turns: b.engine, Chats: cs, Settings: providers, Logger: log}),
		Turns:    b.engine, Chats: cs, Ingest: in, Store: b.store, Files: files,
		Token: b.Token, MediaSecret: secret, UI: ui, ReadLimit: cfg.WSReadLimit, QueueBytes: opts.QueueBytes,
		AllowRemote: cfg.AllowRemote, ExtraOrigins: opts.ExtraOrigins, Version: opts.Version,
		OnFocus: opts.OnFocus, Logger: log,
	})
	b.server = srv
	if err := b.engine.Recover(ctx); err != nil {
		return nil, err
	}
	if err := srv.ListenUnix(cfg.Socket); err != nil {
		if errors.Is(err, server.ErrSocketInUse) {
			return nil, fmt.Errorf("%w: %w", ErrAlreadyRunning, err)
		}
		return nil, err
	}
	if w := server.SocketDirWarning(cfg.Socket); w != "" {
		log.Warn(w)
	}
	if cfg.Listen != config.ListenOff {
		addr, err := srv.ListenTCP(cfg.Listen)
		if err != nil {
			return nil, err
		}
		host, port, _ := net.SplitHostPort(addr.String())
		if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() {
			log.Warn("listening on a non-loopback address: anyone who can reach it and has the token can use your chats", "addr", addr.String())
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			host = "127.0.0.1"
		}
		hp := net.JoinHostPort(host, port)
		b.URL = "http://" + hp + "/"
		b.WS = "ws://" + hp + "/ws"
	}
	b.endpoint = cfg.EndpointFile()
	if err := instance.WriteEndpoint(b.endpoint, instance.Endpoint{Socket: cfg.Socket, URL: b.URL, WS: b.WS, Token: b.Token, PID: os.Getpid()}); err != nil {
		return nil, err
	}
	log.Info("hearth listening", "socket", cfg.Socket, "url", b.URL, "data", cfg.DataDir, "provider", cfg.Provider, "provider_url", config.RedactURL(cfg.ProviderURL))
	if cfg.APIKeyNote != "" {
		log.Warn(cfg.APIKeyNote)
	}
	return b, nil
}

// UIURL is the browser URL with the token in the fragment, which the page takes
// and strips from the address bar.
func (b *Backend) UIURL() string {
	if b.URL == "" {
		return ""
	}
	return b.URL + "#token=" + b.Token
}

// Clients is the number of WebSocket connections that are not closing (see
// server.Server.Clients).
func (b *Backend) Clients() int {
	return b.server.Clients()
}

// Shutdown ends running turns (recorded as interrupted), closes every
// connection and the store, and removes the socket and endpoint file.
func (b *Backend) Shutdown(ctx context.Context) error {
	return b.close(ctx)
}

func (b *Backend) close(ctx context.Context) error {
	var errs []error
	if b.engine != nil {
		errs = append(errs, b.engine.Shutdown(ctx))
	}
	if b.server != nil {
		errs = append(errs, b.server.Shutdown(ctx))
	}
	if b.store != nil {
		errs = append(errs, b.store.Close())
	}
	if b.endpoint != "" {
		errs = append(errs, instance.RemoveEndpoint(b.endpoint))
	}
	if b.lock != nil {
		errs = append(errs, b.lock.Release())
	}
	b.engine, b.server, b.store, b.endpoint, b.lock = nil, nil, nil, "", nil
	return errors.Join(errs...)
}

// sweepMedia removes uploads no message uses that are older than cutoff, and
// files no media row points at (a crash between deleting a chat's rows and
// its files, or an upload whose row was never written).
func sweepMedia(ctx context.Context, st *store.Store, files *media.Files, cutoff time.Time, log *slog.Logger) error {
	freed, err := st.SweepMedia(ctx, cutoff)
	if err != nil {
		return err
	}
	removed := 0
	for _, m := range freed {
		if ok, err := files.Remove(m.ID, m.StoredAt); err != nil {
			return err
		} else if ok {
			removed++
		}
	}
	ids, err := st.MediaIDs(ctx)
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(ids))
	for _, id := range ids {
		known[id] = true
	}
	orphans, err := files.RemoveOrphans(func(id string) bool { return known[id] }, cutoff)
	if err != nil {
		return err
	}
	if removed+orphans > 0 {
		log.Info("removed media no message uses", "unsent_uploads", removed, "orphan_files", orphans)
	}
	return nil
}

// mediaSecret is kept in the store so media URLs stay valid across restarts.
func mediaSecret(ctx context.Context, st *store.Store) ([]byte, error) {
	v, ok, err := st.GetSetting(ctx, "media_secret")
	if err != nil {
		return nil, err
	}
	if ok {
		if b, err := hex.DecodeString(v); err == nil && len(b) >= 16 {
			return b, nil
		}
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	if err := st.SetSetting(ctx, "media_secret", hex.EncodeToString(b)); err != nil {
		return nil, err
	}
	return b, nil
}

// AskToFocus asks the instance on cfg's socket to show its window.
func AskToFocus(ctx context.Context, cfg config.Config) error {
	sock := client.FindSocket(cfg.Socket, cfg.EndpointFile())
	hc := client.UnixHTTP(sock)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://hearth/api/focus", nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("ask the running Hearth at %s to show itself: %w", sock, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("the running Hearth at %s has no window (it is `hearth serve`)", sock)
	}
	return nil
}
