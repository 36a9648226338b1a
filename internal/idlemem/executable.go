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
// read-only data that the process has mapped so far. Call it once a
// long-running process has started, so that its resident set keeps only
// the code it runs from then on.
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
func ReleaseExecutable() (Release, error) {
	var r Release
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return r, err
	}
	maps, err := readFileMappings(exe)
	if err != nil {
		return r, err
	}
	for _, m := range maps {
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, syscall.MADV_DONTNEED); errno != 0 {
			return r, fmt.Errorf("madvise %x-%x: %w", m.start, m.end, errno)
		}
		r.Mapped += uint64(m.end - m.start)
		r.ResidentBefore += m.rss
	}
	after, err := readFileMappings(exe)
	if err != nil {
		return r, err
	}
	for _, m := range after {
		r.ResidentAfter += m.rss
	}
	return r, nil
}

// Release is what ReleaseExecutable did: the bytes of the mappings it
// released, and how many of them were resident before and right after.
type Release struct {
	Mapped, ResidentBefore, ResidentAfter uint64
}

// readFileMappings reads /proc/self/smaps (fileMappings).
func readFileMappings(path string) ([]mapping, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return fileMappings(f, path)
}

// mapping is one address range of /proc/self/smaps and its resident bytes.
type mapping struct {
	start, end uintptr
	rss        uint64
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
		if v, ok := strings.CutPrefix(line, "Rss:"); ok {
			kb, _ := kilobytes(v)
			cur.rss = kb << 10
		}
		if v, ok := strings.CutPrefix(line, "Anonymous:"); ok {
			if kb, ok := kilobytes(v); ok && kb == 0 {
				out = append(out, cur)
			}
			keep = false
		}
	}
	return out, sc.Err()
}

// kilobytes reads the value of an smaps field line ("   4 kB").
func kilobytes(v string) (uint64, bool) {
	n, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
	return n, err == nil
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
	return mapping{start: uintptr(start), end: uintptr(end)}, fields[1], name, true
}
