package loadgen

import (
	"bufio"
	"os"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Scratch (H8): to be removed.
func TestH8Lag(t *testing.T) {
	dir := os.Getenv("H8_DIR")
	if dir == "" {
		t.Skip("H8 scratch: set H8_DIR")
	}
	f, _ := os.Open(dir + "/results.bin")
	dec := vegeta.NewDecoder(bufio.NewReader(f))
	sched := constantSchedule{vegetaRate(1000)}
	var rs []vegeta.Result
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); err != nil {
			break
		}
		rs = append(rs, r)
	}
	began := rs[0].Timestamp.Add(-sched.Due(rs[0].Seq))
	for _, r := range rs {
		if b := r.Timestamp.Add(-sched.Due(r.Seq)); b.Before(began) {
			began = b
		}
	}
	buckets := map[int]time.Duration{}
	for _, r := range rs {
		lag := r.Timestamp.Sub(began.Add(sched.Due(r.Seq)))
		k := int(sched.Due(r.Seq) / (100 * time.Millisecond))
		buckets[k] = max(buckets[k], lag)
	}
	for k := 0; k < 40; k++ {
		t.Logf("%4dms: max lag %s", k*100, buckets[k])
	}
}
