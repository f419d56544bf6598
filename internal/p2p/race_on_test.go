//go:build race

package p2p

// raceDetector says the tests run under the race detector.
const raceDetector = true
