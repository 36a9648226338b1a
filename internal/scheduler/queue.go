package scheduler

import (
	"container/heap"
	"context"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// Queue timings, as upstream's defaults (the backoff ones can be changed
// with WithBackoff, from podInitialBackoffSeconds and podMaxBackoffSeconds).
const (
	InitialBackoff = time.Second
	MaxBackoff     = 10 * time.Second
	// MaxInUnschedulable is how long a pod may wait in the unschedulable
	// pool before the periodic flush retries it without any event.
	MaxInUnschedulable = 5 * time.Minute
	flushBackoffEvery  = time.Second
	flushLeftoverEvery = 30 * time.Second
)

// Queue is the scheduling queue: activeQ (ready to try, ordered by the
// QueueSort plugin), backoffQ (failed recently, ordered by backoff expiry)
// and the unschedulable pool (rejected; retried when a cluster event that
// one of the rejecting plugins registered for happens, or after
// MaxInUnschedulable). It is safe for concurrent use.
type Queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	clock  clock.WithTicker
	closed bool

	active        *podHeap
	backoff       *podHeap
	unschedulable map[types.UID]*queued
	// gated holds the pending pods with scheduling gates, which are never
	// queued (counted for scheduler_pending_pods only).
	gated map[types.UID]struct{}
	// events are the cluster events each plugin registered for.
	events map[string][]framework.ClusterEvent
	// cycle counts Pops; moveCycle is the cycle of the last move event: a
	// pod failing in a cycle that saw a move goes to backoff, not the pool.
	cycle, moveCycle int64
	// initialBackoff doubles per attempt up to maxBackoff.
	initialBackoff, maxBackoff time.Duration
}

// QueueOption changes a Queue's defaults.
type QueueOption func(*Queue)

// WithBackoff sets the backoff of a pod's first failed attempt and its
// cap (upstream's podInitialBackoffSeconds and podMaxBackoffSeconds).
func WithBackoff(initial, maximum time.Duration) QueueOption {
	return func(q *Queue) { q.initialBackoff, q.maxBackoff = initial, maximum }
}

type queued struct {
	info        *framework.QueuedPodInfo
	lastAttempt time.Time
	index       int
}

// NewQueue returns an empty queue ordered by less.
func NewQueue(less func(a, b *framework.QueuedPodInfo) bool, events map[string][]framework.ClusterEvent, c clock.WithTicker, opts ...QueueOption) *Queue {
	q := &Queue{clock: c, events: events, unschedulable: map[types.UID]*queued{}, gated: map[types.UID]struct{}{}, initialBackoff: InitialBackoff, maxBackoff: MaxBackoff}
	for _, o := range opts {
		o(q)
	}
	q.cond = sync.NewCond(&q.mu)
	q.active = &podHeap{less: func(a, b *queued) bool { return less(a.info, b.info) }, index: map[types.UID]*queued{}}
	q.backoff = &podHeap{less: func(a, b *queued) bool { return q.backoffExpiry(a).Before(q.backoffExpiry(b)) }, index: map[types.UID]*queued{}}
	return q
}

// Add queues a new pending pod, or refreshes one already queued.
func (q *Queue) Add(pod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.gated, pod.UID)
	if e := q.find(pod.UID); e != nil {
		e.info.Pod = pod
		return
	}
	q.active.push(&queued{info: &framework.QueuedPodInfo{Pod: pod, Timestamp: q.clock.Now()}})
	q.cond.Broadcast()
}

// Refresh replaces a queued pod by its newer version and moves nothing:
// the update (to its status, say) cannot make it schedulable. A pod not
// queued (in a scheduling cycle now) is left alone. Without it the queue
// would hold the pod's old version besides the informer's new one.
func (q *Queue) Refresh(pod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e := q.find(pod.UID); e != nil {
		e.info.Pod = pod
	}
}

// Update replaces a queued pod; an update to an unschedulable pod may make
// it schedulable, so it moves to backoffQ or activeQ.
func (q *Queue) Update(pod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e, ok := q.unschedulable[pod.UID]; ok {
		delete(q.unschedulable, pod.UID)
		e.info.Pod = pod
		q.requeue(e)
		return
	}
	if e := q.find(pod.UID); e != nil {
		e.info.Pod = pod
		q.active.fix(e)
		q.backoff.fix(e)
		return
	}
	q.active.push(&queued{info: &framework.QueuedPodInfo{Pod: pod, Timestamp: q.clock.Now()}})
	q.cond.Broadcast()
}

// Delete drops the pod from every sub-queue.
func (q *Queue) Delete(pod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.gated, pod.UID)
	q.active.remove(pod.UID)
	q.backoff.remove(pod.UID)
	delete(q.unschedulable, pod.UID)
}

func (q *Queue) find(uid types.UID) *queued {
	if e := q.active.index[uid]; e != nil {
		return e
	}
	if e := q.backoff.index[uid]; e != nil {
		return e
	}
	return q.unschedulable[uid]
}

// Pop blocks until a pod is active and returns it with its attempt count
// raised, or returns ctx's error (or nil, nil once closed).
func (q *Queue) Pop(ctx context.Context) (*framework.QueuedPodInfo, error) {
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.cond.Broadcast()
		q.mu.Unlock()
	})
	defer stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.active.Len() == 0 {
		if q.closed {
			return nil, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		q.cond.Wait()
	}
	e := heap.Pop(q.active).(*queued)
	e.info.Attempts++
	q.cycle++
	return e.info, nil
}

// Cycle is the number of the last Pop; pass it to AddUnschedulable.
func (q *Queue) Cycle() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.cycle
}

// AddUnschedulable returns a pod that failed in cycle. A pod rejected by
// plugins goes to the unschedulable pool unless a move event came during
// its cycle; a pod that failed with an error (no rejecting plugins) backs
// off.
func (q *Queue) AddUnschedulable(info *framework.QueuedPodInfo, cycle int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.find(info.Pod.UID) != nil {
		return
	}
	e := &queued{info: info, lastAttempt: q.clock.Now()}
	if len(info.UnschedulablePlugins) == 0 || q.moveCycle >= cycle {
		q.backoff.push(e)
		return
	}
	q.unschedulable[info.Pod.UID] = e
}

// MoveOnEvent moves the unschedulable pods whose rejecting plugins
// registered for ev to backoffQ (if still backing off) or activeQ.
func (q *Queue) MoveOnEvent(ev framework.ClusterEvent) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for uid, e := range q.unschedulable {
		if q.mayHelp(e.info, ev) {
			delete(q.unschedulable, uid)
			q.requeue(e)
		}
	}
	q.moveCycle = q.cycle
}

func (q *Queue) mayHelp(info *framework.QueuedPodInfo, ev framework.ClusterEvent) bool {
	if len(info.UnschedulablePlugins) == 0 {
		return true
	}
	for pl := range info.UnschedulablePlugins {
		for _, want := range q.events[pl] {
			if want.Match(ev) {
				return true
			}
		}
	}
	return false
}

// requeue puts e in backoffQ while its backoff runs, else in activeQ.
func (q *Queue) requeue(e *queued) {
	if q.clock.Now().Before(q.backoffExpiry(e)) {
		q.backoff.push(e)
		return
	}
	q.active.push(e)
	q.cond.Broadcast()
}

// backoffExpiry is the last attempt plus the initial backoff doubled per
// extra attempt, at most the maximum backoff.
func (q *Queue) backoffExpiry(e *queued) time.Time {
	d := q.initialBackoff
	for i := 1; i < e.info.Attempts && d < q.maxBackoff; i++ {
		d *= 2
	}
	return e.lastAttempt.Add(min(d, q.maxBackoff))
}

// FlushBackoffCompleted moves pods whose backoff ended to activeQ.
func (q *Queue) FlushBackoffCompleted() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	for q.backoff.Len() > 0 && !now.Before(q.backoffExpiry(q.backoff.items[0])) {
		e := heap.Pop(q.backoff).(*queued)
		q.active.push(e)
		q.cond.Broadcast()
	}
}

// FlushUnschedulableLeftover retries pods that sat in the unschedulable
// pool longer than MaxInUnschedulable.
func (q *Queue) FlushUnschedulableLeftover() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	for uid, e := range q.unschedulable {
		if now.Sub(e.lastAttempt) > MaxInUnschedulable {
			delete(q.unschedulable, uid)
			q.requeue(e)
		}
	}
}

// Run flushes the backoff and unschedulable pools periodically until ctx
// ends, then closes the queue.
func (q *Queue) Run(ctx context.Context) {
	fast, slow := q.clock.NewTicker(flushBackoffEvery), q.clock.NewTicker(flushLeftoverEvery)
	defer fast.Stop()
	defer slow.Stop()
	for {
		select {
		case <-ctx.Done():
			q.Close()
			return
		case <-fast.C():
			q.FlushBackoffCompleted()
		case <-slow.C():
			q.FlushUnschedulableLeftover()
		}
	}
}

// Close wakes Pop for good.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// AddGated notes a pending pod that has scheduling gates: it is not
// queued, only counted, until Add (its gates removed) or Delete.
func (q *Queue) AddGated(pod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.gated[pod.UID] = struct{}{}
}

// Gated is the number of gated pods noted.
func (q *Queue) Gated() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.gated)
}

// Lens returns the sizes of activeQ, backoffQ and the unschedulable pool.
func (q *Queue) Lens() (active, backoff, unschedulable int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.active.Len(), q.backoff.Len(), len(q.unschedulable)
}

// podHeap is a heap of queued pods indexed by UID.
type podHeap struct {
	items []*queued
	index map[types.UID]*queued
	less  func(a, b *queued) bool
}

func (h *podHeap) Len() int           { return len(h.items) }
func (h *podHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *podHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].index, h.items[j].index = i, j
}
func (h *podHeap) Push(x any) {
	e := x.(*queued)
	e.index = len(h.items)
	h.items = append(h.items, e)
	h.index[e.info.Pod.UID] = e
}
func (h *podHeap) Pop() any {
	e := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	delete(h.index, e.info.Pod.UID)
	return e
}
func (h *podHeap) push(e *queued) { heap.Push(h, e) }
func (h *podHeap) remove(uid types.UID) {
	if e, ok := h.index[uid]; ok {
		heap.Remove(h, e.index)
	}
}
func (h *podHeap) fix(e *queued) {
	if h.index[e.info.Pod.UID] == e {
		heap.Fix(h, e.index)
	}
}
