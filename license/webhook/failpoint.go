//go:build !failpoints

package webhook

// crashPoint is a no-op outside failpoint builds (see failpoint_crash.go).
func crashPoint(string, uint64) {}
