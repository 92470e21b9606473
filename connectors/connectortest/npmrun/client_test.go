package npmrun

import (
	"path/filepath"
	"testing"
)

// The install command names the test's folder from the module root.
func TestPackageDir(t *testing.T) {
	if got, want := filepath.ToSlash(packageDir()), "connectors/connectortest/npmrun"; got != want {
		t.Fatalf("packageDir() = %q, want %q", got, want)
	}
}
