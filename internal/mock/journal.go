package mock

import (
	"sync"

	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// journal is a fixed-size ring buffer of JournalEntry: appending is one
// short critical section with no allocation, and memory is bounded by its
// size whatever the load.
type journal struct {
	mu   sync.Mutex
	buf  []mockcontrol.JournalEntry
	next int
	full bool
}

func newJournal(size int) *journal { return &journal{buf: make([]mockcontrol.JournalEntry, size)} }

func (j *journal) add(e mockcontrol.JournalEntry) {
	j.mu.Lock()
	j.buf[j.next] = e
	j.next++
	if j.next == len(j.buf) {
		j.next, j.full = 0, true
	}
	j.mu.Unlock()
}

// snapshot returns the entries, oldest first.
func (j *journal) snapshot() []mockcontrol.JournalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.full {
		return append([]mockcontrol.JournalEntry(nil), j.buf[:j.next]...)
	}
	out := make([]mockcontrol.JournalEntry, 0, len(j.buf))
	out = append(out, j.buf[j.next:]...)
	return append(out, j.buf[:j.next]...)
}

func (j *journal) reset() {
	j.mu.Lock()
	clear(j.buf)
	j.next, j.full = 0, false
	j.mu.Unlock()
}
