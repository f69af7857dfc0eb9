//go:build race

package core

// raceEnabled: the race detector inflates stacks and heap, so memory
// budgets are only logged under it.
const raceEnabled = true
