package sim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/kubelet"
)

// LogAnnotation gives a simulated pod's containers output: each line of
// its text is written to the log of every instance of every container of
// the pod (init or not) when that instance turns Running, stamped with
// that time. Without it a container's log is empty, as a silent real
// container's.
const LogAnnotation = "sim.skiff.dev/log"

// logLines are the lines of p's LogAnnotation, without their newlines (a
// final newline ends the last line rather than starting an empty one).
func logLines(p *corev1.Pod) []string {
	v := p.Annotations[LogAnnotation]
	if v == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(v, "\n"), "\n")
}

// logLine is one line of a log, without its newline.
type logLine struct {
	at   time.Time
	text string
}

// containerLog is the log of one container instance. Its fields are
// guarded by Runtime.mu; a line, once appended, never changes.
type containerLog struct {
	id    string // the instance's container ID
	lines []logLine
	// ended is set once the instance can log no more: it exited, was
	// replaced, or its pod was removed.
	ended bool
	// wake is closed at the next change (a line or the end) and cleared;
	// nil while no follower waits.
	wake chan struct{}
	// prev is the log of the instance before, for LogOptions.Previous;
	// the runtime keeps one, so prev.prev is nil.
	prev *containerLog
}

func (l *containerLog) append(at time.Time, lines []string) {
	if len(lines) == 0 {
		return
	}
	for _, s := range lines {
		l.lines = append(l.lines, logLine{at: at, text: s})
	}
	l.changed()
}

func (l *containerLog) end() {
	if !l.ended {
		l.ended = true
		l.changed()
	}
}

func (l *containerLog) changed() {
	if l.wake != nil {
		close(l.wake)
		l.wake = nil
	}
}

// waiter returns a channel closed at the log's next change.
func (l *containerLog) waiter() <-chan struct{} {
	if l.wake == nil {
		l.wake = make(chan struct{})
	}
	return l.wake
}

// newLog starts the log of inst, the pod's new latest instance of its
// container: the log of the instance it replaces ends and becomes the
// previous one. r.mu held.
func (sp *pod) newLog(inst *kubelet.ContainerStatus) {
	l := &containerLog{id: inst.ID}
	if old := sp.logs[inst.Name]; old != nil {
		old.end()
		old.prev = nil
		l.prev = old
	}
	sp.logs[inst.Name] = l
}

// logOf is the log of inst when inst is its container's latest instance.
// r.mu held.
func (sp *pod) logOf(inst *kubelet.ContainerStatus) *containerLog {
	if l := sp.logs[inst.Name]; l != nil && l.id == inst.ID {
		return l
	}
	return nil
}

// ContainerLog implements kubelet.Runtime. It fails when the runtime does
// not know the pod (no sandbox), when the container never started, and,
// with opts.Previous, when the container has no previous instance. A
// follower returns nil when the instance exits (or is replaced), the pod
// is removed or ctx ends, having written what the instance logged until
// then.
func (r *Runtime) ContainerLog(ctx context.Context, uid types.UID, name string, opts kubelet.LogOptions, w io.Writer) error {
	r.mu.Lock()
	l, err := r.findLog(uid, name, opts.Previous)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	out := newLogWriter(w, opts)
	next := 0
	for first := true; ; first = false {
		r.mu.Lock()
		lines := l.lines[next:len(l.lines):len(l.lines)]
		next = len(l.lines)
		var wake <-chan struct{}
		if opts.Follow && !l.ended {
			wake = l.waiter()
		}
		r.mu.Unlock()
		if first {
			lines = tail(lines, opts.TailLines)
		}
		if done, err := out.write(lines); done || err != nil {
			return err
		}
		if wake == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		}
	}
}

// findLog is the log ContainerLog reads. r.mu held.
func (r *Runtime) findLog(uid types.UID, name string, previous bool) (*containerLog, error) {
	sp, ok := r.pods[uid]
	if !ok {
		return nil, apierrors.NewNotFound(podsResource, string(uid))
	}
	l := sp.logs[name]
	if l == nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container %s of %s has never started", name, sp.key))
	}
	if !previous {
		return l, nil
	}
	if l.prev == nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container %s of %s has no previous instance", name, sp.key))
	}
	return l.prev, nil
}

// tail is the last n lines (all for nil or a negative n).
func tail(lines []logLine, n *int64) []logLine {
	if n == nil || *n < 0 || *n >= int64(len(lines)) {
		return lines
	}
	return lines[len(lines)-int(*n):]
}

// logWriter writes log lines as LogOptions say (since, timestamps, byte
// limit).
type logWriter struct {
	w          io.Writer
	since      time.Time
	timestamps bool
	limited    bool
	remain     int64 // bytes left when limited
	buf        bytes.Buffer
}

func newLogWriter(w io.Writer, opts kubelet.LogOptions) *logWriter {
	lw := &logWriter{w: w, since: opts.SinceTime, timestamps: opts.Timestamps}
	if opts.LimitBytes != nil {
		lw.limited, lw.remain = true, *opts.LimitBytes
	}
	return lw
}

// write writes lines in one Write; done reports that the byte limit is
// reached (nothing more is to be written).
func (lw *logWriter) write(lines []logLine) (done bool, err error) {
	if lw.limited && lw.remain <= 0 {
		return true, nil
	}
	lw.buf.Reset()
	for _, l := range lines {
		if l.at.Before(lw.since) {
			continue
		}
		if lw.timestamps {
			lw.buf.WriteString(l.at.UTC().Format(kubelet.LogTimeFormat))
			lw.buf.WriteByte(' ')
		}
		lw.buf.WriteString(l.text)
		lw.buf.WriteByte('\n')
		if lw.limited && int64(lw.buf.Len()) >= lw.remain {
			break
		}
	}
	b := lw.buf.Bytes()
	if len(b) == 0 {
		return false, nil
	}
	if lw.limited && int64(len(b)) > lw.remain {
		b = b[:lw.remain]
	}
	n, err := lw.w.Write(b)
	lw.remain -= int64(n)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	return err != nil || lw.limited && lw.remain <= 0, err
}
