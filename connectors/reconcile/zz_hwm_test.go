package reconcile

import (
	"os"
	"strings"
	"testing"
)

func logMem(b *testing.B, what string) {
	data, _ := os.ReadFile("/proc/self/status")
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmHWM") || strings.HasPrefix(l, "VmRSS") || strings.HasPrefix(l, "RssAnon") || strings.HasPrefix(l, "RssFile") || strings.HasPrefix(l, "RssShmem") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	b.Logf("%s: %s", what, strings.Join(out, "; "))
}
