package turns

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hearth-app/hearth/backend/ids"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/view"
)

// Accepted is what Send reports back.
type Accepted struct {
	TurnID string
	Queued bool
}

// maxQueued bounds the messages waiting behind a chat's running turn.
const maxQueued = 100

// Send commits a user message, acknowledges it to sink, tells the chat's other
// subscribers, and starts a turn (or queues it behind the running one). The
// message is committed, durably, in one transaction with what guarantees its
// answer — the answer's row for a turn that starts at once, the chat's queue
// with it for a queued one — before it is acknowledged, so an acknowledged
// message is answered even across a crash. Media is stored before anything
// is committed, so a refused upload leaves no message.
func (e *Engine) Send(ctx context.Context, cmd protocol.SendMessage, sink Sink) error {
	if !e.enter() {
		return protocol.Refuse(protocol.ReasonShuttingDown, "the server is shutting down")
	}
	defer e.wg.Done()
	if err := noTemporaryMedia(cmd.ChatID, cmd.Media); err != nil {
		return err
	}
	refs, err := e.opts.Ingest.Message(ctx, cmd.Media)
	if err != nil {
		return err
	}
	r, err := e.lockRoom(ctx, cmd.ChatID)
	if err != nil {
		return err
	}
	running := r.turn != nil
	if running && !cmd.Queue {
		r.mu.Unlock()
		return protocol.Refuse(protocol.ReasonBusy, "a turn is running in this chat; cancel it, or send with queue:true to run this message after it")
	}
	if running && len(r.queue) >= maxQueued {
		r.mu.Unlock()
		return protocol.Refuse(protocol.ReasonQueueFull, "%d messages are already waiting in this chat; wait for them, or cancel some", len(r.queue))
	}
	t, m, err := e.commitLocked(ctx, r, cmd, refs, running, nil)
	if err != nil {
		r.mu.Unlock()
		return err
	}
	msg := view.Message(m, e.opts.MediaURL)
	msg.TurnID = t.id
	sink.Send(encode(protocol.MessageAccepted(cmd.ReqID, t.id, msg, running)))
	r.publishLocked(encode(protocol.UserMessage(msg, t.id, running)), sink)
	r.subs[sink] = struct{}{}
	if running {
		r.queue = append(r.queue, t)
	} else {
		r.turn = t
		e.opened(r, t, t.msgID, t.startSeq)
		// Counted in by Send's own enter, so this Add never races Wait.
		e.wg.Add(1)
		go e.runTurn(r, t)
	}
	r.mu.Unlock()
	e.nameChat(ctx, cmd.ChatID, cmd.Content)
	return nil
}

// commitLocked commits the user message with its answer's row (running
// false) or with the chat's queue including it (running true). Caller holds
// r.mu. Nothing in memory changes when it fails, but seqs handed out.
// beside, when set, makes the message an edit of that question.
func (e *Engine) commitLocked(ctx context.Context, r *room, cmd protocol.SendMessage, refs []store.MediaRef, running bool, beside *int64) (*turn, store.Message, error) {
	seq, err := r.allocLocked(ctx, r.st.ReserveSeq)
	if err != nil {
		return nil, store.Message{}, err
	}
	ids := make([]string, len(refs))
	for i, m := range refs {
		ids[i] = m.ID
	}
	t := newTurn(e.ctx, cmd.ChatID, 0, cmd.Model, cmd.ReasoningEffort)
	t.userSeq = seq
	um := store.UserMessage{ChatID: cmd.ChatID, Seq: seq, Content: cmd.Content, MediaIDs: ids, Model: cmd.Model, Beside: beside}
	if running {
		w := queueSetting(r.id, append(append([]*turn(nil), r.queue...), t))
		um.Setting = &w
		um.Waiting = true
	} else {
		if err := e.resolveModelLocked(ctx, t); err != nil {
			return nil, store.Message{}, fmt.Errorf("load chat %s: %w", cmd.ChatID, err)
		}
		aseq, err := r.allocLocked(ctx, r.st.ReserveSeq)
		if err != nil {
			return nil, store.Message{}, err
		}
		um.Answer = &store.Answer{TurnID: t.id, Model: t.resolvedModel, Seq: aseq}
	}
	m, answer, err := e.st(um.ChatID).CommitUserMessage(ctx, um)
	if err != nil {
		return nil, store.Message{}, fmt.Errorf("commit user message: %w", err)
	}
	t.userMsgID = m.ID
	if answer != nil {
		t.msgID, t.startSeq = answer.ID, answer.Seq
		t.parentID, t.siblings = answer.ParentID, answer.Siblings
	}
	return t, m, nil
}

// nameChat gives a chat still called DefaultTitle the first line of its first
// message as title, and announces the chat's new activity either way.
func (e *Engine) nameChat(ctx context.Context, chatID, content string) {
	c, err := e.st(chatID).GetChat(ctx, chatID)
	if err != nil {
		return
	}
	if c.Title == view.DefaultTitle || c.Title == "" {
		if t := titleFrom(content); t != "" {
			if nc, err := e.st(chatID).UpdateChat(ctx, chatID, store.ChatPatch{Title: &t}); err == nil {
				c = nc
			}
		}
	}
	e.opts.Broadcast(encode(protocol.ChatUpdated("", e.ChatView(c))))
}

// titleFrom makes a short title from a message: its first non-empty line, cut at
// a word boundary near 60 characters.
func titleFrom(content string) string {
	for _, line := range strings.Split(content, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			continue
		}
		if utf8.RuneCountInString(line) <= 60 {
			return line
		}
		runes := []rune(line)[:60]
		s := string(runes)
		if i := strings.LastIndexByte(s, ' '); i > 30 {
			s = s[:i]
		}
		return s + "…"
	}
	return ""
}

// noTemporaryMedia refuses attachments in a temporary chat: their files
// would be written to disk, which a temporary chat promises not to do.
func noTemporaryMedia(chatID string, media []protocol.MediaItem) error {
	if len(media) > 0 && ids.IsTemporary(chatID) {
		return protocol.Refuse(protocol.ReasonInvalidMedia, "a temporary chat takes no attachments: their files would be written to disk")
	}
	return nil
}
