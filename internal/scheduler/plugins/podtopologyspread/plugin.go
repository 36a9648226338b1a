// Package podtopologyspread owns PodTopologySpread, as upstream's plugin
// of the same name: a pod's topologySpreadConstraints with
// whenUnsatisfiable DoNotSchedule filter nodes whose domain would exceed
// maxSkew over the least loaded domain (minDomains,
// nodeAffinityPolicy/nodeTaintsPolicy and matchLabelKeys as upstream);
// ScheduleAnyway constraints score nodes, fewer matching pods scoring
// higher. A pod naming no constraints gets the default ones: upstream's
// system defaults (hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway)
// with a selector made of its Services', ReplicationController's,
// ReplicaSet's or StatefulSet's selectors, or the List of the args.
package podtopologyspread

import (
	"fmt"
	"sync/atomic"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// Name and the rejection reasons, as upstream.
const (
	Name = "PodTopologySpread"
	// ErrReasonConstraintsNotMatch: the node's domain would be too skewed.
	ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints"
	// ErrReasonNodeLabelNotMatch: the node lacks a constraint's topology key.
	ErrReasonNodeLabelNotMatch = ErrReasonConstraintsNotMatch + " (missing required label)"
)

// Defaulting types of Args.
const (
	SystemDefaulting = "System"
	ListDefaulting   = "List"
)

// systemDefaultConstraints are upstream's, for pods naming none.
var systemDefaultConstraints = []v1.TopologySpreadConstraint{
	{TopologyKey: v1.LabelHostname, WhenUnsatisfiable: v1.ScheduleAnyway, MaxSkew: 3},
	{TopologyKey: v1.LabelTopologyZone, WhenUnsatisfiable: v1.ScheduleAnyway, MaxSkew: 5},
}

// Args is upstream's PodTopologySpreadArgs.
type Args struct {
	// DefaultConstraints apply, with List defaulting, to pods naming none.
	DefaultConstraints []v1.TopologySpreadConstraint `json:"defaultConstraints,omitempty"`
	// DefaultingType is System (upstream's built-in defaults) or List.
	DefaultingType string `json:"defaultingType,omitempty"`
}

// NewArgs returns empty args (for the configuration decoder).
func NewArgs() framework.PluginArgs { return &Args{} }

// Default sets System defaulting when unset.
func (a *Args) Default() {
	if a.DefaultingType == "" {
		a.DefaultingType = SystemDefaulting
	}
}

// Validate checks the args as upstream's ValidatePodTopologySpreadArgs.
func (a *Args) Validate() error {
	switch a.DefaultingType {
	case SystemDefaulting:
		if len(a.DefaultConstraints) > 0 {
			return fmt.Errorf("defaultingType: Invalid value: %q: when .defaultConstraints are not empty", a.DefaultingType)
		}
	case ListDefaulting:
	default:
		return fmt.Errorf("defaultingType: Unsupported value: %q: supported values: \"List\", \"System\"", a.DefaultingType)
	}
	seen := map[string]bool{}
	for i, c := range a.DefaultConstraints {
		path := fmt.Sprintf("defaultConstraints[%d]", i)
		switch {
		case c.MaxSkew <= 0:
			return fmt.Errorf("%s.maxSkew: Invalid value: %d: must be greater than zero", path, c.MaxSkew)
		case c.TopologyKey == "":
			return fmt.Errorf("%s.topologyKey: Required value: can not be empty", path)
		case c.WhenUnsatisfiable != v1.DoNotSchedule && c.WhenUnsatisfiable != v1.ScheduleAnyway:
			return fmt.Errorf("%s.whenUnsatisfiable: Unsupported value: %q: supported values: \"DoNotSchedule\", \"ScheduleAnyway\"", path, c.WhenUnsatisfiable)
		case c.LabelSelector != nil:
			return fmt.Errorf("%s.labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod", path)
		case seen[c.TopologyKey+"/"+string(c.WhenUnsatisfiable)]:
			return fmt.Errorf("%s: Duplicate value: {%s, %s}", path, c.TopologyKey, c.WhenUnsatisfiable)
		}
		seen[c.TopologyKey+"/"+string(c.WhenUnsatisfiable)] = true
	}
	return nil
}

// PodTopologySpread is the plugin.
type PodTopologySpread struct {
	nodes           framework.NodeInfoLister
	defaults        []v1.TopologySpreadConstraint
	systemDefaulted bool
	services        corelisters.ServiceLister
	rcs             corelisters.ReplicationControllerLister
	rss             appslisters.ReplicaSetLister
	sss             appslisters.StatefulSetLister
	// lastKey and lastNS are the last default selector's key and the
	// last namespace counted in (intern).
	lastKey, lastNS atomic.Pointer[string]
}

// intern returns *last when it equals s, else s, which it keeps in last.
// NodeInfo.CountMatching compares the selector key and namespace of its
// memo with the ones asked for, on every node of every cycle; the same
// strings make that a pointer test, where each cycle's own String() of
// one workload's selector, and each pod's own namespace string, made it
// a byte-by-byte comparison.
func intern(last *atomic.Pointer[string], s string) string {
	if l := last.Load(); l != nil && *l == s {
		return *l
	}
	last.Store(&s)
	return s
}

var (
	_ framework.PreFilterPlugin   = &PodTopologySpread{}
	_ framework.FilterPlugin      = &PodTopologySpread{}
	_ framework.PreScorePlugin    = &PodTopologySpread{}
	_ framework.ScorePlugin       = &PodTopologySpread{}
	_ framework.EnqueueExtensions = &PodTopologySpread{}
)

// New returns the plugin for *Args (nil means upstream's defaults).
func New(args framework.PluginArgs, h framework.Handle) (framework.Plugin, error) {
	a, _ := args.(*Args)
	if a == nil {
		a = &Args{}
		a.Default()
	}
	pl := &PodTopologySpread{nodes: h.SnapshotSharedLister(), defaults: a.DefaultConstraints}
	if a.DefaultingType == SystemDefaulting {
		pl.defaults, pl.systemDefaulted = systemDefaultConstraints, true
	}
	if len(pl.defaults) > 0 {
		f := h.SharedInformerFactory()
		pl.services = f.Core().V1().Services().Lister()
		pl.rcs = f.Core().V1().ReplicationControllers().Lister()
		pl.rss = f.Apps().V1().ReplicaSets().Lister()
		pl.sss = f.Apps().V1().StatefulSets().Lister()
	}
	return pl, nil
}

// Name returns Name.
func (*PodTopologySpread) Name() string { return Name }

// EventsToRegister: pods placed, removed or relabelled; nodes added,
// relabelled or retainted.
func (*PodTopologySpread) EventsToRegister() []framework.ClusterEvent {
	return []framework.ClusterEvent{
		{Resource: framework.AssignedPod, ActionType: framework.All},
		{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeLabel | framework.UpdateNodeTaint},
	}
}

// constraint is a parsed TopologySpreadConstraint.
type constraint struct {
	maxSkew, minDomains int32
	key                 string
	selector            labels.Selector
	// selectorKey names selector for NodeInfo.CountMatching's memo.
	selectorKey               string
	honorAffinity, honorTaint bool
}

// constraints parses those of cs with the given action; matchLabelKeys
// add "key in (pod's value)" to the selector.
func constraints(cs []v1.TopologySpreadConstraint, pod *v1.Pod, action v1.UnsatisfiableConstraintAction) ([]constraint, error) {
	var out []constraint
	for _, c := range cs {
		if c.WhenUnsatisfiable != action {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
		if err != nil {
			return nil, err
		}
		for _, k := range c.MatchLabelKeys {
			if v, ok := pod.Labels[k]; ok {
				r, err := labels.NewRequirement(k, selection.In, []string{v})
				if err != nil {
					return nil, err
				}
				sel = sel.Add(*r)
			}
		}
		pc := constraint{maxSkew: c.MaxSkew, minDomains: 1, key: c.TopologyKey, selector: sel, selectorKey: sel.String(), honorAffinity: true}
		if c.MinDomains != nil {
			pc.minDomains = *c.MinDomains
		}
		if c.NodeAffinityPolicy != nil && *c.NodeAffinityPolicy == v1.NodeInclusionPolicyIgnore {
			pc.honorAffinity = false
		}
		if c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == v1.NodeInclusionPolicyHonor {
			pc.honorTaint = true
		}
		out = append(out, pc)
	}
	return out, nil
}

// podConstraints returns the pod's constraints with action, or the
// default ones (with the derived selector) when the pod names none.
func (pl *PodTopologySpread) podConstraints(pod *v1.Pod, action v1.UnsatisfiableConstraintAction) ([]constraint, error) {
	if len(pod.Spec.TopologySpreadConstraints) > 0 {
		return constraints(pod.Spec.TopologySpreadConstraints, pod, action)
	}
	cs, err := constraints(pl.defaults, pod, action)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	sel := pl.defaultSelector(pod)
	if sel.Empty() {
		return nil, nil
	}
	key := intern(&pl.lastKey, sel.String())
	for i := range cs {
		cs[i].selector, cs[i].selectorKey = sel, key
	}
	return cs, nil
}

// defaultSelector merges the selectors of the Services selecting pod and
// of its controlling ReplicationController, ReplicaSet or StatefulSet.
func (pl *PodTopologySpread) defaultSelector(pod *v1.Pod) labels.Selector {
	set := labels.Set{}
	if svcs, err := pl.services.Services(pod.Namespace).List(labels.Everything()); err == nil {
		for _, s := range svcs {
			if len(s.Spec.Selector) > 0 && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(pod.Labels)) {
				set = labels.Merge(set, s.Spec.Selector)
			}
		}
	}
	sel := set.AsSelector()
	owner := metav1.GetControllerOfNoCopy(pod)
	if owner == nil {
		return sel
	}
	gv, err := schema.ParseGroupVersion(owner.APIVersion)
	if err != nil {
		return sel
	}
	var ls *metav1.LabelSelector
	switch gv.WithKind(owner.Kind) {
	case v1.SchemeGroupVersion.WithKind("ReplicationController"):
		if rc, err := pl.rcs.ReplicationControllers(pod.Namespace).Get(owner.Name); err == nil {
			return labels.Merge(set, rc.Spec.Selector).AsSelector()
		}
	case appsv1.SchemeGroupVersion.WithKind("ReplicaSet"):
		if rs, err := pl.rss.ReplicaSets(pod.Namespace).Get(owner.Name); err == nil {
			ls = rs.Spec.Selector
		}
	case appsv1.SchemeGroupVersion.WithKind("StatefulSet"):
		if ss, err := pl.sss.StatefulSets(pod.Namespace).Get(owner.Name); err == nil {
			ls = ss.Spec.Selector
		}
	}
	if ls != nil {
		if other, err := metav1.LabelSelectorAsSelector(ls); err == nil {
			if reqs, ok := other.Requirements(); ok {
				sel = sel.Add(reqs...)
			}
		}
	}
	return sel
}

// includes reports whether node counts for c under its node inclusion
// policies.
func (c *constraint) includes(pod *v1.Pod, node *v1.Node) bool {
	if c.honorAffinity && !framework.RequiredNodeAffinityMatches(pod, node) {
		return false
	}
	if c.honorTaint {
		_, untolerated := framework.FindUntoleratedTaint(node.Spec.Taints, pod.Spec.Tolerations, func(t *v1.Taint) bool {
			return t.Effect == v1.TaintEffectNoSchedule || t.Effect == v1.TaintEffectNoExecute
		})
		if untolerated {
			return false
		}
	}
	return true
}

// hasAllKeys reports whether n's node carries every constraint's key.
func hasAllKeys(n *framework.NodeInfo, cs []constraint) bool {
	for _, c := range cs {
		if _, ok := n.TopologyValue(c.key); !ok {
			return false
		}
	}
	return true
}
