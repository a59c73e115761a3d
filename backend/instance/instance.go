// Package instance keeps one Hearth per data directory and tells clients where
// the running one listens.
package instance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrLocked means another live process holds the data directory.
var ErrLocked = errors.New("another Hearth is running on this data directory")

// Lock is held for the life of a server. It is an advisory file lock, which the
// kernel drops when the process dies, so a crash can never leave it stuck.
type Lock struct {
	f    *os.File
	path string
}

// Acquire takes the lock of dataDir or fails with ErrLocked naming the holder.
func Acquire(dataDir string) (*Lock, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dataDir, err)
	}
	path := filepath.Join(dataDir, "hearth.lock")
	for attempt := 0; attempt < 10; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open lock %s: %w", path, err)
		}
		if err := tryLock(f); err != nil {
			holder, _ := os.ReadFile(path)
			_ = f.Close()
			if pid := strings.TrimSpace(string(holder)); pid != "" {
				return nil, fmt.Errorf("%w (pid %s, %s)", ErrLocked, pid, dataDir)
			}
			return nil, fmt.Errorf("%w (%s)", ErrLocked, dataDir)
		}
		// The holder removes the file when it stops. If that happened between
		// our open and our lock, we hold a lock on a file nobody else will see:
		// start again with the file that is there now.
		if !samePath(f, path) {
			_ = f.Close()
			continue
		}
		if err := f.Truncate(0); err == nil {
			_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
		return &Lock{f: f, path: path}, nil
	}
	return nil, fmt.Errorf("%w: the lock file %s keeps changing", ErrLocked, path)
}

func samePath(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

// Release drops the lock and removes the file, so a stopped Hearth leaves no
// lock behind. The file goes before the lock is dropped; Acquire's check that
// it locked the file that is still there makes that safe.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	rmErr := os.Remove(l.path)
	if errors.Is(rmErr, os.ErrNotExist) {
		rmErr = nil
	}
	err := l.f.Close()
	l.f = nil
	return errors.Join(rmErr, err)
}

// Endpoint is what a client needs to reach a running instance.
type Endpoint struct {
	Socket string `json:"socket"`
	URL    string `json:"url,omitempty"`
	WS     string `json:"ws,omitempty"`
	Token  string `json:"token,omitempty"`
	PID    int    `json:"pid"`
	// MovedFrom is the URL of the last run when its port was taken and
	// this run listens elsewhere: pages opened on the old address must be
	// reopened with the new link.
	MovedFrom string `json:"moved_from,omitempty"`
}

// WriteEndpoint writes the endpoint file atomically with mode 0600 in a 0700 dir.
func WriteEndpoint(path string, ep Endpoint) error {
	b, err := json.MarshalIndent(ep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode endpoint: %w", err)
	}
	return writeAtomic(path, append(b, '\n'))
}

// ReadEndpoint reads the endpoint file.
func ReadEndpoint(path string) (Endpoint, error) {
	var ep Endpoint
	b, err := os.ReadFile(path)
	if err != nil {
		return ep, fmt.Errorf("read endpoint %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &ep); err != nil {
		return ep, fmt.Errorf("parse endpoint %s: %w", path, err)
	}
	return ep, nil
}

// RemoveEndpoint removes the file if it still names this process.
func RemoveEndpoint(path string) error {
	ep, err := ReadEndpoint(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return os.Remove(path)
	}
	if ep.PID != os.Getpid() {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove endpoint %s: %w", path, err)
	}
	return nil
}
