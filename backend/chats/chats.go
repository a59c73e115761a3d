// Package chats is chat management: creating, listing, renaming and deleting
// chats, searching them, listing the provider's models, and export/import.
// Everything live about a chat (turns, the queue, subscribers, replay) is the
// turn engine's (package turns); this package asks it only what it must: is a
// turn running, attach a new chat's creator, close a deleted chat's room.
package chats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-app/hearth/backend/ids"
	"github.com/hearth-app/hearth/backend/ingest"
	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/turns"
	"github.com/hearth-app/hearth/backend/view"
)

// Options configures a Service.
type Options struct {
	Store *store.Store
	// Temp keeps temporary chats in memory; nil refuses them.
	Temp      *store.Store
	Files     *media.Files
	Ingest    *ingest.Ingester
	Turns     *turns.Engine
	Providers llm.Source
	// Broadcast sends a frame to every connection (chat_created and friends).
	Broadcast func(frame []byte)
	MediaURL  view.MediaURL
	Logger    *slog.Logger
	// ToolsOff are the MCP servers a new chat starts with switched off
	// (config.toml's tools_off), unless new_chat says otherwise.
	ToolsOff []string
}

// Service manages chats.
type Service struct {
	opts Options
	log  *slog.Logger
}

// New makes a chat service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Broadcast == nil {
		opts.Broadcast = func([]byte) {}
	}
	if opts.MediaURL == nil {
		opts.MediaURL = func(id string) string { return "/media/" + id }
	}
	return &Service{opts: opts, log: opts.Logger}
}

func (s *Service) chatJSON(c store.Chat) protocol.Chat {
	return s.opts.Turns.ChatView(c)
}

// NewChat creates a chat, announces it, and attaches sink to it.
// A preset it names fills what the frame leaves out; an unknown one
// creates nothing.
func (s *Service) NewChat(ctx context.Context, cmd protocol.NewChat, sink turns.Sink) (string, error) {
	nc, err := s.newChatSettings(ctx, cmd)
	if err != nil {
		return "", err
	}
	if cmd.Temporary {
		if s.opts.Temp == nil {
			return "", protocol.Refuse(protocol.ReasonNotSupported, "this server keeps no temporary chats")
		}
		nc.ID = ids.TemporaryChat()
	}
	return s.createChat(ctx, nc, cmd.ReqID, sink)
}

func (s *Service) create(ctx context.Context, id, title, model, system, reqID string, sink turns.Sink) (string, error) {
	return s.createChat(ctx, store.NewChat{ID: id, Title: title, Model: model, System: system}, reqID, sink)
}

func (s *Service) createChat(ctx context.Context, nc store.NewChat, reqID string, sink turns.Sink) (string, error) {
	if nc.Title == "" {
		nc.Title = view.DefaultTitle
	}
	c, err := s.st(nc.ID).CreateChat(ctx, nc)
	if err != nil {
		return "", fmt.Errorf("create chat: %w", err)
	}
	s.opts.Broadcast(protocol.Encode(protocol.ChatCreated(view.Chat(c, false))))
	if sink == nil {
		return c.ID, nil
	}
	zero := int64(0)
	return c.ID, s.opts.Turns.Attach(ctx, c.ID, &zero, sink, reqID)
}

// EnsureChat creates chat id when it does not exist yet (a connection's default
// chat is only created once something is sent to it).
func (s *Service) EnsureChat(ctx context.Context, id string) error {
	_, err := s.st(id).GetChat(ctx, id)
	if err == nil {
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("load chat %s: %w", id, err)
	}
	_, err = s.create(ctx, id, "", "", "", "", nil)
	return err
}

// ListChats pages chats, pinned first, then newest activity first; archived
// lists only the archived chats, which the default list leaves out. before is
// the opaque cursor returned as next_before.
func (s *Service) ListChats(ctx context.Context, limit int, before string, archived bool) ([]protocol.Chat, bool, string, error) {
	q := store.ListChats{Limit: limit, Archived: archived}
	if before != "" {
		var err error
		if q.Before, q.BeforeID, q.BeforePinned, err = parseChatCursor(before); err != nil {
			return nil, false, "", err
		}
	}
	var temp []store.Chat
	if before == "" && !archived && s.opts.Temp != nil {
		// Temporary chats are few and live only while followed: the
		// first page carries them, ahead of the rest, within the limit.
		var err error
		if temp, _, err = s.opts.Temp.ChatPage(ctx, store.ListChats{Limit: limit}); err != nil {
			return nil, false, "", fmt.Errorf("list temporary chats: %w", err)
		}
		if limit > 0 && len(temp) >= limit {
			// Only temporary chats fit: the next page starts at the top
			// of the kept ones (every chat sorts below this cursor).
			out := make([]protocol.Chat, limit)
			for i, c := range temp[:limit] {
				out[i] = s.chatJSON(c)
			}
			return out, true, topCursor, nil
		}
		if limit > 0 {
			q.Limit = limit - len(temp)
		}
	}
	chats, more, err := s.opts.Store.ChatPage(ctx, q)
	if err != nil {
		return nil, false, "", fmt.Errorf("list chats: %w", err)
	}
	chats = append(temp, chats...)
	out := make([]protocol.Chat, len(chats))
	for i, c := range chats {
		out[i] = s.chatJSON(c)
	}
	next := ""
	if more && len(chats) > 0 {
		next = chatCursor(chats[len(chats)-1])
	}
	return out, more, next, nil
}

// topCursor sorts above every chat (pinned, at the end of time): a page
// after it is the first page of the kept chats.
const topCursor = "p:9223372036854775807:~"

// pinnedCursor marks a cursor whose chat is pinned. A cursor without it is
// one of an unpinned chat, as every cursor was before chats could be pinned
// first, so those still page correctly.
const pinnedCursor = "p:"

// chatCursor is the position after c in the list: "[p:]<updated ms>:<id>".
func chatCursor(c store.Chat) string {
	pos := strconv.FormatInt(c.UpdatedAt.UnixMilli(), 10) + ":" + c.ID
	if c.Pinned {
		return pinnedCursor + pos
	}
	return pos
}

func parseChatCursor(before string) (*time.Time, string, bool, error) {
	rest, pinned := strings.CutPrefix(before, pinnedCursor)
	ms, id, ok := strings.Cut(rest, ":")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil {
		return nil, "", false, protocol.Refuse(protocol.ReasonInvalidField, "before is not a cursor returned by list_chats")
	}
	t := time.UnixMilli(n)
	return &t, id, pinned, nil
}

// UpdateChat changes metadata and tells everyone.
func (s *Service) UpdateChat(ctx context.Context, cmd protocol.UpdateChat) (protocol.Chat, error) {
	patch := store.ChatPatch{Title: cmd.Title, Model: cmd.Model, System: cmd.System, Pinned: cmd.Pinned,
		Archived: cmd.Archived, ToolsOff: cmd.ToolsOff, Agent: cmd.Agent}
	if err := s.settingsPatch(ctx, cmd, &patch); err != nil {
		return protocol.Chat{}, err
	}
	c, err := s.st(cmd.ChatID).UpdateChat(ctx, cmd.ChatID, patch)
	if errors.Is(err, store.ErrNotFound) {
		return protocol.Chat{}, protocol.Refuse(protocol.ReasonNotFound, "no chat %s", cmd.ChatID)
	}
	if err != nil {
		return protocol.Chat{}, fmt.Errorf("update chat %s: %w", cmd.ChatID, err)
	}
	pc := s.chatJSON(c)
	// The broadcast names no request: another client's req_ids are its own,
	// and one of them may equal ours. The caller's reply carries it.
	s.opts.Broadcast(protocol.Encode(protocol.ChatUpdated("", pc)))
	return pc, nil
}

// DeleteChat stops the chat's turn, deletes it with the media only it used,
// and tells everyone (with no req_id, as UpdateChat's broadcast).
func (s *Service) DeleteChat(ctx context.Context, chatID string) error {
	var freed []store.FreedMedia
	err := s.opts.Turns.CloseChat(ctx, chatID, func(ctx context.Context) error {
		var err error
		freed, err = s.st(chatID).DeleteChatMedia(ctx, chatID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("delete chat %s: %w", chatID, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The rows are gone, so nothing serves these files any more; one that
	// cannot be removed now is an orphan the start-up sweep takes.
	for _, m := range freed {
		if s.opts.Files == nil {
			break
		}
		if _, err := s.opts.Files.Remove(m.ID, m.StoredAt); err != nil {
			s.log.Warn("could not remove a deleted chat's media file", "chat", chatID, "media", m.ID, "err", err)
		}
	}
	s.opts.Broadcast(protocol.Encode(protocol.ChatDeleted("", chatID)))
	return nil
}

// Search runs a full-text search over every chat.
func (s *Service) Search(ctx context.Context, query string, limit int) ([]protocol.SearchHit, error) {
	hits, err := s.opts.Store.Search(ctx, query, limit)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := make([]protocol.SearchHit, len(hits))
	for i, h := range hits {
		parts := make([]protocol.SnippetPart, len(h.Parts))
		for j, p := range h.Parts {
			parts[j] = protocol.SnippetPart{Text: p.Text, Match: p.Match}
		}
		out[i] = protocol.SearchHit{ChatID: h.ChatID, ChatTitle: h.ChatTitle, MessageID: h.MessageID, Seq: h.Seq, Role: h.Role, Snippet: h.Snippet, SnippetParts: parts, OnPath: h.OnPath}
	}
	return out, nil
}

// Models asks the current provider for its models.
func (s *Service) Models(ctx context.Context) ([]protocol.Model, string, string, error) {
	p, _ := s.opts.Providers.Provider()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ms, err := p.Models(ctx)
	if err != nil {
		return nil, p.Name(), p.BaseURL(), providerRefusal(err)
	}
	out := make([]protocol.Model, len(ms))
	for i, m := range ms {
		out[i] = protocol.Model{ID: m.ID, Size: m.Size, Family: m.Family, ParameterSize: m.ParameterSize,
			Quantization: m.Quantization, ContextLength: m.ContextLength, Capabilities: m.Capabilities}
	}
	return out, p.Name(), p.BaseURL(), nil
}

// providerRefusal: a model server's failure knows its refusal (llm.Error);
// anything else from a provider is still the provider's error.
func providerRefusal(err error) error {
	if protocol.ReasonOf(err) != "" {
		return err
	}
	return protocol.RefuseCause(protocol.ReasonProviderError, err, "%s", err.Error())
}

// st is the store that keeps chatID: memory for a temporary chat.
func (s *Service) st(chatID string) *store.Store {
	if ids.IsTemporary(chatID) && s.opts.Temp != nil {
		return s.opts.Temp
	}
	return s.opts.Store
}
