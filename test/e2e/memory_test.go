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
// pages of its binary that start-up mapped (idlemem.ReleaseExecutable), so
// an idle server keeps only part of its code and read-only data resident.
func TestServerReleasesStartupPages(t *testing.T) {
	s := launchServer(t, append([]string{"--log-level", "debug"}, apiOnlyFlags...)...)
	pid := s.cmd.Process.Pid
	deadline := time.Now().Add(10 * time.Second)
	for {
		log, err := os.ReadFile(s.logPath)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(log), "released the executable's start-up pages") {
			break
		}
		if strings.Contains(string(log), "could not release the executable's start-up pages") || time.Now().After(deadline) {
			t.Fatalf("the server did not report releasing its binary's pages:\n%s", tail(s.logPath, 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
	size, rss := executableMappings(t, pid)
	// Start-up leaves about 80 % of the binary's read-only mappings
	// resident (62 of 75 MiB without the release, checked); an idle
	// server that released them has touched about a third again.
	if rss*2 > size {
		t.Errorf("server pid %d: %d of its binary's %d read-only KiB resident; want under half", pid, rss, size)
	}
	t.Logf("server pid %d: %d of its binary's %d read-only KiB resident", pid, rss, size)
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
