package app

import (
	"encoding/binary"
	"net/http"
	"strings"
	"testing"
)

// mp4Bytes builds a minimal ISO BMFF file: an ftyp box with the isom brand,
// then an mdat box.
func mp4Bytes() []byte {
	box := func(typ string, payload []byte) []byte {
		b := make([]byte, 8, 8+len(payload))
		binary.BigEndian.PutUint32(b, uint32(8+len(payload)))
		copy(b[4:], typ)
		return append(b, payload...)
	}
	ftyp := box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2avc1mp41"))
	return append(ftyp, box("mdat", []byte(strings.Repeat("frame", 400)))...)
}

func TestVideoIsStoredServedWithRangesAndAnnouncedToTheModel(t *testing.T) {
	h := startHearth(t)
	vid := mp4Bytes()
	status, up := upload(t, h, vid, "video/mp4", "clip.mp4")
	if status != 201 || up["mime"] != "video/mp4" {
		t.Fatalf("upload: %d %v", status, up)
	}
	resp, body := h.do(t, "GET", str(up, "url"), nil, map[string]string{"Range": "bytes=0-99"})
	if resp.StatusCode != http.StatusPartialContent || len(body) != 100 || string(body) != string(vid[:100]) {
		t.Fatalf("range request: %d, %d bytes", resp.StatusCode, len(body))
	}
	c := h.dial(t)
	chat := c.newChat()
	acc := c.request(map[string]any{"type": "message", "chat_id": chat, "content": "", "media": []any{map[string]any{"id": up["id"]}}})
	if acc["event"] != "message_accepted" {
		t.Fatalf("a message with only a video: %v", acc)
	}
	c.collectTurn()
	reqs := h.fake.Requests()
	last := reqs[len(reqs)-1].Messages
	if got := last[len(last)-1].Content; !strings.Contains(got, "clip.mp4") {
		t.Fatalf("the model was not told about the video: %q", got)
	}
	// A second video in one message is over the default limit.
	if ev := c.request(map[string]any{"type": "message", "chat_id": chat, "content": "two",
		"media": []any{map[string]any{"id": up["id"]}, map[string]any{"id": up["id"]}}}); ev["reason"] != "too_many_videos" {
		t.Fatalf("two videos: %v", ev)
	}
}
