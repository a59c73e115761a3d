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
// v2 carries the chat's tree: every message's parent and the active leaf, as
// indexes into messages.
const ExportFormat = "hearth.chat.v2"

// ExportFormatV1 is the format before chats had branches: the messages are
// one path, in order. Such files still import.
const ExportFormatV1 = "hearth.chat.v1"

// ExportDoc is one chat with everything needed to bring it back: messages of
// every branch, the model's reasoning, and attachments inline.
type ExportDoc struct {
	Format     string          `json:"format"`
	ExportedAt time.Time       `json:"exported_at"`
	Chat       ExportChat      `json:"chat"`
	Messages   []ExportMessage `json:"messages"`
}

// ExportChat is the chat of an export. Its place references are indexes into
// ExportDoc.Messages rather than message ids: they mean the same in the file
// whatever ids the messages get in the store they are imported into.
type ExportChat struct {
	protocol.Chat
	// ActiveLeaf is the index of the last message of the active path (null:
	// no messages).
	ActiveLeaf *int `json:"active_leaf"`
}

// ExportMessage is one message of an export. ID is the message's id where
// it was exported, for reference only; Parent is the index in
// ExportDoc.Messages of its parent (null: a first message), always below the
// message's own index.
type ExportMessage struct {
	ID          int64           `json:"id"`
	Parent      *int            `json:"parent"`
	Role        string          `json:"role"`
	Content     string          `json:"content"`
	Reasoning   string          `json:"reasoning,omitempty"`
	ReasoningMS int64           `json:"reasoning_ms,omitempty"`
	Model       string          `json:"model,omitempty"`
	Status      string          `json:"status"`
	Error       string          `json:"error,omitempty"`
	Usage       *protocol.Usage `json:"usage,omitempty"`
	LatencyMS   int64           `json:"latency_ms,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	Media       []ExportMedia   `json:"media,omitempty"`
	// Tools are an answer's tool calls in the order they were made.
	Tools []ExportToolCall `json:"tools,omitempty"`
}

// ExportMedia is an attachment with its bytes (base64 in JSON).
type ExportMedia struct {
	MIME string `json:"mime"`
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// Export reads a whole chat, every branch, in one snapshot. A running turn
// is exported as far as it got; questions still waiting for their turn come
// last, each answering the one before, after the active leaf (the order the
// model would see them in), and the last of them is the active leaf.
func (s *Service) Export(ctx context.Context, chatID string) (ExportDoc, error) {
	tree, err := s.st(chatID).ReadChatTree(ctx, chatID)
	if errors.Is(err, store.ErrNotFound) {
		return ExportDoc{}, protocol.Refuse(protocol.ReasonNotFound, "no chat %s", chatID)
	}
	if err != nil {
		return ExportDoc{}, fmt.Errorf("export %s: %w", chatID, err)
	}
	c, msgs := tree.Chat, tree.Messages
	waiting := make(map[int64]bool, tree.Waiting)
	for _, m := range msgs[len(msgs)-tree.Waiting:] {
		waiting[m.ID] = true
	}
	slices.SortStableFunc(msgs, func(a, b store.Message) int {
		return cmp.Compare(b2i(waiting[a.ID]), b2i(waiting[b.ID]))
	})
	parents, leaf := exportTree(msgs, waiting, c.ActiveLeaf)

	// The file refers to messages by index, never by id.
	pc := chatView(c)
	pc.LeafID = 0
	doc := ExportDoc{Format: ExportFormat, ExportedAt: time.Now().UTC(), Chat: ExportChat{Chat: pc}}
	if leaf >= 0 {
		doc.Chat.ActiveLeaf = &leaf
	}
	doc.Messages = make([]ExportMessage, 0, len(msgs))
	for i, m := range msgs {
		pm := view.Message(m, s.opts.MediaURL)
		em := ExportMessage{ID: m.ID, Role: m.Role, Content: m.Content, Reasoning: m.Reasoning,
			ReasoningMS: pm.ReasoningMS, Model: m.Model, Status: m.Status, Error: m.Error, Usage: pm.Usage,
			LatencyMS: m.LatencyMS, CreatedAt: pm.CreatedAt, Tools: exportTools(m.Events)}
		if p := parents[i]; p >= 0 {
			em.Parent = &p
		}
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

// exportTree turns parent ids into indexes of msgs (placed messages first,
// then the waiting ones) and finds the active leaf's index (-1: none). The
// waiting questions hang, in order, below the active leaf. A chat whose
// active leaf the store does not know (written before the engine kept it)
// reads as one path in seq order, as the v4 migration made of older chats.
func exportTree(msgs []store.Message, waiting map[int64]bool, activeLeaf int64) (parents []int, leaf int) {
	at := make(map[int64]int, len(msgs))
	placed := 0
	for i, m := range msgs {
		at[m.ID] = i
		if !waiting[m.ID] {
			placed++
		}
	}
	parents = make([]int, len(msgs))
	leaf, known := at[activeLeaf]
	if !known || leaf >= placed {
		leaf = placed - 1
	}
	for i, m := range msgs[:placed] {
		parents[i] = -1
		if !known {
			parents[i] = i - 1
		} else if m.ParentID != nil {
			if p, ok := at[*m.ParentID]; ok && p < i {
				parents[i] = p
			}
		}
	}
	for i := placed; i < len(msgs); i++ {
		parents[i] = leaf
		leaf = i
	}
	return parents, leaf
}

// chatView is view.Chat with the fields of a chat's tree and settings.
func chatView(c store.Chat) protocol.Chat {
	pc := view.Chat(c, false)
	pc.Archived, pc.Params, pc.Preset, pc.LeafID = c.Archived, c.Params, c.Preset, c.ActiveLeaf
	return pc
}

// importTree reads where the messages of doc go.
func importTree(doc ExportDoc) (store.ImportTree, error) {
	n := len(doc.Messages)
	if doc.Format == ExportFormatV1 {
		return store.LinearTree(n), nil
	}
	t := store.ImportTree{Parents: make([]int, n), ActiveLeaf: -1}
	for i, m := range doc.Messages {
		t.Parents[i] = -1
		if m.Parent != nil {
			if *m.Parent < 0 || *m.Parent >= i {
				return t, protocol.Refuse(protocol.ReasonInvalidField,
					"message %d: parent must be the index of an earlier message (0 to %d) or null, not %d", i, i-1, *m.Parent)
			}
			t.Parents[i] = *m.Parent
		}
	}
	switch l := doc.Chat.ActiveLeaf; {
	case l == nil && n > 0:
		return t, protocol.Refuse(protocol.ReasonMissingField, "chat.active_leaf: the index of the last message of the active path is missing")
	case l != nil && (*l < 0 || *l >= n):
		return t, protocol.Refuse(protocol.ReasonInvalidField, "chat.active_leaf must be the index of a message (0 to %d), not %d", n-1, *l)
	case l != nil:
		t.ActiveLeaf = *l
	}
	return t, nil
}

// Import stores an exported chat as a new chat (a fresh id if its id is taken)
// and announces it. Attachments go through the same checks as uploads.
func (s *Service) Import(ctx context.Context, doc ExportDoc) (protocol.Chat, error) {
	switch doc.Format {
	case ExportFormat, ExportFormatV1:
	case "":
		return protocol.Chat{}, protocol.Refuse(protocol.ReasonInvalidField, "not a Hearth chat export: it has no \"format\" (an export says %q)", ExportFormat)
	default:
		return protocol.Chat{}, protocol.Refuse(protocol.ReasonInvalidField, "not a Hearth chat export: its format is %q; Hearth reads %q and %q", doc.Format, ExportFormat, ExportFormatV1)
	}
	// Everything is checked before the first attachment is written.
	tree, err := importTree(doc)
	if err != nil {
		return protocol.Chat{}, err
	}
	if err := protocol.CheckParams(doc.Chat.Params); err != nil {
		return protocol.Chat{}, err
	}
	msgs := make([]store.Message, 0, len(doc.Messages))
	var blobs []ingest.Blob
	var owner []int // message index of each blob
	for i, m := range doc.Messages {
		if m.Role != protocol.RoleUser && m.Role != protocol.RoleAssistant && m.Role != protocol.RoleSystem {
			return protocol.Chat{}, protocol.Refuse(protocol.ReasonInvalidField, "message %d has role %q", i, m.Role)
		}
		switch m.Status {
		case "", protocol.StatusStreaming, protocol.StatusDone, protocol.StatusCancelled, protocol.StatusError, protocol.StatusInterrupted:
		default:
			return protocol.Chat{}, protocol.Refuse(protocol.ReasonInvalidField, "message %d has status %q", i, m.Status)
		}
		sm := store.Message{Role: m.Role, Content: m.Content, Reasoning: m.Reasoning,
			Model: m.Model, Status: m.Status, Error: m.Error, LatencyMS: m.LatencyMS, CreatedAt: m.CreatedAt}
		if m.Usage != nil {
			sm.Usage = &store.Usage{PromptTokens: m.Usage.PromptTokens, CompletionTokens: m.Usage.CompletionTokens, TotalTokens: m.Usage.TotalTokens}
		}
		if m.ReasoningMS > 0 && !m.CreatedAt.IsZero() {
			start, end := m.CreatedAt, m.CreatedAt.Add(time.Duration(m.ReasoningMS)*time.Millisecond)
			sm.ReasoningStartedAt, sm.ReasoningEndedAt = &start, &end
		}
		if sm.Events, err = importEvents(i, m); err != nil {
			return protocol.Chat{}, err
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
	in := store.Chat{ID: c.ID, Title: title, Model: c.Model, System: c.System, Pinned: c.Pinned, Archived: c.Archived,
		Params: c.Params, Preset: c.Preset, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	out, err := s.opts.Store.ImportChatTree(ctx, in, msgs, tree)
	if err != nil {
		return protocol.Chat{}, fmt.Errorf("import: %w", err)
	}
	pc := chatView(out)
	s.opts.Broadcast(protocol.Encode(protocol.ChatCreated(pc)))
	return pc, nil
}

// Markdown renders an export for reading: the active path, the conversation
// as the chat shows it, each tool call a line at its place in its answer.
func Markdown(doc ExportDoc) string {
	var b strings.Builder
	path := activePath(doc)
	fmt.Fprintf(&b, "# %s\n\n", doc.Chat.Title)
	fmt.Fprintf(&b, "_Exported from Hearth on %s._\n", doc.ExportedAt.Format("2006-01-02 15:04 MST"))
	if len(path) < len(doc.Messages) {
		fmt.Fprintf(&b, "\n_This chat has other branches (%d messages in all); this is the one it shows. Export it as JSON to keep them all._\n", len(doc.Messages))
	}
	if doc.Chat.System != "" {
		fmt.Fprintf(&b, "\n> **System:** %s\n", strings.ReplaceAll(doc.Chat.System, "\n", "\n> "))
	}
	for _, m := range path {
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
		if len(m.Tools) > 0 {
			writeAnswer(&b, m.Content, m.Tools)
		} else if m.Content != "" {
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

// activePath is the messages from a root down to the active leaf; all of
// them for a file without a tree.
func activePath(doc ExportDoc) []ExportMessage {
	leaf := doc.Chat.ActiveLeaf
	if doc.Format == ExportFormatV1 || leaf == nil {
		return doc.Messages
	}
	var path []ExportMessage
	// Parents come before their children, so the walk ends.
	for i := *leaf; i >= 0 && i < len(doc.Messages); {
		path = append(path, doc.Messages[i])
		p := doc.Messages[i].Parent
		if p == nil || *p >= i {
			break
		}
		i = *p
	}
	slices.Reverse(path)
	return path
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
