//go:build !linux

package benchtest

import "time"

// peakRSS is unknown off Linux.
func peakRSS() int64 { return 0 }

// cpuTime is unknown off Linux.
func cpuTime() time.Duration { return 0 }
