package app

import (
	"bytes"
	"database/sql"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-app/hearth/app/assembly"
)

// pngOf is a distinct small PNG per n, so each upload has its own media id.
func pngOf(t *testing.T, n int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(n%4, n/4%4, color.RGBA{G: uint8(n), A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (h *testHearth) mediaFile(id string) string {
	return filepath.Join(h.cfg.MediaDir(), id[:2], id[2:])
}

func (h *testHearth) mediaStatus(t *testing.T, id string) int {
	t.Helper()
	resp, _ := h.do(t, "GET", "/media/"+id, nil, map[string]string{"Authorization": "Bearer " + h.Token})
	return resp.StatusCode
}

func uploadOK(t *testing.T, h *testHearth, body []byte) map[string]any {
	t.Helper()
	status, up := upload(t, h, body, "image/png", "")
	if status != 201 {
		t.Fatalf("upload: %d %v", status, up)
	}
	return up
}

// Deleting a chat deletes what only it used: neither the id with the token nor
// the signed URL it handed out reads the picture afterwards, and the file is
// gone. A picture another chat still shows stays.
func TestDeleteChatRemovesMediaOnlyItUsed(t *testing.T) {
	h := startHearth(t)
	own := uploadOK(t, h, pngOf(t, 1))
	shared := uploadOK(t, h, pngOf(t, 2))
	c := h.dial(t)
	gone, keep := c.newChat(), c.newChat()
	for _, m := range []struct {
		chat  string
		media []any
	}{
		{gone, []any{map[string]any{"id": own["id"]}, map[string]any{"id": shared["id"]}}},
		{keep, []any{map[string]any{"id": shared["id"]}}},
	} {
		if ev := c.request(map[string]any{"type": "message", "chat_id": m.chat, "content": "look", "media": m.media}); ev["event"] != "message_accepted" {
			t.Fatalf("message: %v", ev)
		}
		c.collectTurn()
	}
	ownID, sharedID := str(own, "id"), str(shared, "id")
	if _, err := os.Stat(h.mediaFile(ownID)); err != nil {
		t.Fatalf("upload not where expected: %v", err)
	}

	if ev := c.request(map[string]any{"type": "delete_chat", "chat_id": gone}); ev["event"] != "chat_deleted" {
		t.Fatalf("delete: %v", ev)
	}
	if st := h.mediaStatus(t, ownID); st != 404 {
		t.Errorf("GET /media/ID of a deleted chat's picture: %d, want 404", st)
	}
	if resp, _ := h.do(t, "GET", str(own, "url"), nil, nil); resp.StatusCode != 404 {
		t.Errorf("signed URL of a deleted chat's picture: %d, want 404", resp.StatusCode)
	}
	if _, err := os.Stat(h.mediaFile(ownID)); !os.IsNotExist(err) {
		t.Errorf("file of a deleted chat's picture: %v, want it gone", err)
	}
	if st := h.mediaStatus(t, sharedID); st != 200 {
		t.Errorf("picture another chat shows: %d, want 200", st)
	}
	if resp, _ := h.do(t, "GET", str(shared, "url"), nil, nil); resp.StatusCode != 200 {
		t.Errorf("signed URL of a picture another chat shows: %d", resp.StatusCode)
	}

	// Deleting the last chat that shows it removes it too.
	if ev := c.request(map[string]any{"type": "delete_chat", "chat_id": keep}); ev["event"] != "chat_deleted" {
		t.Fatalf("delete: %v", ev)
	}
	if _, err := os.Stat(h.mediaFile(sharedID)); !os.IsNotExist(err) {
		t.Errorf("file of the last chat's picture: %v, want it gone", err)
	}
}

// At start-up, uploads never sent and files no row points at go once they are
// older than the grace period; younger ones wait, since a message may still be
// about to use them.
func TestStartupSweepRemovesOldOrphansOnly(t *testing.T) {
	fake := llmtestNew(t)
	cfg := testConfig(t, fake)
	h := startWith(t, cfg, fake)
	oldUpload := str(uploadOK(t, h, pngOf(t, 3)), "id")
	newUpload := str(uploadOK(t, h, pngOf(t, 4)), "id")
	sent := uploadOK(t, h, pngOf(t, 5))
	c := h.dial(t)
	chat := c.newChat()
	c.request(map[string]any{"type": "message", "chat_id": chat, "content": "x", "media": []any{map[string]any{"id": sent["id"]}}})
	c.collectTurn()
	h.stop(t)

	longAgo := time.Now().Add(-assembly.MediaGrace - time.Hour)
	db, err := sql.Open("sqlite", cfg.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE media SET stored_at = ? WHERE id IN (?, ?)`, longAgo.UnixMilli(), oldUpload, str(sent, "id")); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	// Files no row knows: one left long ago (say, a crash between deleting a
	// chat and its files), one just written (an upload about to be recorded).
	oldStray, newStray := filepath.Join(cfg.MediaDir(), "ab", stringOf('b', 62)), filepath.Join(cfg.MediaDir(), "cd", stringOf('e', 62))
	for _, p := range []string{oldStray, newStray} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("stray"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{oldStray, h.mediaFile(oldUpload), h.mediaFile(str(sent, "id"))} {
		if err := os.Chtimes(p, longAgo, longAgo); err != nil {
			t.Fatal(err)
		}
	}

	h2 := startWith(t, cfg, fake)
	if st := h2.mediaStatus(t, oldUpload); st != 404 {
		t.Errorf("old unsent upload: %d, want 404", st)
	}
	for _, p := range []string{h2.mediaFile(oldUpload), oldStray} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s: %v, want it removed", p, err)
		}
	}
	for _, id := range []string{newUpload, str(sent, "id")} {
		if st := h2.mediaStatus(t, id); st != 200 {
			t.Errorf("media %s: %d, want 200", id, st)
		}
	}
	if _, err := os.Stat(newStray); err != nil {
		t.Errorf("a file younger than the grace period was removed: %v", err)
	}
}

func stringOf(c byte, n int) string { return string(bytes.Repeat([]byte{c}, n)) }
