package agent

import (
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// MediaURL turns a media id into a URL an <img> or <video> tag can load.
type MediaURL func(id string) string

func chatJSON(c store.Chat, running bool) protocol.Chat {
	return protocol.Chat{
		ID: c.ID, Title: c.Title, Model: c.Model, System: c.System, Pinned: c.Pinned,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(), LastSeq: c.LastSeq,
		MessageCount: c.MessageCount, Running: running,
	}
}

func usageJSON(u *store.Usage) *protocol.Usage {
	if u == nil {
		return nil
	}
	return &protocol.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
}

func messageJSON(m store.Message, url MediaURL) protocol.Message {
	out := protocol.Message{
		ID: m.ID, ChatID: m.ChatID, Seq: m.Seq, EndSeq: m.EndSeq, TurnID: m.TurnID, Role: m.Role,
		Content: m.Content, Reasoning: m.Reasoning, Model: m.Model, Status: m.Status, Error: m.Error,
		Usage: usageJSON(m.Usage), Media: make([]protocol.Media, 0, len(m.Media)), CreatedAt: m.CreatedAt.UTC(),
	}
	if m.ReasoningStartedAt != nil && m.ReasoningEndedAt != nil {
		out.ReasoningMS = m.ReasoningEndedAt.Sub(*m.ReasoningStartedAt).Milliseconds()
	}
	for _, md := range m.Media {
		out.Media = append(out.Media, protocol.Media{ID: md.ID, MIME: md.MIME, Size: md.Size, Name: md.Name, URL: url(md.ID)})
	}
	return out
}

// snapshotFrames is how a stored message replays on attach: a user message as
// user_message; a finished turn as its documented final snapshot (turn_start,
// reasoning_end with the whole reasoning, stream_end with the whole answer,
// turn_end), each with the seq it had when it was first sent.
func snapshotFrames(m store.Message, url MediaURL) []frame {
	msg := messageJSON(m, url)
	if m.Role != "assistant" {
		return []frame{{seq: m.Seq, data: encode(protocol.UserMessage(msg, "", false))}}
	}
	if m.Status == "streaming" {
		// Only the running turn streams, and it replays from memory.
		return nil
	}
	out := []frame{{seq: m.Seq, data: encode(protocol.TurnStart(m.ChatID, m.Seq, m.TurnID, m.Model, m.ID))}}
	if m.Reasoning != "" && m.ReasoningEndSeq > 0 {
		out = append(out, frame{seq: m.ReasoningEndSeq, data: encode(protocol.ReasoningEnd(m.ChatID, m.ReasoningEndSeq, m.TurnID, msg.ReasoningMS, m.Reasoning))})
	}
	if m.StreamEndSeq > 0 {
		out = append(out, frame{seq: m.StreamEndSeq, data: encode(protocol.StreamEnd(m.ChatID, m.StreamEndSeq, m.TurnID, m.Content))})
	}
	if m.EndSeq > m.Seq {
		out = append(out, frame{seq: m.EndSeq, data: encode(protocol.TurnEnd(m.ChatID, m.EndSeq, m.TurnID, m.Status, m.LatencyMS, usageJSON(m.Usage), m.Error))})
	}
	return out
}
