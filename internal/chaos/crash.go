package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // read-only checks of the database a killed server left

	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// The crash run: a few chats get a slow turn with bursts of queued messages
// behind it, and the server is SIGKILLed when a seeded, event-counted point
// is reached (the n-th delta, the n-th queued acknowledgement, …). Before the
// restart the database left behind is opened read-only and checked; after it,
// the protocol is.

type turnState struct {
	id        string
	chat      *chatState
	prompt    string
	answer    string // what the fake model says to prompt, whole
	acked     bool
	queued    bool
	round     int
	userSeq   int64
	userMsgID int64
	startSeq  int64
	ended     string  // status of the last turn_end seen for it
	endText   *string // text of the last stream_end seen for it
	endSeq    int64
	cut       *string // checkpointed text found in the database when a kill cut it
	cutRound  int
	reported  bool // one failure per turn is enough
}

type chatState struct {
	id        string
	maxSeen   int64 // highest seq any client received
	maxAtKill int64 // maxSeen when the server was last killed
	sigs      map[int64]string
	turns     map[string]*turnState
	acked     []*turnState
	starts    int // turn_starts seen by its workload connection this round
	work      *wsConn
	// user messages stored whose acknowledgement never arrived (the kill
	// came between the commit and the reply): allowed, and counted.
	committedOnly int
}

type pendingMsg struct {
	chat   *chatState
	prompt string
	queue  bool
	round  int
}

type connText struct {
	text strings.Builder
	last int64
}

// trigger is where a round's kill lands: the n-th event of a kind.
type trigger struct {
	kind     string
	n, count int
	fired    bool
}

func (t trigger) String() string { return fmt.Sprintf("the %s %s", ordinal(t.n), triggerNames[t.kind]) }

var triggerKinds = []string{"delta", "accepted_queued", "queued_delta", "turn_start", "turn_end"}

var triggerNames = map[string]string{
	"delta":           "delta (any turn)",
	"accepted_queued": "message_accepted {queued:true}",
	"queued_delta":    "delta of a queued turn",
	"turn_start":      "turn_start",
	"turn_end":        "turn_end",
}

func ordinal(n int) string {
	suf := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suf = "st"
	case n%10 == 2:
		suf = "nd"
	case n%10 == 3:
		suf = "rd"
	}
	return fmt.Sprintf("%d%s", n, suf)
}

type roundPlan struct {
	trig           trigger
	burst1, burst2 []int // queued messages per chat: right after the slow one, and at its second turn_start
}

type crashStats struct {
	kills         int
	restarts      []time.Duration
	acked         int
	ackedQueued   int
	cut           int
	cutWithText   int // of them with a non-empty checkpoint
	resumed       int // turns answered by a server started after they were acknowledged
	committedOnly int // user messages found stored whose acknowledgement never arrived (allowed)
	integrity     int
}

type crashSuite struct {
	o     options
	rng   *rand.Rand
	env   *env
	fake  *llmtest.Server
	fails *failures
	logf  func(format string, a ...any)

	mu          sync.Mutex
	srv         *server
	chats       []*chatState
	byID        map[string]*chatState
	pending     map[string]pendingMsg
	texts       map[*wsConn]map[string]*connText
	trig        *trigger
	round       int
	postRestart bool
	plan        roundPlan

	stats crashStats
}

func newCrashSuite(o options, rng *rand.Rand, fails *failures, logf func(string, ...any)) (*crashSuite, error) {
	e, err := newEnv(filepath.Join(o.work, "crash"))
	if err != nil {
		return nil, err
	}
	fake := llmtest.New()
	fake.Use(func(r llmtest.RecordedRequest) (llmtest.Script, bool) { return scriptFor(r.LastUser()), true })
	return &crashSuite{o: o, rng: rng, env: e, fake: fake, fails: fails, logf: logf,
		byID: map[string]*chatState{}, pending: map[string]pendingMsg{}, texts: map[*wsConn]map[string]*connText{}}, nil
}

func (s *crashSuite) fail(format string, a ...any) {
	s.fails.add("crash round %d: "+format, append([]any{s.round}, a...)...)
}

func (s *crashSuite) start(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(ctx, s.o.startTimeout)
	defer cancel()
	srv, took, err := startServer(sctx, s.o.hearth, s.env, s.fake.URL+"/v1", filepath.Join(s.o.work, "crash-hearth.log"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	if s.stats.kills > 0 {
		s.stats.restarts = append(s.stats.restarts, took)
	}
	return nil
}

func (s *crashSuite) run(ctx context.Context) error {
	defer s.fake.Close()
	if err := s.start(ctx); err != nil {
		return err
	}
	ctl, err := s.connect(ctx)
	if err != nil {
		return err
	}
	for i := 0; i < s.o.crashChats; i++ {
		f, err := ctl.request(ctx, map[string]any{"type": "new_chat", "title": fmt.Sprintf("chaos %d", i+1)})
		if err != nil {
			return err
		}
		cs := &chatState{id: f.ChatID, sigs: map[int64]string{}, turns: map[string]*turnState{}}
		s.chats = append(s.chats, cs)
		s.byID[cs.id] = cs
	}
	ctl.closeNow()
	<-ctl.done
	for r := 1; r <= s.o.kills; r++ {
		if err := s.runRound(ctx, r); err != nil {
			return fmt.Errorf("round %d: %w", r, err)
		}
	}
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if err := srv.stop(30 * time.Second); err != nil {
		s.fail("the last server did not stop cleanly on SIGTERM: %v", err)
	}
	return nil
}

func (s *crashSuite) connect(ctx context.Context) (*wsConn, error) {
	cctx, cancel := context.WithTimeout(ctx, s.o.stepTimeout)
	defer cancel()
	return connect(cctx, s.env.socket, func(c *wsConn) {
		c.onFrame = s.onFrame
		c.onDisorder = func(_ *wsConn, chat string, prev, seq int64, ev string) {
			s.fail("chat %s: %s with seq %d after seq %d on the same connection (doubled or out of order)", chat, ev, seq, prev)
		}
	})
}

func (s *crashSuite) makePlan(r int) roundPlan {
	n := len(s.chats)
	p := roundPlan{burst1: make([]int, n), burst2: make([]int, n)}
	total1 := 0
	for i := range n {
		p.burst1[i] = 1 + s.rng.IntN(4)
		p.burst2[i] = s.rng.IntN(4)
		total1 += p.burst1[i]
	}
	// Every kind comes round in turn; where in it is drawn. Each n is
	// reachable: every chat streams a slow turn of 200 deltas and at least one
	// queued turn of 40, and every burst-1 message is acknowledged as queued.
	kind := triggerKinds[(r-1+s.o.kindOffset)%len(triggerKinds)]
	var k int
	switch kind {
	case "delta":
		k = 1 + s.rng.IntN(190*n)
	case "accepted_queued":
		k = 1 + s.rng.IntN(total1)
	case "queued_delta":
		k = 1 + s.rng.IntN(35)
	case "turn_start":
		k = 1 + s.rng.IntN(2*n)
	case "turn_end":
		k = 1 + s.rng.IntN(n)
	}
	p.trig = trigger{kind: kind, n: k}
	return p
}

func (s *crashSuite) runRound(ctx context.Context, r int) error {
	plan := s.makePlan(r)
	s.mu.Lock()
	s.round, s.plan, s.postRestart = r, plan, false
	s.trig = &plan.trig
	for _, cs := range s.chats {
		cs.starts = 0
	}
	s.mu.Unlock()
	s.logf("round %d/%d: kill at %s; queued bursts %v then %v", r, s.o.kills, plan.trig, plan.burst1, plan.burst2)

	// One client per chat, attached from the highest seq seen so far.
	for _, cs := range s.chats {
		c, err := s.connect(ctx)
		if err != nil {
			return err
		}
		rctx, cancel := context.WithTimeout(ctx, s.o.stepTimeout)
		att, err := c.request(rctx, map[string]any{"type": "attach", "chat_id": cs.id, "since": cs.maxSeen})
		cancel()
		if err != nil {
			return err
		}
		if att.Status != "idle" {
			s.fail("chat %s is %q at the start of the round, after it was seen settled", cs.id, att.Status)
		}
		s.mu.Lock()
		cs.work = c
		s.mu.Unlock()
	}
	for i, cs := range s.chats {
		go func() {
			// The slow message first, then the queued ones behind it, on the
			// same connection (so in this order).
			s.sendBurst(ctx, cs, i, r, 0, kindSlow, false, 1)
			s.sendBurst(ctx, cs, i, r, 1, kindQueued, true, plan.burst1[i])
		}()
	}

	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	select {
	case <-srv.done:
	case <-time.After(s.o.roundTimeout):
		s.fail("the kill point (%s) was not reached within %v (safety net); killing anyway", plan.trig, s.o.roundTimeout)
		srv.kill()
	case <-ctx.Done():
		srv.kill()
		return ctx.Err()
	}
	s.stats.kills++
	for _, cs := range s.chats {
		cs.work.closeNow()
		<-cs.work.done
	}
	s.mu.Lock()
	s.trig = nil
	for _, cs := range s.chats {
		cs.maxAtKill = cs.maxSeen
		cs.work = nil
	}
	s.mu.Unlock()

	if err := s.checkDatabase(); err != nil {
		return err
	}
	if err := s.start(ctx); err != nil {
		s.fail("restart after the kill: %v", err)
		return err
	}
	return s.verifyAfterRestart(ctx)
}

// sendBurst sends count messages of a kind to a chat, pipelined: it does not
// wait for one to be acknowledged before sending the next.
func (s *crashSuite) sendBurst(ctx context.Context, cs *chatState, chatIdx, r, burst int, kind string, queue bool, n int) {
	s.mu.Lock()
	c := cs.work
	s.mu.Unlock()
	if c == nil {
		return
	}
	for m := range n {
		p := prompt(fmt.Sprintf("r%02dc%db%dm%d", r, chatIdx+1, burst, m+1), kind)
		id := newReqID()
		s.mu.Lock()
		s.pending[id] = pendingMsg{chat: cs, prompt: p, queue: queue, round: r}
		s.mu.Unlock()
		fr := map[string]any{"type": "message", "chat_id": cs.id, "content": p, "req_id": id}
		if queue {
			fr["queue"] = true
		}
		if _, _, err := c.send(ctx, fr); err != nil {
			return // the server is gone: the kill came first
		}
	}
}

func signature(f frame) string {
	switch f.Event {
	case "message_accepted", "user_message":
		if f.Message != nil {
			return fmt.Sprintf("user:%d", f.Message.ID)
		}
		return "user:?"
	case "turn_start", "delta", "reasoning_delta", "reasoning_end", "stream_end", "turn_end":
		return f.Event + ":" + f.TurnID
	}
	return f.Event
}

// onFrame records every frame every client receives, and fires the kill.
func (s *crashSuite) onFrame(c *wsConn, f frame, _ []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch f.Event {
	case "message_accepted":
		p, ok := s.pending[f.ReqID]
		if !ok || f.Message == nil {
			s.fail("message_accepted for an unknown request %q", f.ReqID)
			return
		}
		delete(s.pending, f.ReqID)
		t := p.chat.turn(f.TurnID)
		t.prompt, t.answer, t.acked, t.round = p.prompt, answerFor(p.prompt), true, p.round
		t.queued = f.Queued != nil && *f.Queued
		t.userSeq, t.userMsgID = f.Seq, f.Message.ID
		if f.Message.Content != p.prompt {
			s.fail("message_accepted for %q carries content %q", p.prompt, f.Message.Content)
		}
		p.chat.acked = append(p.chat.acked, t)
		s.stats.acked++
		if t.queued {
			s.stats.ackedQueued++
		}
	case "error":
		if p, ok := s.pending[f.ReqID]; ok {
			delete(s.pending, f.ReqID)
			s.fail("message %q to chat %s refused: %s (%s)", p.prompt, p.chat.id, f.Detail, f.Reason)
		}
		return
	}
	if f.ChatID == "" || f.Seq <= 0 {
		return
	}
	cs := s.byID[f.ChatID]
	if cs == nil {
		return
	}
	sig := signature(f)
	if old, ok := cs.sigs[f.Seq]; ok && old != sig {
		s.fail("chat %s: seq %d reused: it was %s, now %s", cs.id, f.Seq, old, sig)
	} else if !ok {
		if s.postRestart && f.Seq <= cs.maxAtKill {
			s.fail("chat %s: %s after the restart has seq %d, not above %d seen before the kill", cs.id, sig, f.Seq, cs.maxAtKill)
		}
		cs.sigs[f.Seq] = sig
	}
	cs.maxSeen = max(cs.maxSeen, f.Seq)

	var t *turnState
	if f.TurnID != "" && f.Event != "user_message" {
		t = cs.turn(f.TurnID)
	}
	switch f.Event {
	case "turn_start":
		if t.startSeq != 0 && t.startSeq != f.Seq {
			s.fail("turn %s: turn_start seq %d, earlier %d", t.id, f.Seq, t.startSeq)
		}
		t.startSeq = f.Seq
		if c == cs.work {
			cs.starts++
			if cs.starts == 2 {
				i := slices.Index(s.chats, cs)
				go s.sendBurst(context.Background(), cs, i, s.round, 2, kindQueued, true, s.plan.burst2[i])
			}
		}
	case "delta":
		m := s.texts[c]
		if m == nil {
			m = map[string]*connText{}
			s.texts[c] = m
		}
		ct := m[t.id]
		if ct == nil {
			ct = &connText{}
			m[t.id] = ct
		}
		if f.Seq > ct.last && f.Text != nil {
			ct.text.WriteString(*f.Text)
			ct.last = f.Seq
		}
		if t.answer != "" && !strings.HasPrefix(t.answer, ct.text.String()) {
			if !t.reported {
				t.reported = true
				s.fail("turn %s: a client's streamed text is not a prefix of the model's answer: %q", t.id, clip(ct.text.String(), 200))
			}
		}
	case "stream_end":
		if f.Text != nil {
			txt := *f.Text
			t.endText = &txt
		}
	case "turn_end":
		t.ended, t.endSeq = f.Status, f.Seq
		if s.postRestart && t.acked && t.cut == nil && f.Status == "done" {
			s.stats.resumed++
		}
	}

	if tr := s.trig; tr != nil && !tr.fired && s.matches(tr.kind, f, t) {
		tr.count++
		if tr.count == tr.n {
			tr.fired = true
			_ = syscall.Kill(s.srv.pid, syscall.SIGKILL)
		}
	}
}

func (s *crashSuite) matches(kind string, f frame, t *turnState) bool {
	switch kind {
	case "delta":
		return f.Event == "delta"
	case "queued_delta":
		return f.Event == "delta" && t != nil && t.queued
	case "accepted_queued":
		return f.Event == "message_accepted" && f.Queued != nil && *f.Queued
	case "turn_start", "turn_end":
		return f.Event == kind
	}
	return false
}

func (cs *chatState) turn(id string) *turnState {
	t := cs.turns[id]
	if t == nil {
		t = &turnState{id: id, chat: cs}
		cs.turns[id] = t
	}
	return t
}

// textSeen is the longest text of a turn streamed to any client this round.
func (s *crashSuite) textSeen(t *turnState) (string, bool) {
	best, ok := "", false
	for _, m := range s.texts {
		if ct := m[t.id]; ct != nil {
			if tx := ct.text.String(); len(tx) >= len(best) {
				best, ok = tx, true
			}
		}
	}
	return best, ok
}

// checkDatabase opens what the killed server left, read-only, before anything
// touches it again.
func (s *crashSuite) checkDatabase() error {
	db, err := sql.Open("sqlite", "file:"+s.env.dbPath()+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("open the database read-only: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var res []string
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity_check: %w", err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return err
		}
		res = append(res, line)
	}
	rows.Close()
	s.stats.integrity++
	if len(res) != 1 || res[0] != "ok" {
		s.fail("PRAGMA integrity_check after the kill: %s", clip(strings.Join(res, "; "), 2000))
	}

	// Since schema v3 a streaming answer's checkpoints are appended as parts;
	// its checkpointed text is the row's content followed by its parts.
	var hasParts bool
	if err := db.QueryRow("SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'message_parts'").Scan(&hasParts); err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, cs := range s.chats {
		var last, hwm int64
		if err := db.QueryRow("SELECT last_seq, seq_hwm FROM chats WHERE id = ?", cs.id).Scan(&last, &hwm); err != nil {
			s.fail("chat %s not in the database after the kill: %v", cs.id, err)
			continue
		}
		if max(last, hwm) < cs.maxSeen {
			s.fail("chat %s: the database's seq high-water mark is %d (last_seq %d) but a client saw seq %d: seqs could be given out again", cs.id, hwm, last, cs.maxSeen)
		}
		// An acknowledged question is found by its id: a queued one moves to
		// a higher seq, right before its answer, when its turn opens.
		for _, t := range cs.acked {
			var seq int64
			var role, content string
			err := db.QueryRow("SELECT seq, role, content FROM messages WHERE chat_id = ? AND id = ?", cs.id, t.userMsgID).Scan(&seq, &role, &content)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if !t.reported {
					t.reported = true
					s.fail("acknowledged message %q (chat %s, seq %d, round %d) is not in the database after the kill", t.prompt, cs.id, t.userSeq, t.round)
				}
			case err != nil:
				return err
			case seq < t.userSeq || role != "user" || content != t.prompt:
				s.fail("acknowledged message %q (seq %d) is stored as %s at seq %d %q", t.prompt, t.userSeq, role, seq, clip(content, 80))
			}
		}
		type streamingRow struct {
			id              int64
			turnID, content string
		}
		var streaming []streamingRow
		rows, err := db.Query("SELECT id, turn_id, status, content FROM messages WHERE chat_id = ? AND role = 'assistant'", cs.id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var turnID, status, content string
			if err := rows.Scan(&id, &turnID, &status, &content); err != nil {
				rows.Close()
				return err
			}
			t := cs.turns[turnID]
			if t == nil {
				// A turn no client heard of: its message was committed but the
				// acknowledgement never arrived. Allowed.
				t = cs.turn(turnID)
			}
			if status != "streaming" {
				if t.cut == nil && t.ended != "" && t.ended != status {
					s.fail("turn %s: a client saw turn_end %s, the database says %s", turnID, t.ended, status)
				}
				continue
			}
			if t.ended != "" {
				s.fail("turn %s: a client saw turn_end %s, but the database still has it streaming", turnID, t.ended)
			}
			streaming = append(streaming, streamingRow{id, turnID, content})
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return err
		}
		rows.Close()
		for _, row := range streaming {
			turnID, content := row.turnID, row.content
			if hasParts {
				parts, err := streamedParts(db, row.id)
				if err != nil {
					return err
				}
				content += parts
			}
			t := cs.turns[turnID]
			c := content
			t.cut, t.cutRound = &c, s.round
			s.stats.cut++
			if c != "" {
				s.stats.cutWithText++
			}
			if t.answer != "" && !strings.HasPrefix(t.answer, content) {
				s.fail("turn %s: checkpointed text is not a prefix of the model's answer: %q", turnID, clip(content, 200))
			}
			if seen, ok := s.textSeen(t); ok && !prefixRelated(seen, content) {
				s.fail("turn %s: checkpointed text %q and the text streamed to a client %q disagree", turnID, clip(content, 120), clip(seen, 120))
			}
		}
		n := 0
		if err := db.QueryRow("SELECT count(*) FROM messages WHERE chat_id = ? AND role = 'user'", cs.id).Scan(&n); err != nil {
			return err
		}
		cs.committedOnly = max(0, n-len(cs.acked))
	}
	s.stats.committedOnly = 0
	for _, cs := range s.chats {
		s.stats.committedOnly += cs.committedOnly
	}
	return nil
}

// streamedParts is the text of a streaming answer's checkpointed parts, in order.
func streamedParts(db *sql.DB, messageID int64) (string, error) {
	rows, err := db.Query("SELECT content FROM message_parts WHERE message_id = ? ORDER BY part", messageID)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", err
		}
		b.WriteString(c)
	}
	return b.String(), rows.Err()
}

// verifyAfterRestart attaches to every chat from the highest seq seen, lets
// every queued turn run to its end, and checks the history.
func (s *crashSuite) verifyAfterRestart(ctx context.Context) error {
	s.mu.Lock()
	s.postRestart = true
	s.texts = map[*wsConn]map[string]*connText{}
	s.mu.Unlock()
	ctl, err := s.connect(ctx)
	if err != nil {
		s.fail("connect after the restart: %v", err)
		return err
	}
	defer func() { ctl.closeNow(); <-ctl.done }()
	for _, cs := range s.chats {
		rctx, cancel := context.WithTimeout(ctx, s.o.stepTimeout)
		_, err := ctl.request(rctx, map[string]any{"type": "attach", "chat_id": cs.id, "since": cs.maxAtKill})
		cancel()
		if err != nil {
			s.fail("attach after the restart: %v", err)
			return err
		}
	}
	// Settle: every chat idle. A chat is idle only once its queue is empty
	// (the engine starts the next queued turn under the same lock that ends
	// one), and the list reply comes after every event sent before it.
	if err := s.settle(ctx, ctl); err != nil {
		s.fail("%v", err)
		return err
	}
	for _, cs := range s.chats {
		hist, err := s.history(ctx, ctl, cs.id)
		if err != nil {
			s.fail("history: %v", err)
			return err
		}
		s.checkHistory(cs, hist)
	}
	return nil
}

func (s *crashSuite) settle(ctx context.Context, ctl *wsConn) error {
	deadline := time.Now().Add(s.o.settleTimeout)
	for {
		rctx, cancel := context.WithTimeout(ctx, s.o.stepTimeout)
		f, err := ctl.request(rctx, map[string]any{"type": "list_chats", "limit": 500})
		cancel()
		if err != nil {
			return fmt.Errorf("list_chats after the restart: %w", err)
		}
		var items []chatItem
		if err := jsonItems(f, &items); err != nil {
			return err
		}
		busy := 0
		for _, it := range items {
			if s.byID[it.ID] != nil && it.Running {
				busy++
			}
		}
		if busy == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d chats still running %v after the restart (safety net)", busy, s.o.settleTimeout)
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *crashSuite) history(ctx context.Context, c *wsConn, chatID string) ([]message, error) {
	var all []message
	before := int64(0)
	for {
		fr := map[string]any{"type": "history", "chat_id": chatID, "limit": 500}
		if before > 0 {
			fr["before_seq"] = before
		}
		rctx, cancel := context.WithTimeout(ctx, s.o.stepTimeout)
		f, err := c.request(rctx, fr)
		cancel()
		if err != nil {
			return nil, err
		}
		var page []message
		if err := jsonItems(f, &page); err != nil {
			return nil, err
		}
		all = append(page, all...)
		if !f.HasMore || len(page) == 0 {
			return all, nil
		}
		before = page[0].Seq
	}
}

func (s *crashSuite) checkHistory(cs *chatState, hist []message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	users := map[int64]message{}
	answers := map[string][]message{}
	for i, m := range hist {
		// Seq order, but for the questions still queued, which come last.
		if i > 0 && !m.Queued && (hist[i-1].Queued || m.Seq <= hist[i-1].Seq) {
			s.fail("chat %s: history not in seq order (queued questions last) at seq %d after %d", cs.id, m.Seq, hist[i-1].Seq)
		}
		if m.Role == "user" {
			users[m.ID] = m
		} else {
			answers[m.TurnID] = append(answers[m.TurnID], m)
		}
	}
	for _, t := range cs.acked {
		if t.reported {
			continue
		}
		u, ok := users[t.userMsgID]
		if !ok || u.Content != t.prompt || u.Seq < t.userSeq {
			t.reported = true
			s.fail("acknowledged message %q (chat %s, seq %d, round %d) missing from the history after the restart", t.prompt, cs.id, t.userSeq, t.round)
			continue
		}
		as := answers[t.id]
		if len(as) == 0 {
			t.reported = true
			s.fail("acknowledged message %q (chat %s, seq %d, turn %s, queued %v, round %d) was never answered: no answer, no interrupted, no error after the restart",
				t.prompt, cs.id, t.userSeq, t.id, t.queued, t.round)
			continue
		}
		if len(as) > 1 {
			t.reported = true
			s.fail("turn %s answered %d times", t.id, len(as))
			continue
		}
		a := as[0]
		if a.Seq <= u.Seq {
			s.fail("turn %s: answer at seq %d is not after its question at seq %d", t.id, a.Seq, u.Seq)
		}
		switch {
		case t.cut != nil:
			if a.Status != "interrupted" || a.Content != *t.cut {
				t.reported = true
				s.fail("turn %s cut by the kill in round %d: stored as %s with %q, want interrupted with the checkpointed %q",
					t.id, t.cutRound, a.Status, clip(a.Content, 120), clip(*t.cut, 120))
				continue
			}
			if t.cutRound == s.round {
				// The client that attached after the restart was told so.
				if t.ended != "interrupted" || t.endText == nil || *t.endText != *t.cut || t.endSeq <= cs.maxAtKill {
					t.reported = true
					got := "<none>"
					if t.endText != nil {
						got = clip(*t.endText, 80)
					}
					s.fail("turn %s cut by the kill: after the restart a client attached with since=%d got turn_end %q (seq %d) and stream_end %q; want interrupted, above that seq, with the checkpointed text",
						t.id, cs.maxAtKill, t.ended, t.endSeq, got)
				}
			}
		case a.Status == "done":
			if a.Content != t.answer {
				t.reported = true
				s.fail("turn %s done, but its stored answer %q is not the model's %q", t.id, clip(a.Content, 120), clip(t.answer, 120))
			}
		default:
			t.reported = true
			s.fail("turn %s ended %s (%q); this workload only ends turns done or interrupted", t.id, a.Status, clip(a.Content, 120))
		}
	}
}

func (st crashStats) restartSummary() string {
	if len(st.restarts) == 0 {
		return "-"
	}
	d := slices.Clone(st.restarts)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return fmt.Sprintf("min %v / median %v / max %v (n=%d)", d[0].Round(time.Millisecond), d[len(d)/2].Round(time.Millisecond), d[len(d)-1].Round(time.Millisecond), len(d))
}
