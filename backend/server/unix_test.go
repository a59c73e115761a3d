package server

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shortDir is a temp dir whose paths fit the unix socket limit (t.TempDir()
// can be too long), with the given mode.
func shortDir(t *testing.T, mode os.FileMode) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "hs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

func mustListenUnix(t *testing.T, path string) net.Listener {
	t.Helper()
	l, err := listenUnix(path)
	if err != nil {
		t.Fatalf("listenUnix(%s): %v", path, err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// `hearth serve --socket ~/notes.txt` must not cost the user their notes: only
// a socket of ours is ever removed.
func TestListenUnixNeverRemovesWhatIsNotItsSocket(t *testing.T) {
	dir := shortDir(t, 0o700)
	file := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(file, []byte("my notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "adir")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "alink")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, what string }{
		{file, "regular file"},
		{sub, "directory"},
		{link, "symbolic link"},
	} {
		t.Run(c.what, func(t *testing.T) {
			l, err := listenUnix(c.path)
			if err == nil {
				_ = l.Close()
				t.Fatal("listened on a path that is not a socket")
			}
			if msg := err.Error(); !strings.Contains(msg, c.path) || !strings.Contains(msg, c.what) || !strings.Contains(msg, "not a socket") {
				t.Errorf("error %q should name the path and say it is a %s, not a socket", msg, c.what)
			}
			if _, err := os.Lstat(c.path); err != nil {
				t.Fatalf("%s was removed: %v", c.path, err)
			}
		})
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "my notes" {
		t.Fatalf("notes: %q %v", b, err)
	}
}

func TestListenUnixReplacesOnlyADeadSocket(t *testing.T) {
	dir := shortDir(t, 0o700)
	path := filepath.Join(dir, "h.sock")
	// A live one is left alone.
	live := mustListenUnix(t, path)
	if l, err := listenUnix(path); !errors.Is(err, ErrSocketInUse) {
		if l != nil {
			_ = l.Close()
		}
		t.Fatalf("second listen on a live socket: %v, want ErrSocketInUse", err)
	}
	// A dead one (its process gone, the file left behind) is replaced.
	_ = live.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("test setup: the dead socket file should remain: %v", err)
	}
	l := mustListenUnix(t, path)
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new socket: %v %v", fi.Mode(), err)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	_ = l
}

// Another user's socket is not ours to remove, dead or not.
func TestListenUnixLeavesAnotherUsersSocket(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to give a socket to another uid")
	}
	dir := shortDir(t, 0o755)
	path := filepath.Join(dir, "h.sock")
	l := mustListenUnix(t, path)
	_ = l.Close()
	if err := os.Lchown(path, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	if l, err := listenUnix(path); err == nil {
		_ = l.Close()
		t.Fatal("replaced another user's socket")
	} else if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "4242") {
		t.Fatalf("error %q should name the path and its owner", err)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != os.ModeSocket {
		t.Fatalf("socket removed: %v", err)
	}
}

// `--socket ~/hearth.sock` must not chmod the home directory.
func TestListenUnixLeavesAnExistingDirectoryAsItIs(t *testing.T) {
	dir := shortDir(t, 0o755)
	path := filepath.Join(dir, "hearth.sock")
	mustListenUnix(t, path)
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("existing directory mode %v (%v), want it left at 0755", fi.Mode().Perm(), err)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v %v, want 0600", fi.Mode().Perm(), err)
	}
	if w := SocketDirWarning(path); !strings.Contains(w, dir) || !strings.Contains(w, "0600") {
		t.Errorf("warning for a directory others can read: %q", w)
	}
}

func TestListenUnixCreatesAPrivateDirectory(t *testing.T) {
	base := shortDir(t, 0o755)
	dir := filepath.Join(base, "a", "run")
	path := filepath.Join(dir, "h.sock")
	mustListenUnix(t, path)
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("created directory %s: mode %v %v, want 0700", d, fi.Mode().Perm(), err)
		}
	}
	if fi, _ := os.Stat(base); fi.Mode().Perm() != 0o755 {
		t.Errorf("existing parent changed to %v", fi.Mode().Perm())
	}
	if w := SocketDirWarning(path); w != "" {
		t.Errorf("warning for a private directory: %q", w)
	}
}

// A directory others can write to without the sticky bit lets them replace
// the socket with their own: refused. With the sticky bit (like /tmp) they
// cannot, so it is fine.
func TestListenUnixRefusesADirectoryOthersCanWrite(t *testing.T) {
	open := shortDir(t, 0o777)
	path := filepath.Join(open, "h.sock")
	if l, err := listenUnix(path); err == nil {
		_ = l.Close()
		t.Fatal("listened in a world-writable directory")
	} else if !strings.Contains(err.Error(), open) || !strings.Contains(err.Error(), "writable") {
		t.Fatalf("error %q should name the directory and say others can write to it", err)
	}
	if fi, _ := os.Stat(open); fi.Mode().Perm() != 0o777 {
		t.Errorf("refused directory was changed to %v", fi.Mode().Perm())
	}
	sticky := shortDir(t, 0o777|os.ModeSticky)
	mustListenUnix(t, filepath.Join(sticky, "h.sock"))
	if fi, _ := os.Stat(sticky); fi.Mode()&os.ModeSticky == 0 || fi.Mode().Perm() != 0o777 {
		t.Errorf("sticky directory changed to %v", fi.Mode())
	}
}
