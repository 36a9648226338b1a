package apiserver

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// GrownStacks runs short requests on a set of long-lived goroutines
// instead of the goroutine net/http starts for each request.
//
// A request's goroutine starts with a small stack, and serving an API
// write (decoding, admission, managed fields, encoding) is deep enough
// that the runtime grows and copies that stack several times per
// request: about 4 % of the server's CPU under a stream of pod creates.
// The pool's goroutines keep the stacks they grew. A worker is started
// when a request finds every worker busy, up to workers; past that the
// request runs where it arrived, as without the pool. A worker that waits
// idle for a job ends, so a quiet server gives back the stacks its busy
// moments grew. Watches
// and other long-running requests always run where they arrived, so they
// never hold a worker.
//
// A panic in a handler is re-raised on the request's own goroutine, so
// net/http handles it (http.ErrAbortHandler included) as it would without
// the pool. The workers end with ctx (the server's life); requests after
// that run where they arrive.
func GrownStacks(ctx context.Context, h http.Handler, workers int, idle time.Duration) http.Handler {
	if workers <= 0 {
		return h
	}
	jobs := make(chan *stackJob)
	var started atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if longRunning(r) {
			h.ServeHTTP(w, r)
			return
		}
		job := stackJobs.Get().(*stackJob)
		job.h, job.w, job.r = h, w, r
		select {
		case jobs <- job:
		default:
			// Every worker is busy: start one more for this request,
			// up to workers, or serve it here.
			if started.Add(1) > int64(workers) || ctx.Err() != nil {
				started.Add(-1)
				job.release()
				h.ServeHTTP(w, r)
				return
			}
			go stackWorker(ctx, jobs, job, idle, &started)
		}
		<-job.done
		panicked, v := job.panicked, job.panicValue
		job.release()
		if panicked {
			panic(v)
		}
	})
}

// stackJob is one request handed to a worker. done receives once when
// the request has been served; jobs are reused (stackJobs).
type stackJob struct {
	h          http.Handler
	w          http.ResponseWriter
	r          *http.Request
	done       chan struct{}
	panicked   bool
	panicValue any
}

var stackJobs = sync.Pool{New: func() any { return &stackJob{done: make(chan struct{}, 1)} }}

// release returns a served (or never sent) job to stackJobs.
func (j *stackJob) release() {
	*j = stackJob{done: j.done}
	stackJobs.Put(j)
}

// stackWorker serves first, then jobs until ctx ends or none comes for
// idle, above a floor (onStackFloor) that keeps the stack it grows.
// started counts the workers running.
func stackWorker(ctx context.Context, jobs <-chan *stackJob, first *stackJob, idle time.Duration, started *atomic.Int64) {
	defer started.Add(-1)
	onStackFloor(func() {
		first.run()
		quiet := time.NewTimer(idle)
		defer quiet.Stop()
		for {
			select {
			case job := <-jobs:
				job.run()
				quiet.Reset(idle)
			case <-quiet.C:
				return
			case <-ctx.Done():
				return
			}
		}
	})
}

// stackFloor is how much stack a worker holds in use while it waits.
// Each garbage collection halves the stack of a goroutine using less than
// a quarter of it, so a worker waiting on a shallow frame lost its grown
// stack at the next collection (every second or so under load) and the
// next deep request grew and copied it again. Waiting above a floor of
// 32 KiB keeps stacks of up to 128 KiB, enough for the managed fields'
// walk of a pod.
const stackFloor = 32 << 10

// onStackFloor runs f above a stackFloor-sized frame.
//
//go:noinline
func onStackFloor(f func()) {
	var floor [stackFloor]byte
	f()
	runtime.KeepAlive(&floor)
}

func (j *stackJob) run() {
	defer func() { j.done <- struct{}{} }()
	defer func() {
		if v := recover(); v != nil {
			j.panicked, j.panicValue = true, v
		}
	}()
	j.h.ServeHTTP(j.w, j.r)
}

// longRunning tells watches, logs, exec, attach, port-forward, proxy and
// profiling requests, which may stay open for as long as the client wants.
func longRunning(r *http.Request) bool {
	if isWatch(r) || strings.Contains(r.URL.Path, "/watch/") || strings.HasPrefix(r.URL.Path, "/debug/") {
		return true
	}
	p := r.URL.Path
	for _, sub := range longRunningPaths {
		if strings.HasSuffix(p, sub) || strings.Contains(p, sub+"/") {
			return true
		}
	}
	return false
}
