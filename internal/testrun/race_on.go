//go:build race

package testrun

// raceEnabled: this binary was built with -race.
const raceEnabled = true
