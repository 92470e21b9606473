package bench

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// anonPeak samples the process's anonymous resident memory (RssAnon in
// /proc/self/status) until stop is called, and reports its peak as the
// benchmark's anon-MB. The script's peak RSS (from /usr/bin/time) also
// counts the store's file pages that bbolt has mapped and read, which the
// kernel can drop at any time; this is the part that is the process's own.
func anonPeak(b *testing.B) (stop func()) {
	b.Helper()
	read := func() int64 {
		f, err := os.Open("/proc/self/status")
		if err != nil {
			return -1
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "RssAnon:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				return kb
			}
		}
		return -1
	}
	done, peak := make(chan struct{}), make(chan int64)
	go func() {
		var max int64
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if v := read(); v > max {
				max = v
			}
			select {
			case <-done:
				peak <- max
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		if kb := <-peak; kb >= 0 {
			b.ReportMetric(float64(kb)/1024, "anon-MB")
		}
	}
}
