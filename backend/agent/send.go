package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
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
		return refuse(protocol.ReasonShuttingDown, "the server is shutting down")
	}
	defer e.wg.Done()
	refs, err := e.resolveMedia(ctx, cmd.Media)
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
		return refuse(protocol.ReasonBusy, "a turn is running in this chat; cancel it, or send with queue:true to run this message after it")
	}
	if running && len(r.queue) >= maxQueued {
		r.mu.Unlock()
		return refuse(protocol.ReasonQueueFull, "%d messages are already waiting in this chat; wait for them, or cancel some", len(r.queue))
	}
	t, m, err := e.commitLocked(ctx, r, cmd, refs, running)
	if err != nil {
		r.mu.Unlock()
		return err
	}
	msg := messageJSON(m, e.opts.MediaURL)
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
func (e *Engine) commitLocked(ctx context.Context, r *room, cmd protocol.SendMessage, refs []store.MediaRef, running bool) (*turn, store.Message, error) {
	seq, err := r.allocLocked(ctx, e.opts.Store.ReserveSeq)
	if err != nil {
		return nil, store.Message{}, err
	}
	ids := make([]string, len(refs))
	for i, m := range refs {
		ids[i] = m.ID
	}
	t := newTurn(e.ctx, cmd.ChatID, 0, cmd.Model, cmd.ReasoningEffort)
	t.userSeq = seq
	um := store.UserMessage{ChatID: cmd.ChatID, Seq: seq, Content: cmd.Content, MediaIDs: ids, Model: cmd.Model}
	if running {
		w := queueSetting(r.id, append(append([]*turn(nil), r.queue...), t))
		um.Setting = &w
	} else {
		if err := e.resolveModelLocked(ctx, t); err != nil {
			return nil, store.Message{}, fmt.Errorf("load chat %s: %w", cmd.ChatID, err)
		}
		aseq, err := r.allocLocked(ctx, e.opts.Store.ReserveSeq)
		if err != nil {
			return nil, store.Message{}, err
		}
		um.Answer = &store.Answer{TurnID: t.id, Model: t.resolvedModel, Seq: aseq}
	}
	m, answer, err := e.opts.Store.CommitUserMessage(ctx, um)
	if err != nil {
		return nil, store.Message{}, fmt.Errorf("commit user message: %w", err)
	}
	t.userMsgID = m.ID
	if answer != nil {
		t.msgID, t.startSeq = answer.ID, answer.Seq
	}
	return t, m, nil
}

// nameChat gives a chat still called DefaultTitle the first line of its first
// message as title, and announces the chat's new activity either way.
func (e *Engine) nameChat(ctx context.Context, chatID, content string) {
	c, err := e.opts.Store.GetChat(ctx, chatID)
	if err != nil {
		return
	}
	if c.Title == DefaultTitle || c.Title == "" {
		if t := titleFrom(content); t != "" {
			if nc, err := e.opts.Store.UpdateChat(ctx, chatID, store.ChatPatch{Title: &t}); err == nil {
				c = nc
			}
		}
	}
	e.opts.Broadcast(encode(protocol.ChatUpdated("", e.chatJSON(c))))
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

// resolveMedia turns a message's media items into stored uploads, storing inline
// data URLs first, and enforces the per-message limits.
func (e *Engine) resolveMedia(ctx context.Context, items []protocol.MediaItem) ([]store.MediaRef, error) {
	if len(items) == 0 {
		return nil, nil
	}
	if e.opts.Files == nil {
		return nil, refuse(protocol.ReasonInvalidMedia, "media is not enabled on this server")
	}
	refs := make([]store.MediaRef, 0, len(items))
	infos := make([]media.Info, 0, len(items))
	for i, it := range items {
		if it.ID != "" {
			ref, err := e.opts.Store.GetMedia(ctx, it.ID)
			if errors.Is(err, store.ErrNotFound) {
				return nil, refuse(protocol.ReasonInvalidMedia, "media[%d]: no upload with id %s", i, it.ID)
			}
			if err != nil {
				return nil, fmt.Errorf("load media %s: %w", it.ID, err)
			}
			refs = append(refs, ref)
			kind, _ := media.KindOf(ref.MIME)
			infos = append(infos, media.Info{ID: ref.ID, MIME: ref.MIME, Kind: kind, Size: ref.Size, Name: ref.Name})
			continue
		}
		data, err := media.ParseDataURL(it.DataURL)
		if err != nil {
			return nil, mediaRefusal(i, err)
		}
		info, err := e.opts.Files.Put(ctx, bytes.NewReader(data), it.Name, e.opts.Limits)
		if err != nil {
			return nil, mediaRefusal(i, err)
		}
		ref := store.MediaRef{ID: info.ID, MIME: info.MIME, Name: info.Name, Size: info.Size}
		if err := e.opts.Store.PutMedia(ctx, ref); err != nil {
			return nil, fmt.Errorf("record media: %w", err)
		}
		refs = append(refs, ref)
		infos = append(infos, info)
	}
	if err := media.CheckMessage(infos, e.opts.Limits); err != nil {
		return nil, mediaRefusal(-1, err)
	}
	return refs, nil
}

func mediaRefusal(i int, err error) error {
	var me *media.Error
	prefix := ""
	if i >= 0 {
		prefix = fmt.Sprintf("media[%d]: ", i)
	}
	if errors.As(err, &me) {
		return &Error{Reason: me.Reason, Detail: prefix + me.Message}
	}
	return &Error{Reason: protocol.ReasonInvalidMedia, Detail: prefix + err.Error()}
}
