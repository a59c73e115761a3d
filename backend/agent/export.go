package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
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
func (e *Engine) Export(ctx context.Context, chatID string) (ExportDoc, error) {
	c, err := e.opts.Store.GetChat(ctx, chatID)
	if errors.Is(err, store.ErrNotFound) {
		return ExportDoc{}, refuse(protocol.ReasonNotFound, "no chat %s", chatID)
	}
	if err != nil {
		return ExportDoc{}, fmt.Errorf("export %s: %w", chatID, err)
	}
	msgs, err := e.opts.Store.Transcript(ctx, chatID)
	if err != nil {
		return ExportDoc{}, fmt.Errorf("export %s: %w", chatID, err)
	}
	doc := ExportDoc{Format: ExportFormat, ExportedAt: time.Now().UTC(), Chat: chatJSON(c, false)}
	for _, m := range msgs {
		pm := messageJSON(m, e.opts.MediaURL)
		em := ExportMessage{ID: m.ID, ParentID: m.ParentID, Role: m.Role, Content: m.Content, Reasoning: m.Reasoning,
			ReasoningMS: pm.ReasoningMS, Model: m.Model, Status: m.Status, Error: m.Error, Usage: pm.Usage, CreatedAt: pm.CreatedAt}
		for _, md := range m.Media {
			data, err := e.readMedia(md.ID)
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
func (e *Engine) Import(ctx context.Context, doc ExportDoc) (protocol.Chat, error) {
	if doc.Format != ExportFormat {
		return protocol.Chat{}, refuse(protocol.ReasonInvalidField, "not a Hearth chat export (format %q, want %q)", doc.Format, ExportFormat)
	}
	msgs := make([]store.Message, 0, len(doc.Messages))
	for i, m := range doc.Messages {
		if m.Role != "user" && m.Role != "assistant" && m.Role != "system" {
			return protocol.Chat{}, refuse(protocol.ReasonInvalidField, "message %d has role %q", i, m.Role)
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
			if e.opts.Files == nil {
				return protocol.Chat{}, refuse(protocol.ReasonInvalidMedia, "media is not enabled on this server")
			}
			info, err := e.opts.Files.Put(ctx, bytes.NewReader(md.Data), md.Name, e.opts.Limits)
			if err != nil {
				return protocol.Chat{}, mediaRefusal(j, fmt.Errorf("message %d: %w", i, err))
			}
			ref := store.MediaRef{ID: info.ID, MIME: info.MIME, Name: info.Name, Size: info.Size}
			if err := e.opts.Store.PutMedia(ctx, ref); err != nil {
				return protocol.Chat{}, fmt.Errorf("import: %w", err)
			}
			sm.Media = append(sm.Media, ref)
		}
		msgs = append(msgs, sm)
	}
	c := doc.Chat
	title := strings.TrimSpace(c.Title)
	if title == "" {
		title = DefaultTitle
	}
	in := store.Chat{ID: c.ID, Title: title, Model: c.Model, System: c.System, Pinned: c.Pinned, CreatedAt: c.CreatedAt}
	out, err := e.opts.Store.ImportChat(ctx, in, msgs)
	if err != nil {
		return protocol.Chat{}, fmt.Errorf("import: %w", err)
	}
	pc := chatJSON(out, false)
	e.opts.Broadcast(encode(protocol.ChatCreated(pc)))
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
		if m.Role == "assistant" {
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
		if m.Status != "done" && m.Status != "" {
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

// Backup writes a consistent copy of the database and the media files into
// dest, a directory that must not exist yet (or be empty), while Hearth runs.
func (e *Engine) Backup(ctx context.Context, dest string) (files int, err error) {
	if !filepath.IsAbs(dest) {
		return 0, refuse(protocol.ReasonInvalidField, "backup destination must be an absolute path")
	}
	if err := e.checkBackupDest(dest); err != nil {
		return 0, err
	}
	if entries, err := os.ReadDir(dest); err == nil && len(entries) > 0 {
		return 0, refuse(protocol.ReasonInvalidField, "%s exists and is not empty; give a new directory", dest)
	}
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err := e.opts.Store.Backup(ctx, filepath.Join(dest, "hearth.db")); err != nil {
		return 0, fmt.Errorf("backup database: %w", err)
	}
	if e.opts.Files == nil {
		return 0, nil
	}
	src := e.opts.Files.Dir()
	err = filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || ctx.Err() != nil {
			return errors.Join(err, ctx.Err())
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dest, "media", rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o700)
		}
		if strings.HasPrefix(d.Name(), ".") {
			return nil // unfinished uploads
		}
		files++
		// Media files are content-addressed and never change: a hard link is a
		// safe, instant copy; fall back to copying across filesystems.
		if os.Link(path, to) == nil {
			return nil
		}
		return copyFile(path, to)
	})
	if err != nil {
		return files, fmt.Errorf("backup media: %w", err)
	}
	return files, nil
}

// checkBackupDest refuses a destination inside the data directory: the copy
// would be copied into itself (inside media/, without end). Symbolic links and
// ".." are resolved as the kernel will when the directory is created.
func (e *Engine) checkBackupDest(dest string) error {
	where := resolvePath(dest)
	dirs := []string{filepath.Dir(e.opts.Store.Path())}
	if e.opts.Files != nil {
		dirs = append(dirs, e.opts.Files.Dir())
	}
	for _, d := range dirs {
		if within(where, resolvePath(d)) {
			return refuse(protocol.ReasonInvalidField, "%s is inside Hearth's data directory %s, so the backup would copy itself: choose a directory outside it",
				dest, filepath.Dir(e.opts.Store.Path()))
		}
	}
	return nil
}

// resolvePath resolves the symbolic links of the longest part of p that
// exists; the rest, still to be created, is taken as written.
func resolvePath(p string) string {
	parts := strings.Split(p, string(filepath.Separator))
	for i := len(parts); i > 0; i-- {
		prefix := strings.Join(parts[:i], string(filepath.Separator))
		if prefix == "" {
			prefix = string(filepath.Separator)
		}
		if r, err := filepath.EvalSymlinks(prefix); err == nil {
			return filepath.Join(append([]string{r}, parts[i:]...)...)
		}
	}
	return filepath.Clean(p)
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
