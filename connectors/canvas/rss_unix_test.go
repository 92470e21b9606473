//go:build linux

package canvas

import "syscall"

// peakRSS is the process's peak resident set size in bytes (fake server
// included: it runs in the same process).
func peakRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Maxrss * 1024 // kilobytes on Linux
}
