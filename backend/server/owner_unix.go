//go:build unix

package server

import (
	"os"
	"syscall"
)

// fileOwner is the uid owning fi's file, where the OS says.
func fileOwner(fi os.FileInfo) (uid int, known bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
