package loadgen

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/testrun"
)

// eventsOvershoot is the largest capacity-to-length ratio the slice of kept
// attempts reaches right after append grows it, from 10,000 attempts on
// (below that the slice is small beside the bound a run reserves).
func eventsOvershoot() float64 {
	return testrun.AppendOvershoot[compliance.Event](10000, 40000)
}

// TestAttemptBytes: AttemptBytes bounds the heap one kept attempt holds,
// measured over real GET requests to the mock on loopback through the
// clients a run uses, each with its own query (so each attempt keeps its
// own request key, as in a load run): the live heap the kept attempts hold
// (measured by dropping them), with the slice's overshoot at its worst. It
// reads the process's heap, so it does not run in parallel (parallel tests
// wait until the sequential ones are done).
func TestAttemptBytes(t *testing.T) {
	const n = 4000
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	mr, err := mock.Start(ctx, "127.0.0.1:0", mock.Config{JournalSize: 1, Validator: mock.NoValidator})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = mr.Close(context.WithoutCancel(ctx)) }()
	alog, err := newAttemptLog(t.TempDir(), true, n+100)
	if err != nil {
		t.Fatal(err)
	}
	defer alog.close()
	cfg := clients.MockConfig(mr.URL)
	cfg.Observer = alog
	locker, err := cfg.Locker()
	if err != nil {
		t.Fatal(err)
	}
	const workers = 4
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if _, err := locker.GetThreadNetworks(ctx, clients.NetworkQuery{ExtendedPanID: fmt.Sprintf("%016x", i)}); err != nil {
					errs <- fmt.Errorf("GET %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	events, dropped, _ := alog.snapshot()
	kept, capacity := len(events), cap(events)
	events = nil // only alog holds them now
	if dropped != 0 || kept < n {
		t.Fatalf("%d attempts kept, %d dropped: want at least %d kept, none dropped", kept, dropped, n)
	}
	with := testrun.LiveHeap()
	alog.mu.Lock()
	alog.events = nil
	alog.mu.Unlock()
	without := testrun.LiveHeap()
	event := float64(unsafe.Sizeof(compliance.Event{}))
	overshoot := eventsOvershoot()
	held := float64(int64(with) - int64(without))
	strs := (held - float64(capacity)*event) / float64(kept) // the attempts' own strings
	perAttempt := strs + event*overshoot
	t.Logf("live heap per kept attempt: %.0f bytes (%.0f of strings, a %.0f-byte event, worst slice overshoot %.3f); %d kept in a slice of %d; AttemptBytes %d",
		perAttempt, strs, event, overshoot, kept, capacity, AttemptBytes)
	if perAttempt > AttemptBytes {
		t.Errorf("a kept attempt holds %.0f bytes of heap, more than AttemptBytes (%d): raise the constant", perAttempt, AttemptBytes)
	}
	if held < float64(capacity)*event {
		t.Errorf("dropping %d attempts freed %.0f bytes, less than their slice (%d × %.0f): the measure is broken", kept, held, capacity, event)
	}
}
