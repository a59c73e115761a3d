package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/llm/llmtest"
	"github.com/hearth-app/hearth/backend/media/mediatest"
)

func lastUserContent(t *testing.T, fake *llmtest.Server) []string {
	t.Helper()
	reqs := fake.Requests()
	if len(reqs) == 0 {
		t.Fatal("the model got no request")
	}
	var out []string
	for _, m := range reqs[len(reqs)-1].Messages {
		if m.Role == "user" {
			out = append(out, m.Content)
		}
	}
	return out
}

// A markdown file sent inline and a PDF uploaded over HTTP reach the model
// as delimited text ahead of the question, in every turn of the chat; the
// transcript keeps them as attachments with their names and sizes.
func TestDocumentsReachTheModelAsDelimitedText(t *testing.T) {
	h := startHearth(t)
	status, up := upload(t, h, mediatest.PDF("Revenue grew by 12% in the third quarter."), "", "report.pdf")
	if status != http.StatusCreated || up["mime"] != "application/pdf" || up["name"] != "report.pdf" {
		t.Fatalf("upload: %d %v", status, up)
	}
	c := h.dial(t)
	chat := c.newChat()
	notes := "# Notes\n\nThe hearth keeps the house warm.\n"
	acc := c.request(map[string]any{"type": "message", "chat_id": chat, "content": "Summarise both files.",
		"media": []any{
			map[string]any{"data_url": "data:text/markdown;base64," + b64([]byte(notes)), "name": "notes.md"},
			map[string]any{"id": up["id"]},
		}})
	if acc["event"] != "message_accepted" {
		t.Fatalf("message: %v", acc)
	}
	c.collectTurn()
	want := "<document name=\"notes.md\">\n# Notes\n\nThe hearth keeps the house warm.\n</document>\n\n" +
		"<document name=\"report.pdf\">\nRevenue grew by 12% in the third quarter.\n</document>\n\nSummarise both files."
	if got := lastUserContent(t, h.fake); len(got) != 1 || got[0] != want {
		t.Fatalf("the model read:\n%q\nwant\n%q", got, want)
	}

	// The next turn sends the same text again with the first question.
	c.request(map[string]any{"type": "message", "chat_id": chat, "content": "And the revenue?"})
	c.collectTurn()
	if got := lastUserContent(t, h.fake); len(got) != 2 || got[0] != want || got[1] != "And the revenue?" {
		t.Fatalf("second turn, the model read %q", got)
	}

	// History shows the documents as attachments, named, sized, downloadable.
	hist := c.request(map[string]any{"type": "history", "chat_id": chat})
	msgs, _ := hist["items"].([]any)
	var media []any
	for _, m := range msgs {
		if mm := m.(map[string]any); mm["role"] == "user" && len(media) == 0 {
			media, _ = mm["media"].([]any)
		}
	}
	if len(media) != 2 {
		t.Fatalf("history media: %v", hist)
	}
	md := media[0].(map[string]any)
	if md["name"] != "notes.md" || md["mime"] != "text/plain" || md["size"] != float64(len(notes)) {
		t.Errorf("notes as history shows it: %v", md)
	}
	resp, body := h.do(t, "GET", "/media/"+str(md, "id"), nil, map[string]string{"Authorization": "Bearer " + h.Token})
	if resp.StatusCode != 200 || string(body) != notes || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `attachment; filename=notes.md`) {
		t.Errorf("download: %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

// A PDF without a text layer is refused before anything is stored, over
// HTTP and inline, with a sentence that says why.
func TestADocumentWithoutTextIsRefused(t *testing.T) {
	h := startHearth(t)
	status, v := upload(t, h, mediatest.PDF(""), "", "scan.pdf")
	v, _ = v["error"].(map[string]any)
	if status != http.StatusUnprocessableEntity || v["reason"] != "no_text" || !strings.Contains(str(v, "detail"), "no text to read") {
		t.Fatalf("upload of a scan: %d %v", status, v)
	}
	c := h.dial(t)
	chat := c.newChat()
	res := c.request(map[string]any{"type": "message", "chat_id": chat, "content": "read this",
		"media": []any{map[string]any{"data_url": "data:application/pdf;base64," + b64(mediatest.EncryptedPDF()), "name": "locked.pdf"}}})
	if res["event"] != "error" || res["reason"] != "no_text" || !strings.Contains(str(res, "detail"), "password") {
		t.Fatalf("inline encrypted PDF: %v", res)
	}
	if n := len(h.fake.Requests()); n != 0 {
		t.Errorf("the model was asked %d times", n)
	}
}

// Past media.document_chars the text is cut, and the model is told how much
// it did not get.
func TestALongDocumentIsCutWithANote(t *testing.T) {
	fake := llmtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake)
	cfg.Media.MaxDocuments, cfg.Media.MaxDocumentBytes = 4, 1<<20
	cfg.DocumentChars = 50
	h := startWith(t, cfg, fake)
	c := h.dial(t)
	chat := c.newChat()
	long := strings.Repeat("ä", 40) + strings.Repeat("z", 80) // 120 characters, more bytes
	c.request(map[string]any{"type": "message", "chat_id": chat, "content": "what is this?",
		"media": []any{map[string]any{"data_url": "data:text/plain;base64," + b64([]byte(long)), "name": "long.txt"}}})
	c.collectTurn()
	got := lastUserContent(t, fake)[0]
	want := "<document name=\"long.txt\">\n" + strings.Repeat("ä", 40) + strings.Repeat("z", 10) + "\n</document>\n" +
		"[long.txt was cut: only its first 50 of 120 characters are included above.]\n\nwhat is this?"
	if got != want {
		t.Fatalf("the model read\n%q\nwant\n%q", got, want)
	}
}

// Export carries a document's bytes like an image's; the imported chat's
// model reads the same text.
func TestDocumentsSurviveExportAndImport(t *testing.T) {
	h := startHearth(t)
	c := h.dial(t)
	chat := c.newChat()
	pdf := mediatest.PDF("Exported words.")
	c.request(map[string]any{"type": "message", "chat_id": chat, "content": "keep this",
		"media": []any{map[string]any{"data_url": "data:application/pdf;base64," + b64(pdf), "name": "kept.pdf"}}})
	c.collectTurn()
	auth := map[string]string{"Authorization": "Bearer " + h.Token}
	resp, js := h.do(t, "GET", "/api/chats/"+chat+"/export?format=json", nil, auth)
	if resp.StatusCode != 200 {
		t.Fatalf("export: %d %s", resp.StatusCode, js)
	}
	resp, md := h.do(t, "GET", "/api/chats/"+chat+"/export?format=md", nil, auth)
	if resp.StatusCode != 200 || !strings.Contains(string(md), "kept.pdf") {
		t.Errorf("markdown export does not name the document: %s", md)
	}
	resp, out := h.do(t, "POST", "/api/import", bytes.NewReader(js), map[string]string{"Authorization": "Bearer " + h.Token, "Content-Type": "application/json"})
	if resp.StatusCode/100 != 2 {
		t.Fatalf("import: %d %s", resp.StatusCode, out)
	}
	var imp struct{ Chat struct{ ID string } }
	_ = json.Unmarshal(out, &imp)
	resp, js2 := h.do(t, "GET", "/api/chats/"+imp.Chat.ID+"/export?format=json", nil, auth)
	var doc struct {
		Messages []struct {
			Media []struct {
				MIME, Name string
				Data       []byte
			}
		}
	}
	if err := json.Unmarshal(js2, &doc); err != nil || resp.StatusCode != 200 || len(doc.Messages) == 0 || len(doc.Messages[0].Media) != 1 {
		t.Fatalf("imported chat: %d %s", resp.StatusCode, js2)
	}
	if m := doc.Messages[0].Media[0]; m.MIME != "application/pdf" || m.Name != "kept.pdf" || !bytes.Equal(m.Data, pdf) {
		t.Fatalf("imported document: %s %s %d bytes", m.MIME, m.Name, len(m.Data))
	}
	c.request(map[string]any{"type": "attach", "chat_id": imp.Chat.ID})
	c.request(map[string]any{"type": "message", "chat_id": imp.Chat.ID, "content": "still there?"})
	c.collectTurn()
	if got := lastUserContent(t, h.fake)[0]; !strings.Contains(got, "<document name=\"kept.pdf\">\nExported words.\n</document>") {
		t.Fatalf("after import the model read %q", got)
	}
}
