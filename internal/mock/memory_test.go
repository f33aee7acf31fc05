package mock

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"unsafe"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mockcontrol"
	"github.com/alexa-harness/harness/internal/testrun"
)

// appendOvershoot is the largest capacity-to-length ratio a slice of
// JournalEntry reaches right after append grows it past a full ring of
// DefaultJournalSize entries and the next few sizes (the ring's growth
// slack once it is full); testrun.AppendOvershoot replays those growths on
// the real element type without allocating a huge ring.
func appendOvershoot() float64 {
	return testrun.AppendOvershoot[mockcontrol.JournalEntry](DefaultJournalSize, 4*DefaultJournalSize)
}

// TestJournalEntryBytes: JournalEntryBytes bounds the heap one journal entry
// holds, measured over real GET requests on loopback, each with its own
// query (so each entry keeps its own strings, as in a load run): the live
// heap the entries added, with the ring's capacity overshoot at its worst.
// It reads the process's heap, so it does not run in parallel (parallel
// tests wait until the sequential ones are done).
func TestJournalEntryBytes(t *testing.T) {
	const n = 4000
	e := start(t, Config{JournalSize: n})
	tok := e.tokenFor(contract.MockCustomerARefresh)
	const workers = 4
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	send := func(w, from, to int) {
		defer wg.Done()
		for i := from + w; i < to; i += workers {
			req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s%s?extendedPanId=%016x", e.url, contract.ThreadNetworksPath, i), nil)
			if err != nil {
				errs <- err
				return
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := e.hc.Do(req)
			if err != nil {
				errs <- err
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("GET %d: status %d", i, res.StatusCode)
				return
			}
		}
	}
	run := func(from, to int) {
		for w := range workers {
			wg.Add(1)
			go send(w, from, to)
		}
		wg.Wait()
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
	}
	run(0, 2*workers) // open the connections before the measure
	j := e.run.Server.journal
	lenOf := func() (int, int) {
		j.mu.Lock()
		defer j.mu.Unlock()
		return len(j.buf), cap(j.buf)
	}
	len0, cap0 := lenOf()
	before := testrun.LiveHeap()
	run(len0, n) // fills the ring exactly: no entry overwritten
	after := testrun.LiveHeap()
	len1, cap1 := lenOf()
	added := len1 - len0
	if added < n*9/10 || len1 != n {
		t.Fatalf("the journal holds %d entries (%d before the measure), want %d", len1, len0, n)
	}
	entry := float64(unsafe.Sizeof(mockcontrol.JournalEntry{}))
	overshoot := appendOvershoot()
	grown := float64(int64(after)-int64(before)) - float64(cap1-cap0)*entry // the entries' own strings
	perEntry := grown/float64(added) + entry*overshoot
	t.Logf("live heap per journal entry: %.0f bytes (%.0f of strings, a %.0f-byte entry, worst ring overshoot %.3f); ring %d/%d at %d entries; JournalEntryBytes %d",
		perEntry, grown/float64(added), entry, overshoot, len1, cap1, n, JournalEntryBytes)
	if perEntry > JournalEntryBytes {
		t.Errorf("a journal entry holds %.0f bytes of heap, more than JournalEntryBytes (%d): raise the constant", perEntry, JournalEntryBytes)
	}
	if perEntry <= entry {
		t.Errorf("measured %.0f bytes per entry, not more than the bare entry (%.0f): the measure is broken", perEntry, entry)
	}
}
