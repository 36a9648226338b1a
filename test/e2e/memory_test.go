package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestServerReleasesStartupPages: once started, `skiff server` unmaps the
// pages of its binary that start-up mapped (idlemem.ReleaseExecutable).
// Its debug log reports how many were resident before; its smaps, read
// from here afterwards, show well fewer. Without the release they only
// grow (checked: the test fails when the madvise is made a no-op).
func TestServerReleasesStartupPages(t *testing.T) {
	s := launchServer(t, append([]string{"--log-level", "debug"}, apiOnlyFlags...)...)
	pid := s.cmd.Process.Pid
	line := waitLogLine(t, s, "released the executable's start-up pages", "could not release the executable's start-up pages")
	before := logInt(t, line, "resident_bytes_before") >> 10
	size, now := executableMappings(t, pid)
	t.Logf("server pid %d: %d KiB of its binary's %d read-only KiB resident before the release, %d now", pid, before, size, now)
	// Start-up leaves 58-61 of 75 MiB resident. The server goes on
	// starting its controllers as it releases them and touches code
	// again: 38-40 MiB here.
	if before == 0 || uint64(now)*100 > before*85 {
		t.Errorf("server pid %d: %d KiB of its binary resident before the release, %d now; want under 85 %%", pid, before, now)
	}
}

// waitLogLine waits up to 10 s for the server's log to hold a line with
// want, and fails on a line with bad.
func waitLogLine(t *testing.T, s *server, want, bad string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		log, err := os.ReadFile(s.logPath)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(log), "\n") {
			if strings.Contains(line, want) {
				return line
			}
			if strings.Contains(line, bad) {
				t.Fatalf("server log: %s", line)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the server's log:\n%s", want, tail(s.logPath, 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logInt reads key=N from a log line.
func logInt(t *testing.T, line, key string) uint64 {
	t.Helper()
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				t.Fatalf("%s in %q: %v", key, line, err)
			}
			return n
		}
	}
	t.Fatalf("no %s in %q", key, line)
	return 0
}

// executableMappings sums the size and the resident part (KiB) of pid's
// read-only mappings of its own executable, from /proc/<pid>/smaps.
func executableMappings(t *testing.T, pid int) (size, rss int) {
	t.Helper()
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		t.Fatal(err)
	}
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = len(fields) >= 6 && strings.Join(fields[5:], " ") == exe && !strings.Contains(fields[1], "w")
			continue
		}
		if !in || len(fields) < 2 {
			continue
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil {
			continue
		}
		switch fields[0] {
		case "Size:":
			size += n
		case "Rss:":
			rss += n
		}
	}
	if size == 0 {
		t.Fatalf("no read-only mapping of %s in /proc/%d/smaps", exe, pid)
	}
	return size, rss
}
