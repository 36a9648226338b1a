package defaultpreemption

import (
	"context"
	"errors"
	"math/rand/v2"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

const (
	// Name is the plugin's name in configurations.
	Name = "DefaultPreemption"
	// ErrReasonNotHelpful is for nodes where removing pods cannot help.
	ErrReasonNotHelpful = "Preemption is not helpful for scheduling"
	// ErrReasonNoVictims is for nodes without lower-priority pods.
	ErrReasonNoVictims = "No preemption victims found for incoming pod"
	// ErrReasonNever is for pods with preemptionPolicy Never.
	ErrReasonNever = "not eligible due to preemptionPolicy=Never."
	// ErrReasonTerminating is for a preemptor whose earlier victims on its
	// nominated node are still terminating.
	ErrReasonTerminating = "not eligible due to a terminating pod on the nominated node."
)

// DefaultPreemption is the plugin.
type DefaultPreemption struct {
	h    framework.PreemptionHandle
	args Args
	pods corelisters.PodLister
	pdbs policylisters.PodDisruptionBudgetLister
	// offset picks where the candidate search starts (random; tests fix it).
	offset func(n int) int
}

var _ framework.PostFilterPlugin = &DefaultPreemption{}

// New returns the plugin for *Args (nil means upstream's defaults). h
// must be a framework.PreemptionHandle.
func New(args framework.PluginArgs, h framework.Handle) (framework.Plugin, error) {
	ph, ok := h.(framework.PreemptionHandle)
	if !ok {
		return nil, errors.New("the scheduler's handle cannot run filters for preemption")
	}
	a, _ := args.(*Args)
	if a == nil {
		a = &Args{}
		a.Default()
	}
	f := h.SharedInformerFactory()
	return &DefaultPreemption{h: ph, args: *a, pods: f.Core().V1().Pods().Lister(),
		pdbs: f.Policy().V1().PodDisruptionBudgets().Lister(), offset: rand.IntN}, nil
}

// Name returns Name.
func (*DefaultPreemption) Name() string { return Name }

// PostFilter preempts for pod and returns the nominated node, or
// Unschedulable with "preemption: ..." saying why nothing can help.
func (pl *DefaultPreemption) PostFilter(ctx context.Context, state *framework.CycleState, pod *v1.Pod, statuses framework.NodeToStatus) (string, *framework.Status) {
	defer pl.h.PreemptionMetrics().PreemptionAttempt()
	node, st := pl.preempt(ctx, state, pod, statuses)
	if msg := st.Message(); msg != "" {
		return node, framework.NewStatus(st.Code(), "preemption: "+msg)
	}
	return node, st
}

func (pl *DefaultPreemption) preempt(ctx context.Context, state *framework.CycleState, pod *v1.Pod, statuses framework.NodeToStatus) (string, *framework.Status) {
	latest, err := pl.pods.Pods(pod.Namespace).Get(pod.Name)
	switch {
	case err == nil:
		pod = latest
	case !apierrors.IsNotFound(err):
		return "", framework.AsStatus(err)
	}
	if ok, msg := pl.eligible(pod, statuses[pod.Status.NominatedNodeName]); !ok {
		return "", framework.NewStatus(framework.Unschedulable, msg)
	}
	nodes := pl.h.SnapshotSharedLister().List()
	candidates, nodeStatuses, err := pl.findCandidates(ctx, state, pod, nodes, statuses)
	if err != nil && len(candidates) == 0 {
		return "", framework.AsStatus(err)
	}
	if len(candidates) == 0 {
		for _, n := range nodes {
			if _, ok := nodeStatuses[n.Node().Name]; !ok {
				nodeStatuses[n.Node().Name] = framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonNotHelpful)
			}
		}
		if err := pl.clearNominations(ctx, pod); err != nil {
			return "", framework.AsStatus(err)
		}
		return "", framework.NewStatus(framework.Unschedulable, framework.FitMessage(len(nodes), nodeStatuses))
	}
	best := pickOneNodeForPreemption(candidates)
	pl.h.PreemptionMetrics().PreemptionVictims(len(best.victims))
	if st := pl.prepareCandidate(ctx, best, pod); !st.IsSuccess() {
		return "", st
	}
	return best.node, nil
}

// eligible reports whether pod may preempt, and why not.
func (pl *DefaultPreemption) eligible(pod *v1.Pod, nominatedStatus *framework.Status) (bool, string) {
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == v1.PreemptNever {
		return false, ErrReasonNever
	}
	nom := pod.Status.NominatedNodeName
	if nom == "" || nominatedStatus.Code() == framework.UnschedulableAndUnresolvable {
		return true, ""
	}
	if n := pl.h.SnapshotSharedLister().Get(nom); n != nil {
		prio := framework.PodPriority(pod)
		for _, pi := range n.Pods {
			if framework.PodPriority(pi.Pod) < prio && terminatingByPreemption(pi.Pod) {
				return false, ErrReasonTerminating
			}
		}
	}
	return true, ""
}

func terminatingByPreemption(p *v1.Pod) bool {
	if p.DeletionTimestamp == nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == v1.DisruptionTarget && c.Status == v1.ConditionTrue && c.Reason == v1.PodReasonPreemptionByScheduler {
			return true
		}
	}
	return false
}

// findCandidates dry-runs preemption on the nodes where it might help.
func (pl *DefaultPreemption) findCandidates(ctx context.Context, state *framework.CycleState, pod *v1.Pod, nodes []*framework.NodeInfo, statuses framework.NodeToStatus) ([]*candidate, framework.NodeToStatus, error) {
	if len(nodes) == 0 {
		return nil, nil, errors.New("no nodes available")
	}
	var potential []*framework.NodeInfo
	for _, n := range nodes {
		if statuses[n.Node().Name].Code() == framework.Unschedulable {
			potential = append(potential, n)
		}
	}
	if len(potential) == 0 {
		return nil, framework.NodeToStatus{}, nil
	}
	pdbs, err := pl.pdbs.List(labels.Everything())
	if err != nil {
		return nil, nil, err
	}
	return pl.dryRun(ctx, state, pod, potential, pdbs, pl.offset(len(potential)), pl.args.numCandidates(len(potential)))
}
