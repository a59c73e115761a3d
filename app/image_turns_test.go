package app

import (
	"fmt"
	"strings"
	"testing"
)

// Each turn sends the model the images of the last few user messages with
// images only (media.image_turns, 4 by default); older ones are named in
// their message's text instead of sent again.
func TestOnlyTheLastImageMessagesSendTheirImages(t *testing.T) {
	h := startHearth(t)
	c := h.dial(t)
	chat := c.newChat()
	for i := range 6 {
		acc := c.request(map[string]any{"type": "message", "chat_id": chat, "content": fmt.Sprint("picture ", i),
			"media": []any{map[string]any{"data_url": "data:image/png;base64," + b64(pngOf(t, i)), "name": fmt.Sprintf("p%d.png", i)}}})
		if acc["event"] != "message_accepted" {
			t.Fatalf("message %d: %v", i, acc)
		}
		c.collectTurn()
	}
	reqs := h.fake.Requests()
	last := reqs[len(reqs)-1].Messages
	var withImages []string
	for _, m := range last {
		if m.Role != "user" {
			continue
		}
		if len(m.Images) > 0 {
			withImages = append(withImages, strings.SplitN(m.Content, "\n", 2)[0])
		} else if !strings.Contains(m.Content, "was shown earlier in this chat") {
			t.Errorf("older picture message %q does not say its image was shown before", m.Content)
		}
	}
	if got := strings.Join(withImages, ","); got != "picture 2,picture 3,picture 4,picture 5" {
		t.Fatalf("messages sent with their images: %s", got)
	}
}
