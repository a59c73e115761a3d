package protocol

import (
	"encoding/json"
	"testing"
)

// ready carries the attachment limits under the names docs/protocol.md and the
// UI use, zeros included: a zero refuses that kind and must not vanish.
func TestReadyCarriesLimits(t *testing.T) {
	lim := Limits{MaxImages: 4, MaxImageBytes: 8 << 20, MaxVideos: 0, MaxVideoBytes: 20 << 20, MaxDocuments: 3, MaxDocumentBytes: 16 << 20}
	var got map[string]any
	if err := json.Unmarshal(Encode(Ready("k1", "c1", "0.4.0", lim)), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"max_images": 4.0, "max_image_bytes": 8388608.0, "max_videos": 0.0, "max_video_bytes": 20971520.0,
		"max_documents": 3.0, "max_document_bytes": 16777216.0}
	l, _ := got["limits"].(map[string]any)
	if len(l) != len(want) {
		t.Fatalf("limits = %v, want %v", got["limits"], want)
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("limits.%s = %v, want %v", k, l[k], v)
		}
	}
	if got["event"] != "ready" || got["client_id"] != "k1" || got["chat_id"] != "c1" || got["protocol"] != 1.0 || got["server"] != "0.4.0" {
		t.Errorf("ready = %v", got)
	}
}
