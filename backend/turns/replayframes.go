package turns

import (
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/view"
)

// snapshotFrames is how a stored message replays on attach: a user message as
// user_message; a finished turn as its documented final snapshot (turn_start,
// reasoning_end with the whole reasoning, stream_end with the whole answer,
// turn_end), each with the seq it had when it was first sent.
// A question still waiting for its turn is marked queued (view.Message).
func snapshotFrames(m store.Message, url view.MediaURL) []frame {
	msg := view.Message(m, url)
	if m.Role != protocol.RoleAssistant {
		return []frame{{seq: m.Seq, data: encode(protocol.UserMessage(msg, "", msg.Queued))}}
	}
	if m.Status == protocol.StatusStreaming {
		// Only the running turn streams, and it replays from memory.
		return nil
	}
	out := []frame{{seq: m.Seq, data: encode(protocol.Placed(protocol.TurnStart(m.ChatID, m.Seq, m.TurnID, m.Model, m.ID), m.ParentID, m.Siblings))}}
	if m.Reasoning != "" && m.ReasoningEndSeq > 0 {
		out = append(out, frame{seq: m.ReasoningEndSeq, data: encode(protocol.ReasoningEnd(m.ChatID, m.ReasoningEndSeq, m.TurnID, msg.ReasoningMS, m.Reasoning))})
	}
	for _, ev := range m.Events {
		out = append(out, frame{seq: ev.Seq, data: ev.Data})
	}
	if m.StreamEndSeq > 0 {
		out = append(out, frame{seq: m.StreamEndSeq, data: encode(protocol.StreamEnd(m.ChatID, m.StreamEndSeq, m.TurnID, m.Content))})
	}
	if m.EndSeq > m.Seq {
		out = append(out, frame{seq: m.EndSeq, data: encode(protocol.TurnEnd(m.ChatID, m.EndSeq, m.TurnID, m.Status, m.LatencyMS, view.Usage(m.Usage), m.Error))})
	}
	return out
}
