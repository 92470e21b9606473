package bolt

import (
	"os"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
)

var dbgBatches atomic.Int64

func init() {
	debugHook = func() {
		if os.Getenv("DBG_HEAP") == "" {
			return
		}
		if dbgBatches.Add(1) == 50 {
			runtime.GC()
			f, _ := os.Create(os.Getenv("DBG_HEAP"))
			pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}
}
