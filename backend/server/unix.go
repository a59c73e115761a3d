package server

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"
)

// ErrSocketInUse means another live process serves the socket path.
var ErrSocketInUse = errors.New("socket in use by another running Hearth")

// listenUnix creates the socket. A missing directory is created private
// (0700); an existing one is used as it is, because it may be the user's home
// or another shared place that is not Hearth's to chmod, unless other users
// could replace the socket in it. The socket itself is 0600 and peerListener
// checks every peer's uid, which is what keeps other users out. Only a socket
// file of ours that nobody answers on is ever removed: any other file at the
// path is the user's, and a live socket is another Hearth's (dialled first).
func listenUnix(path string) (net.Listener, error) {
	if err := prepareSocketDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on unix socket %s: %w", path, err)
	}
	// The listener must not unlink on Close: Shutdown removes it, and a second
	// instance that failed to start must not remove the first one's socket.
	if ul, ok := l.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(false)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("chmod socket %s: %w", path, err)
	}
	return l, nil
}

// prepareSocketDir creates dir (0700) when it is missing and otherwise refuses
// a directory in which someone else could unlink or rename our socket and put
// theirs in its place: one owned by another user (root aside), or one others
// may write to without the sticky bit. /tmp (sticky) and a 0755 home pass.
func prepareSocketDir(dir string) error {
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create socket directory %s: %w", dir, err)
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("socket directory %s: %w", dir, err)
	}
	if uid, ok := fileOwner(fi); ok && uid != os.Getuid() && uid != 0 {
		return fmt.Errorf("socket directory %s belongs to uid %d, who could replace the socket with their own: choose a directory of yours with --socket", dir, uid)
	}
	if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&os.ModeSticky == 0 {
		return fmt.Errorf("socket directory %s is writable by other users (mode %04o, no sticky bit), who could replace the socket with their own: "+
			"choose another directory with --socket, or remove their write permission", dir, fi.Mode().Perm())
	}
	return nil
}

// SocketDirWarning says, for a socket that listenUnix accepted, whether its
// directory lets other users see the socket, so the log can tell the user why
// Hearth did not make it private; "" when it is private.
func SocketDirWarning(socket string) string {
	dir := filepath.Dir(socket)
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("socket directory %s is not private (mode %04o); Hearth leaves it as it is: the socket is 0600 and only your uid may connect",
		dir, fi.Mode().Perm())
}

// removeStaleSocket clears the way for a new socket at path: nothing there,
// or a socket of ours left by a process that died, which is removed.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("socket path %s: %w", path, err)
	}
	if fi.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("%s is a %s, not a socket: Hearth removes only a socket it left behind; choose another path with --socket",
			path, fileKind(fi.Mode()))
	}
	if uid, ok := fileOwner(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("%s is a socket of uid %d, not yours: Hearth will not remove it; choose another path with --socket", path, uid)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		_ = c.Close()
		return fmt.Errorf("%s: %w", path, ErrSocketInUse)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove stale socket %s: %w", path, err)
	}
	return nil
}

// fileKind names a file type for an error message.
func fileKind(m os.FileMode) string {
	switch t := m.Type(); {
	case t == 0:
		return "regular file"
	case t&os.ModeDir != 0:
		return "directory"
	case t&os.ModeSymlink != 0:
		return "symbolic link"
	case t&os.ModeNamedPipe != 0:
		return "named pipe"
	case t&os.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// peerListener refuses connections from other users where the OS tells us who
// is on the other end.
type peerListener struct {
	net.Listener
	log *slog.Logger
}

func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uc, ok := c.(*net.UnixConn)
		if !ok {
			return c, nil
		}
		uid, known, err := peerUID(uc)
		if err != nil || (known && uid != os.Getuid()) {
			l.log.Warn("refused unix connection from another user", "uid", uid, "err", err)
			_ = c.Close()
			continue
		}
		return c, nil
	}
}
