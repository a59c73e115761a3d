package agentproc

import (
	"os"
	"syscall"
)

// sysProcAttr puts the agent in its own process group, so that stopping it
// reaches what it started too, and has the kernel send it SIGTERM should
// Hearth die without stopping it (a crash, SIGKILL): an orphaned agent
// would keep its name taken when Hearth starts again.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

func signalGroup(p *os.Process, sig syscall.Signal) {
	if err := syscall.Kill(-p.Pid, sig); err != nil {
		_ = p.Signal(sig)
	}
}
