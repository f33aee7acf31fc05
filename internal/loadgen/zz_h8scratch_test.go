package loadgen_test

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/loadgen"
)

// Scratch (H8): to be removed.
func TestH8Scratch(t *testing.T) {
	prof := os.Getenv("H8_PROFILE")
	if prof == "" {
		t.Skip("H8 scratch: set H8_PROFILE")
	}
	p, raw, err := loadgen.LoadProfile(prof)
	if err != nil {
		t.Fatal(err)
	}
	var peak uint64
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak {
					peak = ms.HeapInuse
					f, _ := os.Create("/tmp/h8/heap.pprof")
					pprof.WriteHeapProfile(f)
					f.Close()
				}
				if false { t.Logf("heapInuse %d MB stack %d MB sys %d MB goroutines %d", ms.HeapInuse>>20, ms.StackInuse>>20, ms.Sys>>20, runtime.NumGoroutine()) }
			}
		}
	}()
	go func() {
		time.Sleep(2 * time.Second)
		f, _ := os.Create("/tmp/h8/goroutines.txt")
		pprof.Lookup("goroutine").WriteTo(f, 1)
		f.Close()
	}()
	sum, err := loadgen.Run(context.Background(), loadgen.Options{Profile: p, ProfileRaw: raw, OutDir: t.TempDir()})
	close(stop)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("accounting %+v verdict %s peak heap %d MB", sum.Accounting, sum.Verdict, peak>>20)
}
