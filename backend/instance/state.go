package instance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNoState means a state file is absent: the first run, or one before
// Hearth kept state.
var ErrNoState = errors.New("no saved state")

// ReadToken reads a stored access token. A missing file is ErrNoState; an
// empty or garbled one is another error, so the caller can say why it made
// a new token.
func ReadToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", ErrNoState
	}
	if err != nil {
		return "", fmt.Errorf("read token %s: %w", path, err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < 16 || strings.ContainsFunc(tok, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) {
		return "", fmt.Errorf("token file %s holds no usable token", path)
	}
	return tok, nil
}

// WriteToken stores a token atomically with mode 0600 in a 0700 dir: a crash
// leaves the old token or the new one, never half of one.
func WriteToken(path, token string) error {
	return writeAtomic(path, []byte(token+"\n"))
}

// ReadPort reads the TCP port of the last run (ErrNoState when none).
func ReadPort(path string) (int, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, ErrNoState
	}
	if err != nil {
		return 0, fmt.Errorf("read last port %s: %w", path, err)
	}
	p, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || p <= 0 || p > 65535 {
		return 0, fmt.Errorf("last-port file %s holds no port", path)
	}
	return p, nil
}

// WritePort remembers the TCP port for the next run.
func WritePort(path string, port int) error {
	return writeAtomic(path, []byte(strconv.Itoa(port)+"\n"))
}

// writeAtomic replaces path with data through a temp file in the same
// directory, created 0600, so that no reader ever sees a partial file and no
// other user can read it at any moment.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
