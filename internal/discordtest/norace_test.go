//go:build !race

package discordtest_test

// raceEnabled: the test binary runs under the race detector.
const raceEnabled = false
