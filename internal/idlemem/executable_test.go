package idlemem

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

const smapsSample = `00400000-02400000 r-xp 00000000 fd:00 1234    /opt/skiff dir/skiff
Size:              32768 kB
Rss:               20480 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me dw
02400000-04000000 r--p 02000000 fd:00 1234    /opt/skiff dir/skiff
Size:              28672 kB
Rss:                8192 kB
Anonymous:             0 kB
04000000-04100000 rw-p 03c00000 fd:00 1234    /opt/skiff dir/skiff
Anonymous:           512 kB
04100000-04200000 r--p 03d00000 fd:00 1234    /opt/skiff dir/skiff
Anonymous:             8 kB
05000000-05001000 r--p 00000000 fd:00 99      /opt/skiff dir/skiff.old
Anonymous:             0 kB
7f0000000000-7f0280000000 r--s 00000000 fd:00 777     /var/lib/skiff/member/snap/db
Anonymous:             0 kB
7f0280000000-7f0290000000 rw-p 00000000 00:00 0 
Anonymous:         65536 kB
7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]
Anonymous:           132 kB
`

func TestFileMappings(t *testing.T) {
	got, err := fileMappings(strings.NewReader(smapsSample), "/opt/skiff dir/skiff")
	if err != nil {
		t.Fatal(err)
	}
	// The code and the read-only data; not the writable data, not the
	// read-only range holding copied pages, not other files or anonymous memory.
	want := []mapping{{0x400000, 0x2400000, 20480 << 10}, {0x2400000, 0x4000000, 8192 << 10}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fileMappings = %x; want %x", got, want)
	}
	if got, _ := fileMappings(strings.NewReader(smapsSample), "/usr/bin/other"); len(got) != 0 {
		t.Fatalf("mappings of another path: %x", got)
	}
	// A header with no Anonymous line after it (a truncated listing) is not released.
	if got, _ := fileMappings(strings.NewReader("00400000-00401000 r-xp 00000000 fd:00 1 /x\nRss: 4 kB\n"), "/x"); len(got) != 0 {
		t.Fatalf("mapping with no Anonymous line: %x", got)
	}
}

func TestParseMapsHeader(t *testing.T) {
	for _, line := range []string{"Rss:                4 kB", "VmFlags: rd ex mr", "", "zz-00 r-xp 0 fd:00 1 /x", "2000-1000 r-xp 0 fd:00 1 /x"} {
		if _, _, _, ok := parseMapsHeader(line); ok {
			t.Errorf("parseMapsHeader(%q) took it for a header", line)
		}
	}
	m, perms, name, ok := parseMapsHeader("7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0")
	if !ok || perms != "rw-p" || name != "" || m != (mapping{start: 0x7ffc00000000, end: 0x7ffc00021000}) {
		t.Errorf("anonymous mapping read as %x %q %q %v", m, perms, name, ok)
	}
}

// execRss is how many kB of the executable's read-only mappings are
// resident (fileMappings, whose parsing TestFileMappings checks).
func execRss(t *testing.T) int {
	t.Helper()
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Skip("no /proc/self/exe:", err)
	}
	maps, err := readFileMappings(exe)
	if err != nil {
		t.Skip("no /proc/self/smaps:", err)
	}
	total := 0
	for _, m := range maps {
		total += int(m.rss >> 10)
	}
	return total
}

// TestReleaseExecutable releases the test binary's own pages: the process
// goes on running, and fewer of its executable's pages are resident, as
// smaps read here and the Release report both show.
func TestReleaseExecutable(t *testing.T) {
	before := execRss(t)
	r, err := ReleaseExecutable()
	if err != nil {
		t.Fatal(err)
	}
	after := execRss(t)
	t.Logf("release %+v; resident %d kB before, %d kB after", r, before, after)
	if r.Mapped == 0 || after >= before {
		t.Fatalf("released %d bytes of mappings; resident %d kB before, %d kB after", r.Mapped, before, after)
	}
	if r.ResidentBefore == 0 || r.ResidentBefore > r.Mapped || r.ResidentAfter >= r.ResidentBefore {
		t.Fatalf("release reported %+v; want 0 < ResidentAfter < ResidentBefore <= Mapped", r)
	}
	// What runs next faults its code back in.
	p := NewPolicy(Config{})
	if p.Observe(Sample{Allocated: 1}) {
		t.Fatal("a first sample released")
	}
}
