package turns

import (
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// turnInput is one message of the conversation sent to the model, before media
// bytes are loaded.
type turnInput struct {
	Role    string
	Content string
	Media   []store.MediaRef
}

// buildTranscript decides what the model sees for the turn answering trigger:
// every user message up to and including trigger, each followed by its own answer.
// Answers are matched to their question by parent id rather than by position, so
// messages queued during a turn never end up between a question and its answer.
// Failed answers and empty ones are left out; cancelled and interrupted answers
// keep what was said. Past reasoning is never sent back (see docs/providers.md).
func buildTranscript(system string, msgs []store.Message, trigger int64) []turnInput {
	var out []turnInput
	if system != "" {
		out = append(out, turnInput{Role: protocol.RoleSystem, Content: system})
	}
	answers := map[int64]store.Message{}
	for _, m := range msgs {
		if m.Role == protocol.RoleAssistant && m.ParentID != nil && m.Status != protocol.StatusError && m.Status != protocol.StatusStreaming && m.Content != "" {
			answers[*m.ParentID] = m
		}
	}
	var triggerSeq int64 = -1
	for _, m := range msgs {
		if m.ID == trigger {
			triggerSeq = m.Seq
		}
	}
	for _, m := range msgs {
		if m.Role != protocol.RoleUser || (triggerSeq >= 0 && m.Seq > triggerSeq) {
			continue
		}
		out = append(out, turnInput{Role: protocol.RoleUser, Content: m.Content, Media: m.Media})
		if m.ID == trigger {
			break
		}
		if a, ok := answers[m.ID]; ok {
			out = append(out, turnInput{Role: protocol.RoleAssistant, Content: a.Content})
		}
	}
	return out
}
