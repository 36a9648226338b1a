package bench

import (
	"fmt"
	"runtime/debug"
)

// clientGCLimit is the heap at which the bench process collects while its
// collector is otherwise off (Config.ClientGOGC <= 0).
const clientGCLimit = 512 << 20

// setClientGC sets the bench process's own collector for one run and
// returns what puts it back. gogc <= 0 turns it off until the heap reaches
// clientGCLimit; a positive gogc is the GOGC percent to run with.
//
// The bench is the load generator, and it shares the machine's cores with
// the server it measures. At Go's default the client collects every few
// megabytes, which under a get row is every 10-15 ms, and each collection
// stops its workers and takes CPU the server would use: both show as
// server latency. The server is a child process and keeps its own
// collector; this changes only the bench's.
func setClientGC(gogc int) (restore func()) {
	if gogc > 0 {
		old := debug.SetGCPercent(gogc)
		return func() { debug.SetGCPercent(old) }
	}
	oldLimit := debug.SetMemoryLimit(clientGCLimit)
	oldPercent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	}
}

// clientGCString says in words how the bench collected its own garbage.
func clientGCString(gogc int) string {
	if gogc > 0 {
		return fmt.Sprintf("bench collector at GOGC %d", gogc)
	}
	return fmt.Sprintf("bench collector off until its heap reaches %d MiB", clientGCLimit>>20)
}
