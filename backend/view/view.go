// Package view is how stored chats and messages look on the wire: the one
// conversion from store rows to protocol shapes, used by the turn engine, the
// chat service and export alike.
package view

import (
	"github.com/hearth-app/hearth/backend/ids"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// DefaultTitle names a chat until its first message names it.
const DefaultTitle = "New chat"

// MediaURL turns a media id into a URL an <img> or <video> tag can load.
type MediaURL func(id string) string

// Chat is a chat row as clients see it; running says a turn is streaming in it.
func Chat(c store.Chat, running bool) protocol.Chat {
	return protocol.Chat{
		ID: c.ID, Title: c.Title, Model: c.Model, System: c.System, Pinned: c.Pinned, Archived: c.Archived,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(), LastSeq: c.LastSeq,
		MessageCount: c.MessageCount, Running: running, Temporary: ids.IsTemporary(c.ID), LeafID: c.ActiveLeaf, Params: c.Params, Preset: c.Preset,
		ToolsOff: c.ToolsOff, Agent: c.Agent,
	}
}

// Usage is token usage as clients see it.
func Usage(u *store.Usage) *protocol.Usage {
	if u == nil {
		return nil
	}
	return &protocol.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
}

// Message is a message row as clients see it, its media as loadable URLs.
func Message(m store.Message, url MediaURL) protocol.Message {
	out := protocol.Message{
		ID: m.ID, ChatID: m.ChatID, Seq: m.Seq, EndSeq: m.EndSeq, TurnID: m.TurnID, Role: m.Role,
		Content: m.Content, Reasoning: m.Reasoning, Model: m.Model, Status: m.Status, Error: m.Error,
		Usage: Usage(m.Usage), LatencyMS: m.LatencyMS, Media: make([]protocol.Media, 0, len(m.Media)), CreatedAt: m.CreatedAt.UTC(),
		ParentID: m.ParentID, Siblings: m.Siblings, Queued: m.Waiting,
	}
	if out.Siblings.IDs == nil {
		// Rows not read for a client (no family looked up) are alone.
		out.Siblings = protocol.Siblings{Index: 0, Count: 1, IDs: []int64{m.ID}}
	}
	if m.ReasoningStartedAt != nil && m.ReasoningEndedAt != nil {
		out.ReasoningMS = m.ReasoningEndedAt.Sub(*m.ReasoningStartedAt).Milliseconds()
	}
	for _, md := range m.Media {
		out.Media = append(out.Media, protocol.Media{ID: md.ID, MIME: md.MIME, Size: md.Size, Name: md.Name, URL: url(md.ID)})
	}
	out.Tools = Tools(m.Events)
	return out
}
