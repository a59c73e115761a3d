package instance

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestLockIsExclusiveAndReleased(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Acquire: got %v, want ErrLocked", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "hearth.lock")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("lock file left after Release: %v", err)
	}
	l2, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	_ = l2.Release()
}

// A process killed with SIGKILL must not leave the lock held.
func TestLockFreedWhenHolderIsKilled(t *testing.T) {
	if os.Getenv("HEARTH_LOCK_CHILD") != "" {
		if _, err := Acquire(os.Getenv("HEARTH_LOCK_CHILD")); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(time.Minute)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockFreedWhenHolderIsKilled$")
	cmd.Env = append(os.Environ(), "HEARTH_LOCK_CHILD="+dir)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf) != "locked\n" {
		t.Fatalf("child did not lock: %q %v", buf, err)
	}
	if _, err := Acquire(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("while child holds it: got %v, want ErrLocked", err)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatalf("after SIGKILL of holder: %v", err)
	}
	_ = l.Release()
}

func TestEndpointFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "endpoint.json")
	ep := Endpoint{Socket: "/x.sock", URL: "http://127.0.0.1:1/", Token: "t", PID: os.Getpid()}
	if err := WriteEndpoint(path, ep); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	got, err := ReadEndpoint(path)
	if err != nil || got != ep {
		t.Fatalf("read back %+v, %v", got, err)
	}
	// A file naming another process is left alone.
	other := ep
	other.PID = ep.PID + 1
	if err := WriteEndpoint(path, other); err != nil {
		t.Fatal(err)
	}
	if err := RemoveEndpoint(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("endpoint of another pid was removed: %v", err)
	}
	if err := WriteEndpoint(path, ep); err != nil {
		t.Fatal(err)
	}
	if err := RemoveEndpoint(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("own endpoint not removed: %v", err)
	}
}

// A lock taken on a file that its holder removed meanwhile is not a lock: the
// next Acquire must see the file that is there now.
func TestAcquireAfterHolderRemovedTheFile(t *testing.T) {
	dir := t.TempDir()
	a, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Simulate the race: someone opened the old file before it was removed.
	stale, err := os.Open(filepath.Join(dir, "hearth.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer stale.Close()
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	if samePath(stale, filepath.Join(dir, "hearth.lock")) {
		t.Fatal("a removed lock file still counts as the lock")
	}
	b, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Acquire after the race: %v", err)
	}
	_ = b.Release()
}
