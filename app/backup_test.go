package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/backend/client"
)

func (h *testHearth) backup(t *testing.T, dest string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"dest": dest})
	resp, err := client.UnixHTTP(h.Socket).Post("http://hearth/api/backup", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	_ = json.Unmarshal(b, &v)
	return resp.StatusCode, v
}

// A backup into the data directory would copy itself (into media/: forever);
// it is refused however the path is spelled, and nothing is created.
func TestBackupInsideTheDataDirIsRefused(t *testing.T) {
	h := startHearth(t)
	uploadOK(t, h, pngOf(t, 7))
	data := h.cfg.DataDir
	outside := t.TempDir()
	link := filepath.Join(outside, "to-data")
	if err := os.Symlink(data, link); err != nil {
		t.Fatal(err)
	}
	for name, dest := range map[string]string{
		"in media":             filepath.Join(data, "media", "backup"),
		"in the data dir":      filepath.Join(data, "backups", "today"),
		"the media dir itself": filepath.Join(data, "media"),
		"through ..":           outside + "/" + mustRel(t, outside, data) + "/media/b",
		"through a symlink":    filepath.Join(link, "media", "b"),
	} {
		t.Run(name, func(t *testing.T) {
			status, v := h.backup(t, dest)
			e, _ := v["error"].(map[string]any)
			if status != http.StatusBadRequest || e["reason"] != "invalid_field" || !strings.Contains(str(e, "detail"), "data directory") {
				t.Fatalf("backup to %s: %d %v; want 400 invalid_field naming the data directory", dest, status, v)
			}
		})
	}
	for _, p := range []string{filepath.Join(data, "media", "backup"), filepath.Join(data, "backups")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s was created: %v", p, err)
		}
	}
	// Next to the data dir is fine.
	if status, v := h.backup(t, filepath.Join(outside, "ok")); status != 200 {
		t.Fatalf("backup outside: %d %v", status, v)
	}
}

func mustRel(t *testing.T, from, to string) string {
	t.Helper()
	r, err := filepath.Rel(from, to)
	if err != nil || !strings.HasPrefix(r, "..") {
		t.Fatalf("rel %s %s: %q %v", from, to, r, err)
	}
	return r
}
