package timeseries_test

import (
	"bytes"
	"testing"

	"github.com/alexa-harness/harness/internal/timeseries"
)

func FuzzDecode(f *testing.F) {
	f.Add([]byte(goodHeader + "\n" + goodLine + "\n"))
	f.Add([]byte(goodHeader + "\n" + goodLine))
	f.Add([]byte(goodHeader + "\n{\"start\":1}\n"))
	f.Add([]byte(""))
	f.Add([]byte("\n\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, ivs, err := timeseries.Decode(bytes.NewReader(data), "fuzz.jsonl")
		for _, iv := range ivs {
			if verr := iv.Validate(); verr != nil {
				t.Fatalf("Decode returned an invalid interval %+v: %v", iv, verr)
			}
		}
		if err == nil && len(bytes.TrimSpace(data)) == 0 {
			t.Fatal("no error for an empty file")
		}
		if err != nil && err.Error() == "" {
			t.Fatal("empty error text")
		}
	})
}
