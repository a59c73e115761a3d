package chats

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hearth-app/hearth/backend/ingest"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
	"github.com/hearth-app/hearth/backend/view"
)

// ExportFormat names the JSON export format, so an import can tell it apart.
const ExportFormat = "hearth.chat.v1"

// ExportDoc is one chat with everything needed to bring it back: messages, the
// model's reasoning, and attachments inline.
type ExportDoc struct {
	Format     string          `json:"format"`
	ExportedAt time.Time       `json:"exported_at"`
	Chat       protocol.Chat   `json:"chat"`
	Messages   []ExportMessage `json:"messages"`
}

// ExportMessage is one message of an export.
type ExportMessage struct {
	ID          int64           `json:"id"`
	ParentID    *int64          `json:"parent_id,omitempty"`
	Role        string          `json:"role"`
	Content     string          `json:"content"`
	Reasoning   string          `json:"reasoning,omitempty"`
	ReasoningMS int64           `json:"reasoning_ms,omitempty"`
	Model       string          `json:"model,omitempty"`
	Status      string          `json:"status"`
	Error       string          `json:"error,omitempty"`
	Usage       *protocol.Usage `json:"usage,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	Media       []ExportMedia   `json:"media,omitempty"`
}

// ExportMedia is an attachment with its bytes (base64 in JSON).
type ExportMedia struct {
	MIME string `json:"mime"`
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// Export reads a whole chat. A running turn is exported as far as it got.
func (s *Service) Export(ctx context.Context, chatID string) (ExportDoc, error) {
	c, err := s.opts.Store.GetChat(ctx, chatID)
	if errors.Is(err, store.ErrNotFound) {
		return ExportDoc{}, protocol.Refuse(protocol.ReasonNotFound, "no chat %s", chatID)
	}
	if err != nil {
		return ExportDoc{}, fmt.Errorf("export %s: %w", chatID, err)
	}
	msgs, err := s.opts.Store.Transcript(ctx, chatID)
	if err != nil {
		return ExportDoc{}, fmt.Errorf("export %s: %w", chatID, err)
	}
	// In the order the model sees: questions still waiting for their turn
	// come last (see turns.InModelOrder).
	if queued := s.opts.Turns.QueuedIDs(chatID); len(queued) > 0 {
		slices.SortStableFunc(msgs, func(a, b store.Message) int {
			return cmp.Compare(b2i(queued[a.ID]), b2i(queued[b.ID]))
		})
	}
	doc := ExportDoc{Format: ExportFormat, ExportedAt: time.Now().UTC(), Chat: view.Chat(c, false)}
	for _, m := range msgs {
		pm := view.Message(m, s.opts.MediaURL)
		em := ExportMessage{ID: m.ID, ParentID: m.ParentID, Role: m.Role, Content: m.Content, Reasoning: m.Reasoning,
			ReasoningMS: pm.ReasoningMS, Model: m.Model, Status: m.Status, Error: m.Error, Usage: pm.Usage, CreatedAt: pm.CreatedAt}
		for _, md := range m.Media {
			data, err := s.opts.Files.ReadAll(md.ID)
			if err != nil {
				return ExportDoc{}, fmt.Errorf("export %s: attachment %s: %w", chatID, md.Name, err)
			}
			em.Media = append(em.Media, ExportMedia{MIME: md.MIME, Name: md.Name, Data: data})
		}
		doc.Messages = append(doc.Messages, em)
	}
	return doc, nil
}

// Import stores an exported chat as a new chat (a fresh id if its id is taken)
// and announces it. Attachments go through the same checks as uploads.
func (s *Service) Import(ctx context.Context, doc ExportDoc) (protocol.Chat, error) {
	if doc.Format != ExportFormat {
		return protocol.Chat{}, protocol.Refuse(protocol.ReasonInvalidField, "not a Hearth chat export (format %q, want %q)", doc.Format, ExportFormat)
	}
	msgs := make([]store.Message, 0, len(doc.Messages))
	var blobs []ingest.Blob
	var owner []int // message index of each blob
	for i, m := range doc.Messages {
		if m.Role != protocol.RoleUser && m.Role != protocol.RoleAssistant && m.Role != protocol.RoleSystem {
			return protocol.Chat{}, protocol.Refuse(protocol.ReasonInvalidField, "message %d has role %q", i, m.Role)
		}
		sm := store.Message{ID: m.ID, ParentID: m.ParentID, Role: m.Role, Content: m.Content, Reasoning: m.Reasoning,
			Model: m.Model, Status: m.Status, Error: m.Error, CreatedAt: m.CreatedAt}
		if m.Usage != nil {
			sm.Usage = &store.Usage{PromptTokens: m.Usage.PromptTokens, CompletionTokens: m.Usage.CompletionTokens, TotalTokens: m.Usage.TotalTokens}
		}
		if m.ReasoningMS > 0 && !m.CreatedAt.IsZero() {
			start, end := m.CreatedAt, m.CreatedAt.Add(time.Duration(m.ReasoningMS)*time.Millisecond)
			sm.ReasoningStartedAt, sm.ReasoningEndedAt = &start, &end
		}
		for j, md := range m.Media {
			blobs = append(blobs, ingest.Blob{Where: fmt.Sprintf("message %d: media[%d]", i, j), Name: md.Name, Data: md.Data})
			owner = append(owner, i)
		}
		msgs = append(msgs, sm)
	}
	// Every attachment of the whole export is checked before the first is
	// written, so a refused import leaves no file behind.
	refs, err := s.opts.Ingest.Blobs(ctx, blobs)
	if err != nil {
		return protocol.Chat{}, fmt.Errorf("import: %w", err)
	}
	for k, ref := range refs {
		msgs[owner[k]].Media = append(msgs[owner[k]].Media, ref)
	}
	c := doc.Chat
	title := strings.TrimSpace(c.Title)
	if title == "" {
		title = view.DefaultTitle
	}
	in := store.Chat{ID: c.ID, Title: title, Model: c.Model, System: c.System, Pinned: c.Pinned, CreatedAt: c.CreatedAt}
	out, err := s.opts.Store.ImportChat(ctx, in, msgs)
	if err != nil {
		return protocol.Chat{}, fmt.Errorf("import: %w", err)
	}
	pc := view.Chat(out, false)
	s.opts.Broadcast(protocol.Encode(protocol.ChatCreated(pc)))
	return pc, nil
}

// Markdown renders an export for reading.
func Markdown(doc ExportDoc) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", doc.Chat.Title)
	fmt.Fprintf(&b, "_Exported from Hearth on %s._\n", doc.ExportedAt.Format("2006-01-02 15:04 MST"))
	if doc.Chat.System != "" {
		fmt.Fprintf(&b, "\n> **System:** %s\n", strings.ReplaceAll(doc.Chat.System, "\n", "\n> "))
	}
	for _, m := range doc.Messages {
		who := "You"
		if m.Role == protocol.RoleAssistant {
			who = "Assistant"
			if m.Model != "" {
				who += " (" + m.Model + ")"
			}
		}
		fmt.Fprintf(&b, "\n## %s — %s\n\n", who, m.CreatedAt.Local().Format("2006-01-02 15:04"))
		if m.Reasoning != "" {
			fmt.Fprintf(&b, "<details><summary>Thought for %.0f s</summary>\n\n%s\n\n</details>\n\n", float64(m.ReasoningMS)/1000, m.Reasoning)
		}
		if m.Content != "" {
			b.WriteString(m.Content)
			b.WriteString("\n")
		}
		for _, md := range m.Media {
			fmt.Fprintf(&b, "\n_[attachment: %s, %s]_\n", md.Name, md.MIME)
		}
		if m.Status != protocol.StatusDone && m.Status != "" {
			fmt.Fprintf(&b, "\n_(%s%s)_\n", m.Status, errSuffix(m.Error))
		}
	}
	return b.String()
}

func errSuffix(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
