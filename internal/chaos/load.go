package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// The load run: many connections over many chats, one client per chat that
// stops reading, a long turn in every chat, then every client reconnecting at
// once with since. Readers must end up with exactly what the model said (no
// delta lost or doubled), stalled clients must be dropped, and the server's
// memory must stay bounded.
//
// How a dropped client's connection ends follows docs/protocol.md: a reader
// that pauses while more than the send bound (16 MiB) is held for it is
// dropped with 1013, which it reads when it reads again (checked first, with
// one paused client and one big answer); a peer that takes nothing at all
// (its socket buffer full) is cut after the write timeout, and no close
// frame can reach it (the stalled clients of the main part).

type loadClient struct {
	chat    int
	chatID  string
	stalled bool

	// For pacing the model: the current connection, whether it reads (and so
	// counts), and how many bytes of answer it has applied.
	cur     atomic.Pointer[wsConn]
	reading atomic.Bool
	recv    atomic.Int64

	mu        sync.Mutex
	since     int64 // of the current connection: events at or below it are doubles
	text      strings.Builder
	lastDelta int64
	deltas    int
	doubled   []string
	endText   *string
	endStatus string
	turnEnd   chan struct{}
	c         *wsConn
}

func (cl *loadClient) handle(f frame) {
	if f.ChatID != cl.chatID || f.Seq <= 0 {
		return
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if f.Seq <= cl.since {
		cl.doubled = append(cl.doubled, fmt.Sprintf("%s seq %d after attach since %d", f.Event, f.Seq, cl.since))
	}
	switch f.Event {
	case "delta":
		if f.Seq > cl.lastDelta && f.Text != nil {
			cl.recv.Add(int64(len(*f.Text)))
			cl.text.WriteString(*f.Text)
			cl.lastDelta = f.Seq
			cl.deltas++
		}
	case "stream_end":
		if f.Text != nil {
			t := *f.Text
			cl.endText = &t
		}
	case "turn_end":
		if cl.endStatus == "" {
			cl.endStatus = f.Status
			close(cl.turnEnd)
		}
	}
}

type loadStats struct {
	pausedCode                   string
	pausedAfter                  time.Duration
	conns, chats, stalled        int
	connect                      time.Duration
	dropped                      int
	dropAfter                    time.Duration
	closeCodes                   map[string]int
	reconnect                    time.Duration
	finish                       time.Duration
	deltasRead                   int64
	bytesPerChat                 int
	rssStart, rssConnected       int64
	rssPeak, rssEnd              int64
	readersOK, readersWithErrors int
}

// paceWindow is how far the model may run ahead of the slowest reading client
// of its chat.
const paceWindow = 256 << 10

type loadRun struct {
	mu    sync.Mutex
	paced map[string][]*loadClient // prompt → the clients of its chat

	o     options
	fails *failures
	logf  func(string, ...any)
	env   *env
	fake  *gatedFake
	srv   *server
	st    loadStats

	peak atomic.Int64
}

func (l *loadRun) fail(format string, a ...any) { l.fails.add("load: "+format, a...) }

func (l *loadRun) setPaced(prompt string, cls []*loadClient) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.paced == nil {
		l.paced = map[string][]*loadClient{}
	}
	l.paced[prompt] = cls
}

// pace holds the model's stream for prompt until every reading client of its
// chat has applied all but paceWindow of the sent bytes. Clients that do not
// read (stalled, paused, between connections, or gone) do not count.
func (l *loadRun) pace(ctx context.Context, prompt string, sent int) {
	l.mu.Lock()
	cls := l.paced[prompt]
	l.mu.Unlock()
	for ctx.Err() == nil {
		behind := false
		for _, cl := range cls {
			c := cl.cur.Load()
			if c == nil || !cl.reading.Load() {
				continue
			}
			select {
			case <-c.done:
				continue
			default:
			}
			if int(cl.recv.Load()) < sent-paceWindow {
				behind = true
				break
			}
		}
		if !behind {
			return
		}
		time.Sleep(2 * time.Millisecond) // a poll of the clients' progress
	}
}

func runLoad(ctx context.Context, o options, fails *failures, logf func(string, ...any)) (loadStats, error) {
	l := &loadRun{o: o, fails: fails, logf: logf}
	l.st.conns, l.st.chats, l.st.closeCodes = o.loadConns, o.loadChats, map[string]int{}
	err := l.run(ctx)
	if l.fake != nil {
		l.fake.close()
	}
	return l.st, err
}

func (l *loadRun) sampleRSS(stop <-chan struct{}) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if kib, err := rssKiB(l.srv.pid); err == nil && kib > l.peak.Load() {
			l.peak.Store(kib)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

func (l *loadRun) rss() int64 {
	kib, _ := rssKiB(l.srv.pid)
	return kib
}

func (l *loadRun) run(ctx context.Context) error {
	o := l.o
	perChat := o.loadConns / o.loadChats
	if perChat < 3 {
		return fmt.Errorf("-load-conns %d over -load-chats %d leaves fewer than 3 clients per chat", o.loadConns, o.loadChats)
	}
	var err error
	if l.env, err = newEnv(filepath.Join(o.work, "load")); err != nil {
		return err
	}
	if l.fake, err = newGatedFake(o.loadChunk, o.loadBurst, o.loadBigMiB<<20, 250*time.Millisecond); err != nil {
		return err
	}
	l.fake.pace = l.pace
	// The big answer of the paused-reader check is over the default answer
	// cap (4 MiB): raise it for this server.
	cfgDir := filepath.Join(l.env.root, "config", "hearth")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte(fmt.Sprintf("max_answer_bytes = %d\n", (o.loadBigMiB+8)<<20)), 0o600); err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, o.startTimeout)
	l.srv, _, err = startServer(sctx, o.hearth, l.env, l.fake.URL+"/v1", filepath.Join(o.work, "load-hearth.log"))
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		if err := l.srv.stop(30 * time.Second); err != nil {
			l.fail("server did not stop cleanly on SIGTERM at the end: %v", err)
		}
	}()
	stopSampling := make(chan struct{})
	defer close(stopSampling)
	go l.sampleRSS(stopSampling)
	l.st.rssStart = l.rss()

	step := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, o.stepTimeout) }
	cctx, cancel := step()
	ctl, err := connect(cctx, l.env.socket, nil)
	cancel()
	if err != nil {
		return err
	}
	defer ctl.closeNow()
	if o.loadBigMiB > 0 {
		if err := l.pausedReader(ctx, ctl); err != nil {
			return err
		}
	}
	chatIDs := make([]string, o.loadChats)
	for i := range chatIDs {
		rctx, cancel := step()
		f, err := newDetachedChat(rctx, ctl, fmt.Sprintf("load %d", i))
		cancel()
		if err != nil {
			return err
		}
		chatIDs[i] = f.ChatID
	}

	// Connect every client and attach it; one per chat will stop reading
	// after its attach.
	clients := make([]*loadClient, 0, perChat*o.loadChats)
	for i := range o.loadChats {
		for j := range perChat {
			clients = append(clients, &loadClient{chat: i, chatID: chatIDs[i], stalled: j == 0, turnEnd: make(chan struct{})})
		}
	}
	l.st.conns = len(clients)
	l.st.stalled = o.loadChats
	for i := range o.loadChats {
		l.setPaced(fmt.Sprintf("load %d", i), clients[i*perChat:(i+1)*perChat])
	}
	start := time.Now()
	if err := l.connectAll(ctx, clients, false); err != nil {
		return err
	}
	l.st.connect = time.Since(start)
	l.st.rssConnected = l.rss()
	l.logf("load: %d clients on %d chats connected and attached in %v; RSS %d MiB", len(clients), o.loadChats, l.st.connect.Round(time.Millisecond), l.st.rssConnected>>10)

	// One turn in every chat, sent by a reading client.
	sent := time.Now()
	for i := range o.loadChats {
		sender := clients[i*perChat+1]
		rctx, cancel := step()
		_, err := sender.c.request(rctx, map[string]any{"type": "message", "chat_id": chatIDs[i], "content": fmt.Sprintf("load %d", i)})
		cancel()
		if err != nil {
			return fmt.Errorf("message to chat %d: %w", i, err)
		}
	}

	// The stalled clients must be dropped while everyone else streams on.
	want := len(clients) - l.st.stalled + 1 // + the control connection
	deadline := time.Now().Add(o.dropTimeout)
	for {
		n, err := apiStatus(ctx, l.env.socket)
		if err != nil {
			return fmt.Errorf("GET /api/status: %w", err)
		}
		if n <= want {
			l.st.dropAfter = time.Since(sent)
			l.st.dropped = len(clients) + 1 - n
			break
		}
		if time.Now().After(deadline) {
			l.fail("%d of %d stalled clients still connected %v after the turns began (safety net)", n-want, l.st.stalled, o.dropTimeout)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, cl := range clients {
		select {
		case <-cl.c.done:
			if !cl.stalled {
				l.fail("a reading client of chat %d was disconnected (it had read a frame %v before): %v", cl.chat, cl.c.idleBeforeEnd().Round(time.Millisecond), cl.c.err)
			}
		default:
		}
	}
	// What was in flight to the stalled clients is theirs to read; then their
	// connection ends: with 1013 if a close frame could reach them, else
	// without one (they took nothing at all for the write timeout).
	for _, cl := range clients {
		if cl.stalled {
			close(cl.c.resume)
		}
	}
	for _, cl := range clients {
		if !cl.stalled {
			continue
		}
		select {
		case <-cl.c.done:
			code := cl.c.closeCode()
			l.st.closeCodes[closeName(code)]++
			if code != websocket.StatusTryAgainLater && code != -1 {
				l.fail("stalled client of chat %d: connection ended with %s, want 1013 (try again later) or, for a peer that took nothing, no close frame: %v", cl.chat, closeName(code), cl.c.err)
			}
		case <-time.After(o.stepTimeout):
			l.fail("stalled client of chat %d: still connected after it read everything it was sent (safety net %v)", cl.chat, o.stepTimeout)
			cl.c.closeNow()
			<-cl.c.done
		}
	}
	l.logf("load: %d stalled clients dropped %v after the turns began (close codes %v); RSS peak so far %d MiB", l.st.dropped, l.st.dropAfter.Round(time.Millisecond), l.st.closeCodes, l.peak.Load()>>10)

	// Everyone reconnects at once, each with since = the highest seq it read.
	for _, cl := range clients {
		cl.reading.Store(false)
		cl.c.closeNow()
		<-cl.c.done
	}
	start = time.Now()
	if err := l.connectAll(ctx, clients, true); err != nil {
		return err
	}
	l.st.reconnect = time.Since(start)
	l.logf("load: %d clients reconnected with since and attached in %v", len(clients), l.st.reconnect.Round(time.Millisecond))

	// Let the turns finish; every reader must end with the whole answer.
	l.fake.open()
	start = time.Now()
	fin := time.After(o.settleTimeout)
	for _, cl := range clients {
		select {
		case <-cl.turnEnd:
		case <-cl.c.done:
			select {
			case <-cl.turnEnd: // it had its turn_end; the connection ending after it is checked below
			default:
				l.fail("client of chat %d (stalled before: %v) disconnected before turn_end after reconnecting (it had read a frame %v before): %v", cl.chat, cl.stalled, cl.c.idleBeforeEnd().Round(time.Millisecond), cl.c.err)
			}
		case <-fin:
			l.fail("turns not finished %v after the gate opened (safety net)", o.settleTimeout)
			return nil
		}
	}
	l.st.finish = time.Since(start)
	for _, cl := range clients {
		select {
		case <-cl.c.done:
			select {
			case <-cl.turnEnd:
				l.fail("a reading client of chat %d (stalled before: %v) was disconnected by the server after its turn_end (it had read a frame %v before): %v", cl.chat, cl.stalled, cl.c.idleBeforeEnd().Round(time.Millisecond), cl.c.err)
			default: // reported above
			}
		default:
		}
	}
	for i := range o.loadChats {
		txt, done := l.fake.text(fmt.Sprintf("load %d", i))
		if !done {
			l.fail("chat %d: the model's stream did not complete", i)
		}
		l.st.bytesPerChat = max(l.st.bytesPerChat, len(txt))
	}
	for _, cl := range clients {
		want, _ := l.fake.text(fmt.Sprintf("load %d", cl.chat))
		cl.mu.Lock()
		got := cl.text.String()
		l.st.deltasRead += int64(cl.deltas)
		ok := true
		if len(cl.doubled) > 0 {
			ok = false
			l.fail("client of chat %d (stalled before: %v) was sent %d events it already had, e.g. %s", cl.chat, cl.stalled, len(cl.doubled), cl.doubled[0])
		}
		if got != want {
			ok = false
			l.fail("client of chat %d (stalled before: %v): deltas lost or doubled: %s", cl.chat, cl.stalled, diffAt(got, want))
		}
		if cl.endText == nil || *cl.endText != want {
			ok = false
			l.fail("client of chat %d: stream_end does not carry the whole answer", cl.chat)
		}
		if cl.endStatus != "done" {
			ok = false
			l.fail("client of chat %d: turn_end %q, want done", cl.chat, cl.endStatus)
		}
		cl.mu.Unlock()
		if ok {
			l.st.readersOK++
		} else {
			l.st.readersWithErrors++
		}
	}
	l.st.rssEnd = l.rss()
	l.st.rssPeak = l.peak.Load()
	if l.st.rssPeak > int64(o.maxRSSMiB)<<10 {
		l.fail("server RSS peaked at %d MiB, over the %d MiB bound", l.st.rssPeak>>10, o.maxRSSMiB)
	}
	for _, cl := range clients {
		cl.c.closeNow()
		<-cl.c.done
	}
	return nil
}

// pausedReader: one reader and one client that stops reading after its
// attach, on a chat whose answer is a burst well over the send bound. Once the
// reader has the whole burst and two more deltas after it (so the server has
// sent on past the bound, more than a second after the paused client took
// its last frame), the paused client reads again: it must get what was in
// flight and then close code 1013 with its reason.
func (l *loadRun) pausedReader(ctx context.Context, ctl *wsConn) error {
	rctx, cancel := context.WithTimeout(ctx, l.o.stepTimeout)
	f, err := newDetachedChat(rctx, ctl, bigPrompt)
	cancel()
	if err != nil {
		return err
	}
	reader := &loadClient{chatID: f.ChatID, turnEnd: make(chan struct{})}
	paused := &loadClient{chatID: f.ChatID, stalled: true, turnEnd: make(chan struct{})}
	l.setPaced(bigPrompt, []*loadClient{reader, paused})
	for _, cl := range []*loadClient{reader, paused} {
		cctx, cancel := context.WithTimeout(ctx, l.o.stepTimeout)
		err := l.connectOne(cctx, cl, false)
		cancel()
		if err != nil {
			return err
		}
	}
	defer func() {
		for _, cl := range []*loadClient{reader, paused} {
			cl.c.closeNow()
			<-cl.c.done
		}
	}()
	start := time.Now()
	rctx, cancel = context.WithTimeout(ctx, l.o.stepTimeout)
	_, err = reader.c.request(rctx, map[string]any{"type": "message", "chat_id": f.ChatID, "content": bigPrompt})
	cancel()
	if err != nil {
		return err
	}
	want := (l.o.loadBigMiB << 20) / bigChunk * bigChunk
	deadline := time.Now().Add(l.o.settleTimeout)
	for {
		reader.mu.Lock()
		n, ticks := reader.text.Len(), strings.Count(reader.text.String(), "-tick")
		reader.mu.Unlock()
		if n >= want && ticks >= 2 {
			break
		}
		select {
		case <-reader.c.done:
			return fmt.Errorf("the reader of the big answer was disconnected: %w", reader.c.err)
		default:
		}
		if time.Now().After(deadline) {
			l.fail("the reader of the big answer has %d of %d bytes after %v (safety net)", n, want, l.o.settleTimeout)
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(paused.c.resume)
	select {
	case <-paused.c.done:
	case <-time.After(l.o.stepTimeout):
		l.fail("a paused client %d MiB behind was not dropped (safety net %v)", l.o.loadBigMiB, l.o.stepTimeout)
		return nil
	}
	l.st.pausedAfter = time.Since(start)
	code := paused.c.closeCode()
	var ce websocket.CloseError
	reason := ""
	if errors.As(paused.c.err, &ce) {
		reason = ce.Reason
	}
	l.st.pausedCode = closeName(code)
	if code != websocket.StatusTryAgainLater || !strings.Contains(reason, "too slow") {
		l.fail("a client that paused %d MiB behind and read again: connection ended with %s %q, want 1013 and its reason (%v)", l.o.loadBigMiB, closeName(code), reason, paused.c.err)
	}
	l.logf("load: a client paused %d MiB behind read again and got %s %q, %v after the answer began", l.o.loadBigMiB, closeName(code), reason, l.st.pausedAfter.Round(time.Millisecond))
	return nil
}

// newDetachedChat creates a chat and detaches the creating connection (which
// new_chat attaches): the control connection must not be one more subscriber,
// and a slow one at that, of every chat.
func newDetachedChat(ctx context.Context, ctl *wsConn, title string) (frame, error) {
	f, err := ctl.request(ctx, map[string]any{"type": "new_chat", "title": title})
	if err != nil {
		return f, err
	}
	_, err = ctl.request(ctx, map[string]any{"type": "detach", "chat_id": f.ChatID})
	return f, err
}

// connectAll connects and attaches every client at once (all dials released
// together); with resume, each attaches from the highest seq it has read.
func (l *loadRun) connectAll(ctx context.Context, clients []*loadClient, resume bool) error {
	cctx, cancel := context.WithTimeout(ctx, l.o.settleTimeout)
	defer cancel()
	go0 := make(chan struct{})
	errs := make(chan error, len(clients))
	var wg sync.WaitGroup
	for _, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-go0
			errs <- l.connectOne(cctx, cl, resume)
		}()
	}
	close(go0)
	wg.Wait()
	close(errs)
	var first error
	n := 0
	for err := range errs {
		if err != nil {
			n++
			if first == nil {
				first = err
			}
		}
	}
	if n > 0 {
		return fmt.Errorf("%d of %d clients could not connect and attach: %w", n, len(clients), first)
	}
	return nil
}

func (l *loadRun) connectOne(ctx context.Context, cl *loadClient, resume bool) error {
	stall := cl.stalled && !resume
	var since int64
	if resume {
		cl.mu.Lock()
		since = max(cl.c.lastSeq[cl.chatID], cl.lastDelta)
		cl.since = since
		cl.mu.Unlock()
	}
	var c *wsConn
	var err error
	// A refused dial under a burst of a thousand connects is retried, as a
	// real client's backoff would; the overall deadline bounds it.
	for attempt := 0; ; attempt++ {
		c, err = connect(ctx, l.env.socket, func(c *wsConn) {
			c.stallAfterAttached = stall
			c.onFrame = func(_ *wsConn, f frame, _ []byte) { cl.handle(f) }
			c.onDisorder = func(_ *wsConn, chat string, prev, seq int64, ev string) {
				cl.mu.Lock()
				cl.doubled = append(cl.doubled, fmt.Sprintf("%s seq %d after seq %d on one connection", ev, seq, prev))
				cl.mu.Unlock()
			}
		})
		if err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
	if err != nil {
		return err
	}
	cl.c = c
	fr := map[string]any{"type": "attach", "chat_id": cl.chatID, "since": since}
	if _, err = c.request(ctx, fr); err != nil {
		return err
	}
	cl.cur.Store(c)
	cl.reading.Store(!stall)
	return nil
}

func closeName(code websocket.StatusCode) string {
	if code == -1 {
		return "no close frame (1006)"
	}
	return fmt.Sprintf("%d", int(code))
}

// diffAt describes where got first differs from want.
func diffAt(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-40)
	return fmt.Sprintf("got %d bytes, want %d; first difference at byte %d: got …%q…, want …%q…",
		len(got), len(want), i, got[lo:min(len(got), i+40)], want[lo:min(len(want), i+40)])
}
