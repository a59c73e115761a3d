//go:build unix && !linux

package agentproc

import (
	"os"
	"syscall"
)

// sysProcAttr puts the agent in its own process group, so that stopping it
// reaches what it started too.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func signalGroup(p *os.Process, sig syscall.Signal) {
	if err := syscall.Kill(-p.Pid, sig); err != nil {
		_ = p.Signal(sig)
	}
}
