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
	"strconv"
	"strings"
	"time"

	"github.com/hearth-app/hearth/backend/agentproc"
	"github.com/hearth-app/hearth/backend/chats"
	"github.com/hearth-app/hearth/backend/client"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/dispatch"
	"github.com/hearth-app/hearth/backend/health"
	"github.com/hearth-app/hearth/backend/ingest"
	"github.com/hearth-app/hearth/backend/instance"
	"github.com/hearth-app/hearth/backend/mcp"
	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/nanobot"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/pulls"
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
	// MovedFrom is the URL of the last run when its port was taken, so this
	// run listens elsewhere; empty when it kept its address.
	MovedFrom string

	cfg      config.Config
	log      *slog.Logger
	lock     *instance.Lock
	store    *store.Store
	temp     *store.Store // temporary chats, in memory
	engine   *turns.Engine
	server   *server.Server
	endpoint string
	pulls    *pulls.Service
	// stopHealth ends the model server watcher; healthDone closes when it has.
	stopHealth context.CancelFunc
	healthDone chan struct{}
	// mcp runs the MCP servers of cfg.MCPConfig; mcpBroadcast tells every
	// connection when their statuses change (see mcpAnnouncer).
	mcp          *mcp.Manager
	mcpBroadcast *mcpAnnouncer
	// nanobots are the bridges to nanobot gateways ([[agents]] nanobot_url).
	nanobots []*nanobot.Bridge
	// agents runs the [[agents]] of config.toml that have a command.
	agents *agentproc.Runner
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
	// Temporary chats: the same store, in memory only.
	if b.temp, err = store.OpenMemory(ctx, store.Options{Logger: log}); err != nil {
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
	if b.Token, err = accessToken(cfg, log); err != nil {
		return nil, err
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
	// The watcher sees every request to the model server through watched,
	// so a failed reply or a client's model list updates everyone's status.
	// watched hides a provider's optional interfaces (llm.Puller): whoever
	// asserts one takes the plain providers.
	watch := health.New(health.Options{Source: providers, Broadcast: broadcast, Clients: func() int { return srv.Clients() }, Logger: log})
	watched := watch.Source(providers)
	providers.saved = watch.Kick
	b.mcpBroadcast = newMCPAnnouncer(broadcast)
	b.mcp = mcp.NewManager(mcp.ManagerOptions{ConfigPath: cfg.MCPConfig, ConfigExplicit: cfg.MCPConfigNamed(),
		LogDir: cfg.MCPLogDir(), Logger: log.With("component", "mcp"), OnChange: b.mcpBroadcast.changed})
	b.engine = turns.New(turns.Options{
		Store: b.store, Temp: b.temp, Files: files, Ingest: in, Providers: watched, Logger: log,
		MaxAnswerBytes: int(cfg.MaxAnswerBytes), MaxReasoningBytes: int(cfg.MaxReasoningBytes), ImageTurns: cfg.ImageTurns,
		Titles:        turns.TitleOptions{Enabled: cfg.AutoTitles},
		DocumentChars: cfg.DocumentChars, Broadcast: broadcast, MediaURL: mediaURL,
		Params: protocol.Params(cfg.Params),
		Tools:  toolbox{b.mcp}, ToolSteps: cfg.ToolSteps, ToolResultChars: cfg.ToolResultChars, ApprovalTimeout: cfg.ApprovalTimeout,
		// Agents fetch attachments over TCP, so their URLs are absolute (b.URL
		// is known once the server listens, before any turn runs).
		AgentMediaURL: func(id string) string { return strings.TrimSuffix(b.URL, "/") + srv.MediaURL(id) },
	})
	knowAgents(b.engine, cfg.Agents)
	cs := chats.New(chats.Options{
		Store: b.store, Temp: b.temp, Files: files, Ingest: in, Turns: b.engine, Providers: watched,
		Broadcast: broadcast, MediaURL: mediaURL, Logger: log, ToolsOff: cfg.ToolsOff,
	})
	// The unwrapped set: a download is not a request whose failure says
	// anything about the server's health, and the puller is the provider.
	b.pulls = pulls.New(pulls.Options{Providers: providers, Broadcast: broadcast, Logger: log})
	srv = server.New(server.Options{
		Dispatch: dispatch.New(dispatch.Deps{Turns: b.engine, Chats: cs, Settings: providers, Pulls: b.pulls, MCP: b.mcp, Logger: log}),
		Turns:    b.engine, Chats: cs, Ingest: in, Store: b.store, Files: files,
		Token: b.Token, MediaSecret: secret, UI: ui, ReadLimit: cfg.WSReadLimit, QueueBytes: opts.QueueBytes,
		AllowRemote: cfg.AllowRemote, ExtraOrigins: opts.ExtraOrigins, Version: opts.Version,
		OnFocus: opts.OnFocus, Logger: log,
	})
	b.server = srv
	hctx, stopHealth := context.WithCancel(context.Background())
	b.stopHealth, b.healthDone = stopHealth, make(chan struct{})
	go func() {
		defer close(b.healthDone)
		watch.Run(hctx)
	}()
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
	var movedFrom string
	if cfg.Listen != config.ListenOff {
		addr, moved, err := listenTCP(srv, cfg, log)
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
		if moved != 0 {
			movedFrom = "http://" + net.JoinHostPort(host, strconv.Itoa(moved)) + "/"
			b.MovedFrom = movedFrom
			log.Warn("the port of the last run is taken, so Hearth listens on another one: pages open on the old address must be reopened with the new link",
				"old", movedFrom, "new", b.URL)
		}
	}
	b.endpoint = cfg.EndpointFile()
	if err := instance.WriteEndpoint(b.endpoint, instance.Endpoint{Socket: cfg.Socket, URL: b.URL, WS: b.WS, Token: b.Token, PID: os.Getpid(), MovedFrom: movedFrom}); err != nil {
		return nil, err
	}
	// Only now, so that no server delays start-up: they start in the
	// background, and clients learn their states from mcp_servers.
	b.mcpBroadcast.start(b.mcp)
	b.mcp.Watch(0)
	// Once the URL is known: the bridges fetch attachments from it.
	if err := b.startNanobots(); err != nil {
		return nil, err
	}
	// After listening, so each agent finds the socket at its first try.
	b.agents = startAgents(cfg, log)
	log.Info("hearth listening", "socket", cfg.Socket, "url", b.URL, "data", cfg.DataDir, "provider", cfg.Provider, "provider_url", config.RedactURL(cfg.ProviderURL))
	if cfg.APIKeyNote != "" {
		log.Warn(cfg.APIKeyNote)
	}
	return b, nil
}

// accessToken is the token TCP clients must present: the fixed one when
// configured, else the one stored in the state dir, so that open pages and
// clients keep working across restarts. A missing or unusable stored token,
// or --new-token, makes a new one.
func accessToken(cfg config.Config, log *slog.Logger) (string, error) {
	if cfg.Token != "" {
		if cfg.NewToken {
			return "", fmt.Errorf("--new-token replaces the stored token, but a fixed token is set (%s): change it there instead", cfg.Source("token"))
		}
		return cfg.Token, nil
	}
	path := cfg.TokenFile()
	if path == "" {
		return server.NewToken(), nil
	}
	if !cfg.NewToken {
		tok, err := instance.ReadToken(path)
		if err == nil {
			return tok, nil
		}
		if !errors.Is(err, instance.ErrNoState) {
			log.Warn("the stored access token is unusable; making a new one (open pages need the new link)", "err", err)
		}
	}
	tok := server.NewToken()
	if err := instance.WriteToken(path, tok); err != nil {
		return "", fmt.Errorf("store the access token: %w", err)
	}
	if cfg.NewToken {
		log.Info("made a new access token: pages and clients holding the old one are refused until they open the new link", "file", path)
	}
	return tok, nil
}

// listenTCP listens on cfg.Listen. When it asks for any port (port 0), the
// port of the last run comes first, so an open page finds Hearth where it
// was; if another program took that port, any free port will do and moved
// names the old one. A fixed port is used as given.
func listenTCP(srv *server.Server, cfg config.Config, log *slog.Logger) (addr net.Addr, moved int, err error) {
	host, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, 0, fmt.Errorf("listen address %q: %w", cfg.Listen, err)
	}
	path := cfg.PortFile()
	if port != "0" || path == "" {
		addr, err := srv.ListenTCP(cfg.Listen)
		return addr, 0, err
	}
	last, err := instance.ReadPort(path)
	if err != nil && !errors.Is(err, instance.ErrNoState) {
		log.Warn("ignoring the remembered port", "err", err)
	}
	if last != 0 {
		addr, err = srv.ListenTCP(net.JoinHostPort(host, strconv.Itoa(last)))
		if err != nil {
			log.Debug("the port of the last run is not free", "port", last, "err", err)
			moved = last
		}
	}
	if addr == nil {
		if addr, err = srv.ListenTCP(cfg.Listen); err != nil {
			return nil, 0, err
		}
	}
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.Port != last {
		if err := instance.WritePort(path, tcp.Port); err != nil {
			log.Warn("could not remember the port for the next start", "err", err)
		}
	}
	return addr, moved, nil
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
	if b.stopHealth != nil {
		b.stopHealth()
		<-b.healthDone
		b.stopHealth = nil
	}
	if b.pulls != nil {
		b.pulls.Close()
		b.pulls = nil
	}
	if b.engine != nil {
		errs = append(errs, b.engine.Shutdown(ctx))
	}
	b.closeNanobots()
	if b.agents != nil {
		errs = append(errs, b.agents.Close(ctx))
		b.agents = nil
	}
	// After the turns (none calls a tool any more), before the stores.
	if b.mcp != nil {
		errs = append(errs, b.mcp.Close(ctx))
		b.mcpBroadcast.stop()
		b.mcp = nil
	}
	if b.server != nil {
		errs = append(errs, b.server.Shutdown(ctx))
	}
	if b.store != nil {
		errs = append(errs, b.store.Close())
	}
	if b.temp != nil {
		errs = append(errs, b.temp.Close())
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
