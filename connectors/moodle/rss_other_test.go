//go:build !linux

package moodle

import "time"

// peakRSS is unknown off Linux.
func peakRSS() int64 { return 0 }

func cpuTime() time.Duration { return 0 }
