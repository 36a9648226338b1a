package apiserver

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadAll: bodies of a known, wrong or unknown size, read in pieces,
// come out whole; a read error comes through.
func TestReadAll(t *testing.T) {
	body := strings.Repeat("pod", 1000)
	for _, size := range []int64{int64(len(body)), -1, 0, 10, int64(len(body)) + 50, maxBodyBytes + 1} {
		got, err := readAll(iotest.OneByteReader(strings.NewReader(body)), size)
		if err != nil || string(got) != body {
			t.Errorf("size %d: got %d bytes, %v; want the body", size, len(got), err)
		}
	}
	got, err := readAll(iotest.HalfReader(bytes.NewReader(nil)), 0)
	if err != nil || len(got) != 0 {
		t.Errorf("empty body: %q, %v", got, err)
	}
	// A body of known size is read into one allocation.
	r := strings.NewReader(body)
	if n := testing.AllocsPerRun(20, func() {
		r.Reset(body)
		_, _ = readAll(r, int64(len(body)))
	}); n != 1 {
		t.Errorf("reading a body of known size made %.0f allocations; want 1", n)
	}
	boom := errors.New("boom")
	if _, err := readAll(io.MultiReader(strings.NewReader("x"), iotest.ErrReader(boom)), 5); !errors.Is(err, boom) {
		t.Errorf("read error: %v; want boom", err)
	}
}
