//go:build !failpoints

package reconcile

// crashPoint is a no-op outside builds with the failpoints tag; see
// failpoint_crash.go.
func crashPoint(string, int) {}
