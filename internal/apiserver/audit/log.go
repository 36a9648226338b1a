package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Log writes events as JSON lines. It is safe for concurrent use.
type Log struct {
	mu  sync.Mutex
	w   io.Writer
	c   io.Closer
	err error
}

// NewLog writes events to w.
func NewLog(w io.Writer) *Log { return &Log{w: w} }

// OpenLog appends to the file at path (created 0600 with its directory),
// or writes to standard output when path is "-".
func OpenLog(path string) (*Log, error) {
	if path == "-" {
		return NewLog(os.Stdout), nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &Log{w: f, c: f}, nil
}

// Write appends one event as a line. The first write error is kept and
// returned by Close; writing goes on (a full disk must not stop the API).
func (l *Log) Write(ev *Event) {
	line, err := json.Marshal(ev)
	if err != nil {
		l.keep(err)
		return
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.w.Write(line); err != nil && l.err == nil {
		l.err = err
	}
}

func (l *Log) keep(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
	}
}

// Close closes the file and returns the first write error.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.c != nil {
		if err := l.c.Close(); err != nil && l.err == nil {
			l.err = err
		}
		l.c = nil
	}
	return l.err
}
