package nanobot

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/hearth-app/hearth/backend/protocol"
)

// gatewayEvent is one event of nanobot's WebSocket channel; the fields are
// the union of the ones the bridge reads.
type gatewayEvent struct {
	Event      string      `json:"event"`
	ChatID     string      `json:"chat_id"`
	Text       string      `json:"text"`
	Kind       string      `json:"kind"`
	ToolEvents []toolEvent `json:"tool_events"`
	Detail     string      `json:"detail"`
	Reason     string      `json:"reason"`
}

// toolEvent is one entry of a message's tool_events: a call starting, or
// ending (phase end) or failing (phase error).
type toolEvent struct {
	Phase     string          `json:"phase"`
	CallID    string          `json:"call_id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Result    json.RawMessage `json:"result"`
	Error     json.RawMessage `json:"error"`
}

// hearthFrame is what the engine sends its agents.
type hearthFrame struct {
	Event    string                 `json:"event"`
	ChatID   string                 `json:"chat_id"`
	TurnID   string                 `json:"turn_id"`
	Messages []protocol.TurnMessage `json:"messages"`
}

// turn is a Hearth turn the bridge relays.
type turn struct {
	id, chat string
	nb       string // the nanobot chat; "" until new_chat answers
	sent     bool   // its message went to nanobot
	heard    bool   // nanobot said something for it
	streamed bool   // nanobot streamed answer text
	// segmentEnded: nanobot closed a stream (before tool calls); text that
	// follows starts a new paragraph.
	segmentEnded bool
	calls        map[string]bool // call id → finished
	content      string
	media        []outMedia
}

type outMedia struct {
	DataURL string `json:"data_url"`
	Name    string `json:"name,omitempty"`
}

// prepared is a turn whose attachments were fetched.
type prepared struct {
	turnID  string
	content string
	media   []outMedia
	err     error
}

// conn is the relay state of one connection; only its session's goroutine
// touches it.
type conn struct {
	b    *Bridge
	ws   *websocket.Conn
	sink *sink
	ctx  context.Context

	turns  map[string]*turn // by Hearth turn id
	byChat map[string]*turn // by nanobot chat, once sent
	// pendingNew are the turns whose new_chat awaits its attached, in the
	// order sent (the gateway answers a connection's frames in order).
	pendingNew []*turn
	lastSent   *turn
	// draining: nanobot chats told to /stop. What nanobot still sends for
	// the stopped task, up to its "Stopped" reply, belongs to no turn.
	draining map[string]time.Time
	prepared chan prepared
}

// stopDrain bounds how long the bridge waits for nanobot's reply to /stop
// before it takes a chat's events as a new turn's again.
const stopDrain = 30 * time.Second

// maxHistoryBytes bounds the earlier conversation a new nanobot chat is
// given (a chat that began with another model, or a fork).
const maxHistoryBytes = 32 << 10

func (c *conn) fromHearth(raw []byte) error {
	var f hearthFrame
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil
	}
	switch f.Event {
	case protocol.EvTurnRequest:
		return c.startTurn(f)
	case protocol.EvTurnCancel:
		return c.cancelTurn(f.TurnID)
	}
	// approval_resolved: nanobot asks for no approvals.
	return nil
}

func (c *conn) startTurn(f hearthFrame) error {
	t := &turn{id: f.TurnID, chat: f.ChatID, calls: map[string]bool{}}
	var last protocol.TurnMessage
	if n := len(f.Messages); n > 0 {
		last = f.Messages[n-1]
	}
	nb, err := c.b.nanobotChat(c.ctx, f.ChatID)
	if err != nil {
		c.b.log.Warn("could not read the nanobot chat of a chat", "chat", f.ChatID, "err", err)
	}
	t.nb = nb
	c.turns[t.id] = t
	content := last.Content
	if nb == "" && len(f.Messages) > 1 {
		content = withHistory(f.Messages[:len(f.Messages)-1], content)
	}
	// Fetching attachments takes a while; the connection goes on meanwhile.
	go func() {
		p := prepared{turnID: t.id, content: content}
		p.media, p.content, p.err = c.b.fetchMedia(c.ctx, last.Media, p.content)
		select {
		case c.prepared <- p:
		case <-c.ctx.Done():
		}
	}()
	return nil
}

func (c *conn) onPrepared(p prepared) error {
	t := c.turns[p.turnID]
	if t == nil {
		return nil // cancelled meanwhile
	}
	if p.err != nil {
		c.end(t, protocol.StatusError, p.err.Error())
		return nil
	}
	t.content, t.media = p.content, p.media
	if t.nb == "" {
		c.pendingNew = append(c.pendingNew, t)
		return c.write(map[string]any{"type": "new_chat"})
	}
	return c.send(t)
}

// send gives nanobot the turn's message.
func (c *conn) send(t *turn) error {
	msg := map[string]any{"type": "message", "chat_id": t.nb, "content": t.content}
	if len(t.media) > 0 {
		msg["media"] = t.media
	}
	t.sent = true
	c.byChat[t.nb] = t
	c.lastSent = t
	return c.write(msg)
}

func (c *conn) cancelTurn(turnID string) error {
	t := c.turns[turnID]
	if t == nil {
		return nil
	}
	// Hearth ends the turn cancelled on this turn_end.
	c.end(t, protocol.StatusDone, "")
	if !t.sent {
		return nil
	}
	c.draining[t.nb] = time.Now().Add(stopDrain)
	return c.write(map[string]any{"type": "message", "chat_id": t.nb, "content": "/stop"})
}

func (c *conn) fromGateway(ev gatewayEvent) error {
	switch ev.Event {
	case "attached":
		return c.onAttached(ev.ChatID)
	case "error":
		c.onError(ev)
		return nil
	}
	if ev.ChatID == "" {
		return nil
	}
	if until, ok := c.draining[ev.ChatID]; ok {
		if time.Now().Before(until) {
			if ev.Event == "message" && ev.Kind == "" {
				delete(c.draining, ev.ChatID) // nanobot's answer to /stop
			}
			return nil
		}
		delete(c.draining, ev.ChatID)
	}
	t := c.byChat[ev.ChatID]
	if t == nil {
		return nil
	}
	switch ev.Event {
	case "delta", "reasoning_delta", "reasoning_end", "stream_end", "message", "turn_end":
		// Heard: an error naming no chat is no longer this turn's. (The
		// session_updated and goal events that follow new_chat are not.)
		t.heard = true
	}
	switch ev.Event {
	case "delta":
		if ev.Text == "" {
			return nil
		}
		text := ev.Text
		if t.segmentEnded && t.streamed {
			text = "\n\n" + text
		}
		t.segmentEnded, t.streamed = false, true
		c.text(t, protocol.AgentDelta, text)
	case "reasoning_delta":
		c.text(t, protocol.AgentReasoningDelta, ev.Text)
	case "reasoning_end":
		c.frame(t, protocol.AgentFrame{Kind: protocol.AgentReasoningEnd})
	case "stream_end":
		// One stream of the turn; nanobot streams again after tool calls.
		// Its turn_end ends the turn.
		t.segmentEnded = true
	case "message":
		c.onMessage(t, ev)
	case "turn_end":
		c.end(t, protocol.StatusDone, "")
	}
	return nil
}

// onMessage: tool hints and progress carry the tool events; a plain
// message is the answer of a gateway that does not stream.
func (c *conn) onMessage(t *turn, ev gatewayEvent) {
	if len(ev.ToolEvents) > 0 {
		for _, te := range ev.ToolEvents {
			c.toolEvent(t, te)
		}
		return
	}
	if ev.Kind != "" || t.streamed || ev.Text == "" {
		return
	}
	t.streamed = true
	c.text(t, protocol.AgentDelta, ev.Text)
}

func (c *conn) toolEvent(t *turn, te toolEvent) {
	id := clip(te.CallID, protocol.MaxToolNameBytes)
	if id == "" {
		return
	}
	name := clip(te.Name, protocol.MaxToolNameBytes)
	if name == "" {
		name = "tool"
	}
	finished, known := t.calls[id]
	if !known {
		t.calls[id] = false
		c.frame(t, protocol.AgentFrame{Kind: protocol.AgentToolCall, CallID: id, Tool: name, Arguments: argsObject(te.Arguments)})
	}
	if finished {
		return
	}
	switch te.Phase {
	case "end":
		t.calls[id] = true
		c.frame(t, protocol.AgentFrame{Kind: protocol.AgentToolResult, CallID: id, Status: protocol.ToolOK, Content: jsonText(te.Result)})
	case "error":
		t.calls[id] = true
		words := jsonText(te.Error)
		if words == "" {
			words = jsonText(te.Result)
		}
		c.frame(t, protocol.AgentFrame{Kind: protocol.AgentToolResult, CallID: id, Status: protocol.ToolError, Content: words})
	}
}

func (c *conn) onAttached(chatID string) error {
	if len(c.pendingNew) == 0 {
		return nil
	}
	t := c.pendingNew[0]
	c.pendingNew = c.pendingNew[1:]
	if chatID == "" {
		c.end(t, protocol.StatusError, "nanobot created a chat without an id.")
		return nil
	}
	t.nb = chatID
	c.b.remember(c.ctx, t.chat, chatID)
	if c.turns[t.id] != t {
		return nil // cancelled while nanobot made the chat
	}
	return c.send(t)
}

// onError: nanobot names the chat only for some errors; the others answer
// the frame it read last from this connection.
func (c *conn) onError(ev gatewayEvent) {
	words := "nanobot refused the message: " + ev.Detail
	if ev.Reason != "" {
		words += " (" + ev.Reason + ")"
	}
	if ev.Detail == "image_rejected" {
		words += ". nanobot takes at most 4 pictures (PNG, JPEG, WebP or GIF, 8 MB each) and one video per message."
	}
	var t *turn
	switch {
	case ev.ChatID != "" && c.byChat[ev.ChatID] != nil:
		t = c.byChat[ev.ChatID]
	case len(c.pendingNew) > 0:
		t = c.pendingNew[0]
		c.pendingNew = c.pendingNew[1:]
	case c.lastSent != nil && !c.lastSent.heard:
		t = c.lastSent
	}
	if t == nil || c.turns[t.id] != t {
		c.b.log.Warn("nanobot reported an error", "detail", ev.Detail, "reason", ev.Reason)
		return
	}
	c.end(t, protocol.StatusError, words)
}

// text sends text frames, cut to the size a frame may carry.
func (c *conn) text(t *turn, kind, s string) {
	for s != "" {
		part := clip(s, protocol.MaxContentBytes)
		s = s[len(part):]
		c.frame(t, protocol.AgentFrame{Kind: kind, Text: part})
	}
}

// frame hands one frame to the engine. A refusal means Hearth ended the
// turn itself (a cancel not answered in time, a shutdown): it is forgotten.
func (c *conn) frame(t *turn, f protocol.AgentFrame) {
	f.TurnID = t.id
	if err := c.b.opts.Engine.AgentFrame(c.ctx, c.sink, f); err != nil {
		if c.ctx.Err() == nil {
			c.b.log.Debug("Hearth did not take a frame", "turn", t.id, "kind", f.Kind, "err", err)
		}
		c.forget(t)
	}
}

func (c *conn) end(t *turn, status, words string) {
	if c.turns[t.id] != t {
		return
	}
	c.frame(t, protocol.AgentFrame{Kind: protocol.AgentTurnEnd, Status: status, Error: clip(words, protocol.MaxContentBytes)})
	c.forget(t)
}

func (c *conn) forget(t *turn) {
	if c.turns[t.id] == t {
		delete(c.turns, t.id)
	}
	if c.byChat[t.nb] == t {
		delete(c.byChat, t.nb)
	}
	if c.lastSent == t {
		c.lastSent = nil
	}
}

func (c *conn) write(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, data)
}

// nanobotChat is the nanobot chat answering a Hearth chat, "" for none yet.
func (b *Bridge) nanobotChat(ctx context.Context, chatID string) (string, error) {
	b.mu.Lock()
	nb, ok := b.chatMap[chatID]
	b.mu.Unlock()
	if ok || b.opts.Settings == nil {
		return nb, nil
	}
	v, ok, err := b.opts.Settings.GetSetting(ctx, b.settingKey(chatID))
	if err != nil || !ok {
		return "", err
	}
	b.mu.Lock()
	b.chatMap[chatID] = v
	b.mu.Unlock()
	return v, nil
}

func (b *Bridge) remember(ctx context.Context, chatID, nb string) {
	b.mu.Lock()
	b.chatMap[chatID] = nb
	b.mu.Unlock()
	if b.opts.Settings == nil {
		return
	}
	if err := b.opts.Settings.SetSetting(ctx, b.settingKey(chatID), nb); err != nil {
		b.log.Warn("could not store the nanobot chat of a chat; after a restart it starts a new one", "chat", chatID, "err", err)
	}
}

// settingKey: per agent name, since each bridge is its own gateway.
func (b *Bridge) settingKey(chatID string) string {
	return "nanobot_chat:" + b.opts.Name + ":" + chatID
}

// withHistory gives a new nanobot chat what the Hearth chat said before
// (nanobot keeps a chat's history, but this one starts with it empty).
func withHistory(earlier []protocol.TurnMessage, content string) string {
	var parts []string
	size := 0
	for i := len(earlier) - 1; i >= 0; i-- {
		m := earlier[i]
		if strings.TrimSpace(m.Content) == "" {
			continue
		}
		who := "User"
		if m.Role == protocol.RoleAssistant {
			who = "Assistant"
		}
		p := who + ": " + m.Content
		if size+len(p) > maxHistoryBytes {
			break
		}
		size += len(p)
		parts = append([]string{p}, parts...)
	}
	if len(parts) == 0 {
		return content
	}
	return "(The conversation so far, from before you joined it:)\n\n" + strings.Join(parts, "\n\n") + "\n\n---\n\n" + content
}

// What nanobot's channel takes as media (websocket.py): a few pictures and
// one video per message.
var (
	imageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/webp": true, "image/gif": true}
	videoTypes = map[string]bool{"video/mp4": true, "video/webm": true, "video/quicktime": true}
)

const (
	maxImages     = 4
	maxImageBytes = 8 << 20
	maxVideos     = 1
	maxVideoBytes = 20 << 20
)

// fetchMedia turns the message's attachments into data URLs. What nanobot
// cannot take is named in the content instead, so the answer can say so
// rather than the whole message being refused.
func (b *Bridge) fetchMedia(ctx context.Context, in []protocol.TurnMedia, content string) ([]outMedia, string, error) {
	var out []outMedia
	var notes []string
	images, videos := 0, 0
	for _, m := range in {
		name := m.Name
		if name == "" {
			name = "attachment"
		}
		typ, _, _ := mime.ParseMediaType(m.MIME)
		limit := 0
		switch {
		case imageTypes[typ] && images < maxImages:
			images++
			limit = maxImageBytes
		case videoTypes[typ] && videos < maxVideos:
			videos++
			limit = maxVideoBytes
		}
		if limit == 0 {
			notes = append(notes, fmt.Sprintf("[%s (%s) is attached in Hearth but was not passed on: nanobot takes up to %d pictures (PNG, JPEG, WebP, GIF) and %d video]", name, m.MIME, maxImages, maxVideos))
			continue
		}
		data, err := b.fetch(ctx, m.URL, limit)
		if err != nil {
			return nil, "", fmt.Errorf("Could not pass the attachment %s to nanobot: %v", name, err)
		}
		out = append(out, outMedia{DataURL: "data:" + typ + ";base64," + base64.StdEncoding.EncodeToString(data), Name: m.Name})
	}
	if len(notes) > 0 {
		content = strings.TrimSpace(content + "\n\n" + strings.Join(notes, "\n"))
	}
	return out, content, nil
}

func (b *Bridge) fetch(ctx context.Context, url string, limit int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := b.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("Hearth answered %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, fmt.Errorf("it is larger than the %d MB nanobot takes", limit>>20)
	}
	return data, nil
}

// argsObject is a call's arguments as a JSON object, the shape tool cards
// show.
func argsObject(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || !json.Valid(raw) {
		return nil
	}
	if raw[0] == '{' {
		return raw
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		inner := bytes.TrimSpace([]byte(s))
		if len(inner) > 0 && inner[0] == '{' && json.Valid(inner) {
			return inner
		}
	}
	wrapped, _ := json.Marshal(map[string]json.RawMessage{"arguments": raw})
	return wrapped
}

// jsonText is a result as text: a JSON string's value, other JSON as is.
func jsonText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// clip cuts s to at most n bytes on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
