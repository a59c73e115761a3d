package turns

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/view"
)

// TitleOptions configures automatic titles: after a chat's first exchange
// ends well, a separate small request to the same model names the chat.
type TitleOptions struct {
	Enabled bool
	// Timeout bounds the title request (default 60s): a slow model server
	// keeps the first-words title rather than holding a goroutine forever.
	Timeout time.Duration
}

const (
	defaultTitleTimeout = 60 * time.Second
	// titleInputChars is how much of the question and of the answer the
	// title request quotes: enough for the gist, small enough to be quick.
	titleInputChars = 2000
	// maxTitleRunes caps a title (as titleFrom caps the fallback), and
	// maxTitleReply the reply read: a model that rambles is cut off early.
	maxTitleRunes = 60
	maxTitleReply = 1000
)

const titleInstruction = `You name chat conversations. Reply with a title of two to six words that says what the conversation below is about. Write the title in the language of the user's message. Reply with the title only: no quotes, no markdown, no final full stop, no explanation.`

// titleRequest is the request that asks model for a title of the exchange.
func titleRequest(model, question, answer string) llm.Request {
	var b strings.Builder
	b.WriteString("User's message:\n")
	b.WriteString(clip(question, titleInputChars))
	b.WriteString("\n\nAssistant's answer:\n")
	b.WriteString(clip(answer, titleInputChars))
	b.WriteString("\n\nTitle of this conversation, in the language of the user's message:")
	return llm.Request{Model: model, Messages: []llm.Message{
		{Role: "system", Content: titleInstruction},
		{Role: "user", Content: b.String()},
	}}
}

// clip keeps the first n runes of s.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

var (
	thinkBlock = regexp.MustCompile(`(?is)<think>.*?(</think>|$)`)
	// A label the model put before its title, in the languages models most
	// often answer in: "Title:", "**Titel**:", "Título -".
	titleLabel = regexp.MustCompile(`(?i)^(chat |conversation )?(title|titel|título|titulo|titre|titolo|tytuł|заголовок|название|标题|標題|タイトル|제목)\s*[:：\-–]\s*`)
)

// cleanTitle makes a model's reply a title: its first line with what models
// wrap titles in (reasoning tags, markdown, a "Title:" label, quotes, a final
// full stop) taken off, whitespace collapsed, cut near maxTitleRunes. It is
// empty when nothing usable is left.
func cleanTitle(raw string) string {
	s := thinkBlock.ReplaceAllString(raw, "")
	line := ""
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			line = l
			break
		}
	}
	for range 3 { // markup may nest: **"Title: x"**
		prev := line
		line = strings.TrimLeft(line, "#>*_`~- \t")
		line = strings.TrimRight(line, "*_`~.。: \t")
		line = titleLabel.ReplaceAllString(line, "")
		line = strings.TrimSpace(strings.TrimLeft(line, "*_` "))
		line = trimQuotes(line)
		if line == prev {
			break
		}
	}
	line = strings.TrimRight(line, ".。: ")
	line = strings.Join(strings.Fields(line), " ")
	if !strings.ContainsFunc(line, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return ""
	}
	return capTitle(line)
}

// capTitle cuts a title longer than maxTitleRunes at a word boundary.
func capTitle(s string) string {
	if utf8.RuneCountInString(s) <= maxTitleRunes {
		return s
	}
	cut := string([]rune(s)[:maxTitleRunes])
	if i := strings.LastIndexByte(cut, ' '); i > maxTitleRunes/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:-–") + "…"
}

var quotePairs = map[rune]rune{'"': '"', '\'': '\'', '“': '”', '„': '“', '«': '»', '»': '«', '‘': '’', '「': '」', '『': '』', '`': '`'}

// trimQuotes takes off quotes around s, and a lone opening or closing one.
func trimQuotes(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if closing, ok := quotePairs[r]; ok {
		s = s[n:]
		if l, m := utf8.DecodeLastRuneInString(s); l == closing {
			s = s[:len(s)-m]
		}
		return strings.TrimSpace(s)
	}
	if l, m := utf8.DecodeLastRuneInString(s); strings.ContainsRune(`"”»’」』`, l) {
		s = s[:len(s)-m]
	}
	return strings.TrimSpace(s)
}

// afterTurn starts naming the chat when this turn was its first exchange
// and ended well. It never waits: the title is a request of its own, in the
// background, and the answer is already complete.
func (e *Engine) afterTurn(t *turn, status string) {
	if !e.opts.Titles.Enabled || status != protocol.StatusDone || t.userMsgID == 0 || t.msgID == 0 {
		return
	}
	if !e.enter() { // shutting down
		return
	}
	chatID, model, question, answer := t.chatID, t.resolvedModel, t.userMsgID, t.msgID
	go func() {
		defer e.wg.Done()
		timeout := e.opts.Titles.Timeout
		if timeout <= 0 {
			timeout = defaultTitleTimeout
		}
		// Bound by the engine's life too: shutdown does not wait for a title.
		ctx, cancel := context.WithTimeout(e.ctx, timeout)
		defer cancel()
		if err := e.autoTitle(ctx, chatID, model, question, answer); err != nil {
			e.log.Info("no title from the model; the chat keeps its first words", "chat", chatID, "err", err)
		}
	}()
}

// autoTitle asks the model for a title and sets it when the chat still has
// its automatic one: a rename by the user, before or while the model
// answers, always wins.
func (e *Engine) autoTitle(ctx context.Context, chatID, model string, questionID, answerID int64) error {
	q, err := e.st(chatID).GetMessage(ctx, questionID)
	if err != nil {
		return err
	}
	// Only the first question of a chat (a root of its tree) names it.
	if q.ParentID != nil || q.Role != "user" {
		return nil
	}
	a, err := e.st(chatID).GetMessage(ctx, answerID)
	if err != nil {
		return err
	}
	c, err := e.st(chatID).GetChat(ctx, chatID)
	if err != nil {
		return err
	}
	fallback := titleFrom(q.Content)
	if c.Title != view.DefaultTitle && c.Title != "" && c.Title != fallback {
		return nil // named by the user
	}
	prov, _ := e.opts.Providers.Provider()
	var reply strings.Builder
	err = prov.Stream(ctx, titleRequest(model, q.Content, a.Content), func(ev llm.Event) error {
		if ev.Kind == llm.EventContent {
			reply.WriteString(ev.Text)
			if reply.Len() > maxTitleReply {
				return errLongTitle
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errLongTitle) {
		return err
	}
	title := cleanTitle(reply.String())
	if title == "" || title == c.Title {
		return nil
	}
	nc, changed, err := e.st(chatID).ReplaceTitle(ctx, chatID, c.Title, title)
	if err != nil || !changed {
		return err
	}
	e.opts.Broadcast(encode(protocol.ChatUpdated("", e.ChatView(nc))))
	return nil
}

// errLongTitle stops reading a reply that is too long to be a title; what
// came so far still gives one.
var errLongTitle = errors.New("title reply too long")
