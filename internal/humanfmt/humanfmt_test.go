package humanfmt

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	for _, c := range []struct {
		name string
		got  string
		want string
	}{
		{"count", Count(4881), "4,881"},
		{"count negative", Count(-1234567), "-1,234,567"},
		{"one client", Plural(1, "client"), "1 client"},
		{"zero clients", Plural(0, "client"), "0 clients"},
		{"many hits", Plural(1000, "hit"), "1,000 hits"},
		{"rate large", Rate(4880.6), "4,881/s"},
		{"rate small", Rate(23.74), "23.7/s"},
		{"rate whole", Rate(5), "5/s"},
		{"rate tiny", Rate(0.04213), "0.042/s"},
		{"percent", Percent(0.2371), "23.7 %"},
		{"percent tiny", Percent(0.00012), "0.012 %"},
		{"percent zero", Percent(0), "0 %"},
		{"percent all", Percent(1), "100 %"},
		{"NaN", Number(math.NaN()), "n/a"},
		{"+Inf", Number(math.Inf(1)), "∞"},
		{"-Inf", Number(math.Inf(-1)), "-∞"},
		{"negative", Number(-23.74), "-23.7"},
		{"seconds", Duration(1002459818 * time.Nanosecond), "1s"},
		{"seconds with decimals", Duration(2345678901 * time.Nanosecond), "2.35s"},
		{"milliseconds", Duration(23456789 * time.Nanosecond), "23.5ms"},
		{"microseconds", Duration(8984 * time.Nanosecond), "8.98µs"},
		{"minutes", Duration(62345 * time.Millisecond), "1m2s"},
		{"huge", Number(1e300), "1e+300"},
		{"huge negative", Number(-9.5e18), "-9.5e+18"},
		{"largest with separators", Number(999999999999999), "999,999,999,999,999"},
		{"signed positive", Signed(0.237, Percent), "+23.7 %"},
		{"signed negative", Signed(-0.237, Percent), "−23.7 %"},
		{"signed zero", Signed(0, Percent), "+0 %"},
		{"signed negative zero", Signed(math.Copysign(0, -1), Percent), "+0 %"},
		{"signed NaN", Signed(math.NaN(), Percent), "n/a"},
		{"signed negative rate", Signed(-4880.6, Rate), "−4,881/s"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

func ExamplePlural() {
	fmt.Println(Plural(1, "client"), "and", Plural(12000, "hit"), "at", Rate(4880.6), "with", Percent(0.2371), "errors")
	// Output: 1 client and 12,000 hits at 4,881/s with 23.7 % errors
}
