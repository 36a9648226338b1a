package idlemem

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ReleaseExecutable unmaps the pages of the running executable's code and
// read-only data that the process has mapped so far, and reports how many
// bytes of mappings it asked about. Call it once a long-running process
// has started, so that its resident set keeps only the code it runs from
// then on.
//
// Starting a Go binary runs every package's initialisation, spread over
// the whole text segment, and the kernel maps each touched page with its
// neighbours (fault-around): a started `skiff server` had 54 MiB of its
// binary resident, most of it code run once. The pages stay in the page
// cache, shared and reclaimable; those the process touches again are
// mapped again on that touch, from the cache, with no disk read.
//
// Only mappings of the executable that are not writable and hold no
// anonymous (copied-on-write) pages are released: their contents are the
// file's, so dropping them loses nothing. Linux only: elsewhere it
// returns the error of reading /proc/self/smaps.
func ReleaseExecutable() (uint64, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, err
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	maps, err := fileMappings(f, exe)
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, m := range maps {
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, syscall.MADV_DONTNEED); errno != 0 {
			return total, fmt.Errorf("madvise %x-%x: %w", m.start, m.end, errno)
		}
		total += uint64(m.end - m.start)
	}
	return total, nil
}

// mapping is one address range of /proc/self/smaps.
type mapping struct {
	start, end uintptr
}

// fileMappings reads an smaps listing and returns the mappings of path
// that are neither writable nor hold anonymous pages.
func fileMappings(r io.Reader, path string) ([]mapping, error) {
	var out []mapping
	var cur mapping
	var keep bool // cur is path's, read-only; its Anonymous line decides
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if m, perms, name, ok := parseMapsHeader(line); ok {
			cur, keep = m, name == path && !strings.Contains(perms, "w")
			continue
		}
		if !keep {
			continue
		}
		if v, ok := strings.CutPrefix(line, "Anonymous:"); ok {
			if strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")) == "0" {
				out = append(out, cur)
			}
			keep = false
		}
	}
	return out, sc.Err()
}

// parseMapsHeader reads a mapping's first line, "start-end perms offset
// dev inode [path]"; the path may hold spaces. Field lines ("Rss: 4 kB")
// are not headers.
func parseMapsHeader(line string) (mapping, string, string, bool) {
	fields := strings.SplitN(line, " ", 6)
	if len(fields) < 5 {
		return mapping{}, "", "", false
	}
	lo, hi, ok := strings.Cut(fields[0], "-")
	if !ok {
		return mapping{}, "", "", false
	}
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	if err1 != nil || err2 != nil || end <= start {
		return mapping{}, "", "", false
	}
	name := ""
	if len(fields) == 6 {
		name = strings.TrimLeft(fields[5], " ")
	}
	return mapping{uintptr(start), uintptr(end)}, fields[1], name, true
}
