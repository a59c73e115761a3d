//go:build !unix

package instance

import "os"

// tryLock has no advisory lock to use here; the socket's liveness check still
// stops a second server from taking over a live socket.
func tryLock(*os.File) error { return nil }
