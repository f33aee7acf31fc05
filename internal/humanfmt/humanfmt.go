// Package humanfmt formats the numbers the harness shows people: counts
// with thousands separators ("4,881"), rates and percentages rounded to the
// digits that matter ("4,881/s", "23.7 %"), and a noun in the number it
// takes ("1 client", "2 clients"). It is the one owner of those formats:
// SLO reasons, tables and footers call it rather than printf verbs, so the
// same figure reads the same everywhere. It builds on
// github.com/dustin/go-humanize (thousands separators), already a module
// dependency.
package humanfmt

import (
	"math"
	"strconv"
	"time"

	"github.com/dustin/go-humanize"
)

// Count is n with thousands separators: 4881 → "4,881".
func Count(n int64) string { return humanize.Comma(n) }

// Plural is n and the noun in the number n takes, with an "s" for the
// plural: Plural(1, "client") = "1 client", Plural(1000, "hit") = "1,000 hits".
func Plural(n int, noun string) string {
	s := Count(int64(n)) + " " + noun
	if n != 1 {
		s += "s"
	}
	return s
}

// Number rounds v to the digits that matter: integers from 100 up (with
// separators: 4880.6 → "4,881"), one decimal from 1 up ("23.7"), two
// significant digits below 1 ("0.042"), three significant digits from 1e15
// up ("1e+300"), and "0" for zero. NaN and the
// infinities read "n/a", "∞" and "-∞" (a figure is never NaN by design;
// this keeps a bug from printing "NaN%").
func Number(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "-∞"
	case v == 0:
		return "0"
	}
	a := math.Abs(v)
	switch {
	case a >= 1e15: // beyond int64's exact integers: no separators, three digits
		return strconv.FormatFloat(v, 'g', 3, 64)
	case a >= 100:
		return humanize.Comma(int64(math.Round(v)))
	case a >= 1:
		return trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}

// Rate is a rate per second: 4880.6 → "4,881/s".
func Rate(perSecond float64) string { return Number(perSecond) + "/s" }

// Percent is a ratio as a percentage: 0.2371 → "23.7 %", 0.00012 → "0.012 %".
func Percent(ratio float64) string { return Number(ratio*100) + " %" }

// Signed is v with its sign always written: "+" and format(|v|) for v ≥ 0
// (negative zero included, so a −0 never reads "+-0"), "−" (U+2212, the
// minus sign) and format(|v|) below zero. NaN reads "n/a". It is the one
// owner of signed figures (a change "+23.7 %", "−1.2 ms"): format formats a
// magnitude and never sees a negative number.
func Signed(v float64, format func(float64) string) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case v < 0:
		return "−" + format(-v)
	}
	return "+" + format(math.Abs(v))
}

// trimZeros drops a trailing ".0": "5.0" → "5".
func trimZeros(s string) string {
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}

// Duration rounds d to three significant digits: 1.002459818s → "1s",
// 23.4567ms → "23.5ms", 1m2.345s → "1m2s".
func Duration(d time.Duration) string {
	a := d
	if a < 0 {
		a = -a
	}
	unit := time.Duration(1)
	for a >= 1000*unit && unit < time.Second {
		unit *= 10
	}
	switch {
	case a >= time.Minute:
		unit = time.Second
	case a >= 10*time.Second:
		unit = 100 * time.Millisecond
	case a >= time.Second:
		unit = 10 * time.Millisecond
	}
	return d.Round(unit).String()
}
