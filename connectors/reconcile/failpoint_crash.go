//go:build failpoints

package reconcile

import (
	"fmt"
	"os"
	"syscall"
)

// crashPoint kills the process, as SIGKILL would, when the environment
// names this point: ROLLCALL_FAILPOINT=<name>:<n>. Only binaries built with
// -tags failpoints have it; the crash tests build one to die at an exact
// place in a sync (after batch n commits), beside their random kills.
func crashPoint(name string, n int) {
	if os.Getenv("ROLLCALL_FAILPOINT") == fmt.Sprintf("%s:%d", name, n) {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
