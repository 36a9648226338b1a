package bench

import (
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

// gcSettings reads the process's GOGC and memory limit without changing
// them.
func gcSettings() (percent int, limit int64) {
	percent = debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

func TestSetClientGC(t *testing.T) {
	percent0, limit0 := gcSettings()
	if limit0 != math.MaxInt64 {
		t.Skipf("the test process runs with a memory limit (%d); the checks assume none", limit0)
	}
	for _, tc := range []struct {
		gogc        int
		wantPercent int
		wantLimit   int64
	}{
		{gogc: 0, wantPercent: -1, wantLimit: clientGCLimit},
		{gogc: -1, wantPercent: -1, wantLimit: clientGCLimit},
		{gogc: 400, wantPercent: 400, wantLimit: math.MaxInt64},
	} {
		restore := setClientGC(tc.gogc)
		percent, limit := gcSettings()
		restore()
		if percent != tc.wantPercent || limit != tc.wantLimit {
			t.Errorf("setClientGC(%d): GOGC %d, memory limit %d; want %d, %d", tc.gogc, percent, limit, tc.wantPercent, tc.wantLimit)
		}
		if p, l := gcSettings(); p != percent0 || l != limit0 {
			t.Errorf("after setClientGC(%d) was undone: GOGC %d, memory limit %d; want them back at %d, %d", tc.gogc, p, l, percent0, limit0)
		}
	}
}

func TestClientGCString(t *testing.T) {
	if got := clientGCString(0); !strings.Contains(got, "off until its heap reaches 512 MiB") {
		t.Errorf("clientGCString(0) = %q", got)
	}
	if got := clientGCString(100); !strings.Contains(got, "GOGC 100") {
		t.Errorf("clientGCString(100) = %q", got)
	}
}
