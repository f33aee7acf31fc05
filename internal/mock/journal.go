package mock

import (
	"sync"

	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// journal is a ring buffer of at most size JournalEntry: appending is one
// short critical section, and memory is bounded by its size whatever the
// load. The ring is allocated as it fills (DefaultJournalSize entries up
// front, then grown by append), so a large size costs memory only when the
// traffic comes.
type journal struct {
	mu   sync.Mutex
	size int
	buf  []mockcontrol.JournalEntry // len(buf) < size until the ring is full
	next int                        // where the next entry goes once full
	full bool
}

func newJournal(size int) *journal {
	return &journal{size: size, buf: make([]mockcontrol.JournalEntry, 0, min(size, DefaultJournalSize))}
}

func (j *journal) add(e mockcontrol.JournalEntry) {
	j.mu.Lock()
	if !j.full {
		j.buf = append(j.buf, e)
		if len(j.buf) == j.size {
			j.full, j.next = true, 0
		}
	} else {
		j.buf[j.next] = e
		j.next++
		if j.next == j.size {
			j.next = 0
		}
	}
	j.mu.Unlock()
}

// snapshot returns the entries, oldest first; never nil, so that an empty
// journal marshals as [].
func (j *journal) snapshot() []mockcontrol.JournalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.full {
		return append(make([]mockcontrol.JournalEntry, 0, len(j.buf)), j.buf...)
	}
	out := make([]mockcontrol.JournalEntry, 0, len(j.buf))
	out = append(out, j.buf[j.next:]...)
	return append(out, j.buf[:j.next]...)
}

func (j *journal) reset() {
	j.mu.Lock()
	clear(j.buf)
	if cap(j.buf) > DefaultJournalSize { // give a large ring's memory back
		j.buf = make([]mockcontrol.JournalEntry, 0, min(j.size, DefaultJournalSize))
	}
	j.buf = j.buf[:0]
	j.next, j.full = 0, false
	j.mu.Unlock()
}
