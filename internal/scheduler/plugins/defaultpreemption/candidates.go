package defaultpreemption

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	v1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// candidate is a node where preempting victims makes the pod fit.
type candidate struct {
	node string
	// victims are ordered most important first.
	victims          []*v1.Pod
	numPDBViolations int
}

// dryRun checks potential nodes from offset on, each on a copy, until
// num candidates are found (at least one not violating PDBs). Candidates
// that violate no PDB come first.
func (pl *DefaultPreemption) dryRun(ctx context.Context, state *framework.CycleState, pod *v1.Pod, potential []*framework.NodeInfo,
	pdbs []*policyv1.PodDisruptionBudget, offset, num int) ([]*candidate, framework.NodeToStatus, error) {
	var good, violating []*candidate
	statuses := framework.NodeToStatus{}
	var errs []error
	for i := range potential {
		if len(good) > 0 && len(good)+len(violating) >= num {
			break
		}
		n := potential[(offset+i)%len(potential)].Clone()
		victims, numViolations, st := pl.SelectVictimsOnNode(ctx, state.Clone(), pod, n, pdbs)
		if st.IsSuccess() && len(victims) == 0 {
			st = framework.AsStatus(fmt.Errorf("expected at least one victim pod on node %q", n.Node().Name))
		}
		if !st.IsSuccess() {
			if err := st.AsError(); err != nil {
				errs = append(errs, err)
			}
			statuses[n.Node().Name] = st
			continue
		}
		c := &candidate{node: n.Node().Name, victims: victims, numPDBViolations: numViolations}
		if numViolations == 0 {
			good = append(good, c)
		} else {
			violating = append(violating, c)
		}
	}
	var err error
	if len(errs) > 0 {
		err = errs[0]
	}
	return append(good, violating...), statuses, err
}

// SelectVictimsOnNode finds the fewest pods on n (a copy, changed in
// place; state too) whose removal lets pod fit: it removes every pod of
// lower priority, checks the pod then fits, and reprieves as many as
// possible, most important first, PDB-violating ones before the others.
// It returns the victims (most important first) and how many violate a
// PDB.
func (pl *DefaultPreemption) SelectVictimsOnNode(ctx context.Context, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo, pdbs []*policyv1.PodDisruptionBudget) ([]*v1.Pod, int, *framework.Status) {
	remove := func(pi *framework.PodInfo) *framework.Status {
		if err := n.RemovePod(pi.Pod); err != nil {
			return framework.AsStatus(err)
		}
		return pl.h.RunPreFilterExtensionRemovePod(ctx, state, pod, pi, n)
	}
	add := func(pi *framework.PodInfo) *framework.Status {
		n.AddPodInfo(pi)
		return pl.h.RunPreFilterExtensionAddPod(ctx, state, pod, pi, n)
	}
	prio := framework.PodPriority(pod)
	var potential []*framework.PodInfo
	for _, pi := range append([]*framework.PodInfo(nil), n.Pods...) {
		if framework.PodPriority(pi.Pod) < prio {
			potential = append(potential, pi)
			if st := remove(pi); !st.IsSuccess() {
				return nil, 0, st
			}
		}
	}
	if len(potential) == 0 {
		return nil, 0, framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonNoVictims)
	}
	if st := pl.h.RunFilterPluginsWithNominatedPods(ctx, state, pod, n); !st.IsSuccess() {
		return nil, 0, st
	}
	sort.SliceStable(potential, func(i, j int) bool { return MoreImportantPod(potential[i].Pod, potential[j].Pod) })
	violatingPods, otherPods := filterPodsWithPDBViolation(potential, pdbs)
	var victims []*v1.Pod
	reprieve := func(pi *framework.PodInfo) (bool, *framework.Status) {
		if st := add(pi); !st.IsSuccess() {
			return false, st
		}
		st := pl.h.RunFilterPluginsWithNominatedPods(ctx, state, pod, n)
		if st.AsError() != nil {
			return false, st
		}
		if st.IsSuccess() {
			return true, nil
		}
		victims = append(victims, pi.Pod)
		return false, remove(pi)
	}
	numViolating := 0
	for _, pi := range violatingPods {
		fits, st := reprieve(pi)
		if !st.IsSuccess() {
			return nil, 0, st
		}
		if !fits {
			numViolating++
		}
	}
	for _, pi := range otherPods {
		if _, st := reprieve(pi); !st.IsSuccess() {
			return nil, 0, st
		}
	}
	if len(violatingPods) > 0 && len(otherPods) > 0 {
		sort.SliceStable(victims, func(i, j int) bool { return MoreImportantPod(victims[i], victims[j]) })
	}
	return victims, numViolating, nil
}

// MoreImportantPod orders pods by priority, then by start time (earlier
// is more important), as upstream.
func MoreImportantPod(a, b *v1.Pod) bool {
	pa, pb := framework.PodPriority(a), framework.PodPriority(b)
	if pa != pb {
		return pa > pb
	}
	return podStartTime(a).Before(podStartTime(b))
}

// podStartTime is status.startTime, or now for a pod not started yet.
func podStartTime(p *v1.Pod) time.Time {
	if p.Status.StartTime != nil {
		return p.Status.StartTime.Time
	}
	return time.Now()
}

// filterPodsWithPDBViolation splits pods (most important first) into
// those whose eviction would exceed a matching PDB's disruptionsAllowed
// (counting the earlier pods in the list) and the rest.
func filterPodsWithPDBViolation(pods []*framework.PodInfo, pdbs []*policyv1.PodDisruptionBudget) (violating, other []*framework.PodInfo) {
	allowed := make([]int32, len(pdbs))
	for i, pdb := range pdbs {
		allowed[i] = pdb.Status.DisruptionsAllowed
	}
	for _, pi := range pods {
		p := pi.Pod
		violated := false
		for i, pdb := range pdbs {
			if len(p.Labels) == 0 || pdb.Namespace != p.Namespace {
				continue
			}
			sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
			if err != nil || sel.Empty() || !sel.Matches(labels.Set(p.Labels)) {
				continue
			}
			if _, done := pdb.Status.DisruptedPods[p.Name]; done {
				continue // already counted by the API server
			}
			allowed[i]--
			if allowed[i] < 0 {
				violated = true
			}
		}
		if violated {
			violating = append(violating, pi)
		} else {
			other = append(other, pi)
		}
	}
	return violating, other
}

// pickOneNodeForPreemption applies upstream's criteria in order, each
// only to the candidates tied on the ones before: fewest PDB violations,
// lowest highest-priority victim, lowest sum of priorities, fewest
// victims, latest start time of the highest-priority victims; then the
// first candidate.
func pickOneNodeForPreemption(cs []*candidate) *candidate {
	scores := []func(c *candidate) int64{
		func(c *candidate) int64 { return -int64(c.numPDBViolations) },
		func(c *candidate) int64 { return -int64(framework.PodPriority(c.victims[0])) },
		func(c *candidate) int64 {
			var sum int64
			for _, p := range c.victims {
				sum += int64(framework.PodPriority(p)) + int64(math.MaxInt32) + 1
			}
			return -sum
		},
		func(c *candidate) int64 { return -int64(len(c.victims)) },
		func(c *candidate) int64 { return earliestStartOfHighest(c.victims).UnixNano() },
	}
	for _, score := range scores {
		var best []*candidate
		top := int64(math.MinInt64)
		for _, c := range cs {
			switch s := score(c); {
			case s > top:
				top, best = s, []*candidate{c}
			case s == top:
				best = append(best, c)
			}
		}
		if len(best) == 1 {
			return best[0]
		}
		cs = best
	}
	return cs[0]
}

// earliestStartOfHighest is the earliest start time among the victims of
// the highest priority (victims are most important first).
func earliestStartOfHighest(victims []*v1.Pod) time.Time {
	top := framework.PodPriority(victims[0])
	earliest := podStartTime(victims[0])
	for _, p := range victims[1:] {
		if framework.PodPriority(p) != top {
			break
		}
		if t := podStartTime(p); t.Before(earliest) {
			earliest = t
		}
	}
	return earliest
}
