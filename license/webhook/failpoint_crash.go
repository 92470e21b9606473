//go:build failpoints

package webhook

import (
	"fmt"
	"os"
	"syscall"
)

// crashPoint kills the process, as SIGKILL would, when the environment
// names this point: ROLLCALL_FAILPOINT=<name>:<cursor>. The crash tests
// die right before a delivery is sent, or after the receiver answered and
// before the webhook's place is saved.
func crashPoint(name string, cursor uint64) {
	if os.Getenv("ROLLCALL_FAILPOINT") == fmt.Sprintf("%s:%d", name, cursor) {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}
