package scheduler

import (
	"context"
	"sync"
	"sync/atomic"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// The filter stage of a cycle, as upstream's findNodesThatPassFilters:
// nominated pods count, filtering stops once enough nodes fit
// (percentageOfNodesToScore), and the next cycle starts where this one
// stopped so every node gets its turn.

var _ framework.PreemptionHandle = &handle{}

// NominatedPodsForNode implements framework.PodNominator.
func (h handle) NominatedPodsForNode(nodeName string) []*framework.PodInfo {
	return h.s.nominator.NominatedPodsForNode(nodeName)
}

// EventRecorder is the scheduler's recorder (set when Run starts).
func (h handle) EventRecorder() record.EventRecorder { return h.s.recorder }

// PreemptionMetrics is the scheduler's Metrics (nil-safe: a scheduler
// without metrics records nothing).
func (h handle) PreemptionMetrics() framework.PreemptionMetrics { return h.s.cfg.Metrics }

// RunFilterPluginsWithNominatedPods runs the profile's filters on n.
func (h handle) RunFilterPluginsWithNominatedPods(ctx context.Context, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	return h.s.runFilterWithNominatedPods(ctx, h.prof, state, pod, n)
}

// RunPreFilterExtensionAddPod tells the PreFilter plugins pi joins n.
func (h handle) RunPreFilterExtensionAddPod(ctx context.Context, state *framework.CycleState, pod *v1.Pod, pi *framework.PodInfo, n *framework.NodeInfo) *framework.Status {
	return runPreFilterExtensions(h.prof, state, func(ext framework.PreFilterExtensions) *framework.Status {
		return ext.AddPod(ctx, state, pod, pi, n)
	})
}

// RunPreFilterExtensionRemovePod tells the PreFilter plugins pi leaves n.
func (h handle) RunPreFilterExtensionRemovePod(ctx context.Context, state *framework.CycleState, pod *v1.Pod, pi *framework.PodInfo, n *framework.NodeInfo) *framework.Status {
	return runPreFilterExtensions(h.prof, state, func(ext framework.PreFilterExtensions) *framework.Status {
		return ext.RemovePod(ctx, state, pod, pi, n)
	})
}

func runPreFilterExtensions(prof *Profile, state *framework.CycleState, call func(framework.PreFilterExtensions) *framework.Status) *framework.Status {
	for _, pl := range prof.preFilter {
		ext, ok := pl.(framework.PreFilterExtender)
		if !ok || ext.PreFilterExtensions() == nil || state.SkipFilterPlugins[pl.Name()] {
			continue
		}
		if s := call(ext.PreFilterExtensions()); !s.IsSuccess() {
			return s.WithPlugin(pl.Name())
		}
	}
	return nil
}

// runFilterWithNominatedPods filters n twice when pods of equal or higher
// priority are nominated to it: with them added (they must still fit
// beside pod), then without them (filters such as inter-pod affinity may
// need them absent). Both runs must pass.
func (s *Scheduler) runFilterWithNominatedPods(ctx context.Context, prof *Profile, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	added, stateWith, nodeWith, st := s.addNominatedPods(ctx, prof, state, pod, n)
	if !st.IsSuccess() {
		return st
	}
	st = prof.RunFilter(ctx, stateWith, pod, nodeWith)
	if !st.IsSuccess() || !added {
		return st
	}
	return prof.RunFilter(ctx, state, pod, n)
}

// addNominatedPods returns copies of state and n with the nominated pods
// of priority >= pod's added, or the originals when there are none.
func (s *Scheduler) addNominatedPods(ctx context.Context, prof *Profile, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) (bool, *framework.CycleState, *framework.NodeInfo, *framework.Status) {
	// Checked before n is touched: with 5,000 nodes, reading each node's
	// name only to find no nominations was 7 % of the server's CPU in the
	// scheduler-only benchmark (a cache miss per node).
	if s.nominator.empty() || n.Node() == nil {
		return false, state, n, nil
	}
	nominated := s.nominator.NominatedPodsForNode(n.Name())
	if len(nominated) == 0 {
		return false, state, n, nil
	}
	h := handle{s: s, prof: prof}
	var stateOut *framework.CycleState
	var nodeOut *framework.NodeInfo
	prio := framework.PodPriority(pod)
	for _, pi := range nominated {
		if pi.Pod.UID == pod.UID || framework.PodPriority(pi.Pod) < prio {
			continue
		}
		if nodeOut == nil {
			stateOut, nodeOut = state.Clone(), n.Clone()
		}
		nodeOut.AddPodInfo(pi)
		if st := h.RunPreFilterExtensionAddPod(ctx, stateOut, pod, pi, nodeOut); !st.IsSuccess() {
			return false, state, n, st
		}
	}
	if nodeOut == nil {
		return false, state, n, nil
	}
	return true, stateOut, nodeOut, nil
}

// findFeasible filters nodes over the configured workers, starting at
// s.nextStartNode, until numToFind nodes fit or every node was tried. It
// returns the fitting nodes (in node order) and the status of each node
// that was tried and rejected.
func (s *Scheduler) findFeasible(ctx context.Context, prof *Profile, state *framework.CycleState, pod *v1.Pod, nodes []*framework.NodeInfo) ([]*framework.NodeInfo, framework.NodeToStatus) {
	numToFind := NumFeasibleNodesToFind(s.percentages[prof.Name], len(nodes))
	// The per-node results live in buffers kept across cycles (only the
	// scheduling goroutine runs this): allocating and zeroing them for
	// 5,000 nodes every cycle cost more than filtering the few hundred
	// nodes a cycle needs.
	if cap(s.filterStatuses) < len(nodes) {
		s.filterStatuses, s.filterTried = make([]*framework.Status, len(nodes)), make([]bool, len(nodes))
	}
	statuses, tried := s.filterStatuses[:len(nodes)], s.filterTried[:len(nodes)]
	start := s.nextStartNode % len(nodes)
	var next, found atomic.Int64
	var wg sync.WaitGroup
	chunk := chunkSize(len(nodes), s.cfg.Parallelism)
	for range max(1, min(s.cfg.Parallelism, len(nodes))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := int(next.Add(int64(chunk)) - int64(chunk))
				if from >= len(nodes) {
					return
				}
				for k := from; k < min(from+chunk, len(nodes)); k++ {
					if found.Load() >= int64(numToFind) || ctx.Err() != nil {
						return
					}
					i := (start + k) % len(nodes)
					tried[i] = true
					statuses[i] = s.runFilterWithNominatedPods(ctx, prof, state, pod, nodes[i])
					if statuses[i].IsSuccess() {
						found.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	feasible := s.feasibleBuf[:0]
	failed := framework.NodeToStatus{}
	processed := 0
	// Every node tried lies within the first next indexes from start
	// (next counts the chunks handed out, whole).
	for k := range min(int(next.Load()), len(nodes)) {
		i := (start + k) % len(nodes)
		if !tried[i] {
			continue
		}
		processed++
		if st := statuses[i]; st.IsSuccess() {
			feasible = append(feasible, nodes[i])
		} else {
			failed[nodes[i].Name()] = st
		}
		tried[i], statuses[i] = false, nil
	}
	s.feasibleBuf = feasible
	if len(feasible) > numToFind {
		feasible = feasible[:numToFind]
	}
	s.nextStartNode = (start + processed) % len(nodes)
	return feasible, failed
}

// evaluateNominatedNode returns the pod's nominated node if it still
// fits there (upstream tries it first, so preemption's room is used).
func (s *Scheduler) evaluateNominatedNode(ctx context.Context, prof *Profile, state *framework.CycleState, pod *v1.Pod) *framework.NodeInfo {
	name := pod.Status.NominatedNodeName
	if name == "" {
		name = s.nominator.nominatedNode(pod.UID)
	}
	if name == "" {
		return nil
	}
	n := s.snapshot.Get(name)
	if n == nil || !s.runFilterWithNominatedPods(ctx, prof, state, pod, n).IsSuccess() {
		return nil
	}
	return n
}
