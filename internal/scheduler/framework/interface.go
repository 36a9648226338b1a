package framework

import (
	"context"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
)

// MaxNodeScore and MinNodeScore bound every normalized score.
const (
	MaxNodeScore int64 = 100
	MinNodeScore int64 = 0
)

// Plugin is the base of every extension point.
type Plugin interface {
	Name() string
}

// QueuedPodInfo is a pod in the scheduling queue.
type QueuedPodInfo struct {
	Pod *v1.Pod
	// Timestamp is when the pod was first added to the queue.
	Timestamp time.Time
	// Attempts counts scheduling attempts.
	Attempts int
	// UnschedulablePlugins are the plugins that rejected the pod in its
	// last attempt; only events they register for re-queue it. Read-only
	// once set: pods that failed alike may share one map.
	UnschedulablePlugins map[string]bool
}

// QueueSortPlugin orders the active queue.
type QueueSortPlugin interface {
	Plugin
	Less(a, b *QueuedPodInfo) bool
}

// PreFilterPlugin computes per-pod state once per cycle, or rejects the pod
// outright.
type PreFilterPlugin interface {
	Plugin
	PreFilter(ctx context.Context, state *CycleState, pod *v1.Pod) *Status
}

// FilterPlugin decides whether pod fits nodeInfo. It must use nodeInfo, not
// a snapshot lookup: preemption calls it with modified copies.
type FilterPlugin interface {
	Plugin
	Filter(ctx context.Context, state *CycleState, pod *v1.Pod, nodeInfo *NodeInfo) *Status
}

// NodeToStatus is the filter outcome for each rejected node.
type NodeToStatus map[string]*Status

// PostFilterPlugin runs when no node fits (preemption).
type PostFilterPlugin interface {
	Plugin
	PostFilter(ctx context.Context, state *CycleState, pod *v1.Pod, statuses NodeToStatus) (nominatedNode string, s *Status)
}

// PreScorePlugin computes state for Score over the feasible nodes.
type PreScorePlugin interface {
	Plugin
	PreScore(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo) *Status
}

// NodeScore is one node's score from one plugin.
type NodeScore struct {
	Name  string
	Score int64
}

// NodeScoreList is scores in node order.
type NodeScoreList []NodeScore

// ScorePlugin ranks feasible nodes.
type ScorePlugin interface {
	Plugin
	Score(ctx context.Context, state *CycleState, pod *v1.Pod, nodeInfo *NodeInfo) (int64, *Status)
	// ScoreExtensions is nil when the plugin needs no normalization.
	ScoreExtensions() ScoreExtensions
}

// ScoreExtensions normalizes a plugin's scores to [MinNodeScore, MaxNodeScore].
type ScoreExtensions interface {
	NormalizeScore(ctx context.Context, state *CycleState, pod *v1.Pod, scores NodeScoreList) *Status
}

// ReservePlugin claims what the chosen node offers the pod (volumes, for
// instance) before binding; Unreserve gives it back when any later step of
// the cycle fails. Unreserve must be idempotent and must not fail.
type ReservePlugin interface {
	Plugin
	Reserve(ctx context.Context, state *CycleState, pod *v1.Pod, nodeName string) *Status
	Unreserve(ctx context.Context, state *CycleState, pod *v1.Pod, nodeName string)
}

// PreBindPlugin does the API work a binding needs first (binding volumes,
// for instance). It runs in the binding cycle, off the scheduling loop; an
// error status fails the binding and runs every Unreserve.
type PreBindPlugin interface {
	Plugin
	PreBind(ctx context.Context, state *CycleState, pod *v1.Pod, nodeName string) *Status
}

// ActionType is a bit set of what happened to an object.
type ActionType int

// The actions a ClusterEvent can carry.
const (
	Add ActionType = 1 << iota
	Delete
	UpdateNodeAllocatable
	UpdateNodeLabel
	UpdateNodeTaint
	UpdateNodeCondition
	UpdatePodLabel
	// Update is any update.
	Update = UpdateNodeAllocatable | UpdateNodeLabel | UpdateNodeTaint | UpdateNodeCondition | UpdatePodLabel
	// All is every action.
	All = Add | Delete | Update
)

// Resources a ClusterEvent can be about.
const (
	Node        = "Node"
	Pod         = "Pod"
	AssignedPod = "AssignedPod"
	WildCard    = "*"
	// PersistentVolume, PersistentVolumeClaim and StorageClass events
	// matter to volume binding.
	PersistentVolume      = "PersistentVolume"
	PersistentVolumeClaim = "PersistentVolumeClaim"
	StorageClass          = "storage.k8s.io/StorageClass"
)

// ClusterEvent is a change in the cluster that may make pods schedulable.
type ClusterEvent struct {
	Resource   string
	ActionType ActionType
	Label      string
}

// Match reports whether e (a registered interest) covers ev (what happened).
func (e ClusterEvent) Match(ev ClusterEvent) bool {
	if e.Resource == WildCard || ev.Resource == WildCard {
		return true
	}
	return e.Resource == ev.Resource && e.ActionType&ev.ActionType != 0
}

// EnqueueExtensions names the events that may make a pod rejected by the
// plugin schedulable.
type EnqueueExtensions interface {
	Plugin
	EventsToRegister() []ClusterEvent
}

// NodeInfoLister reads the cycle's snapshot.
type NodeInfoLister interface {
	// List is every node, in a stable order.
	List() []*NodeInfo
	// Get returns a node by name, nil if absent.
	Get(name string) *NodeInfo
	// HavePodsWithAffinityList is the nodes holding a pod with affinity
	// or anti-affinity terms, and HavePodsWithRequiredAntiAffinityList
	// those holding one with required anti-affinity, as upstream's
	// snapshot keeps them: plugins that only care about such pods need
	// not walk every node.
	HavePodsWithAffinityList() []*NodeInfo
	HavePodsWithRequiredAntiAffinityList() []*NodeInfo
	// ImageNumNodes is how many nodes hold the image (by any of its
	// names).
	ImageNumNodes(image string) int
}

// FilterNodes returns the nodes for which keep is true (for listers that
// compute the affinity lists by walking every node).
func FilterNodes(nodes []*NodeInfo, keep func(*NodeInfo) bool) []*NodeInfo {
	var out []*NodeInfo
	for _, n := range nodes {
		if keep(n) {
			out = append(out, n)
		}
	}
	return out
}

// CountImageNodes counts the nodes holding image.
func CountImageNodes(nodes []*NodeInfo, image string) int {
	c := 0
	for _, n := range nodes {
		if _, ok := n.ImageStates[image]; ok {
			c++
		}
	}
	return c
}

// Handle is what plugins may use from the scheduler.
type Handle interface {
	// SnapshotSharedLister is the snapshot of the running cycle.
	SnapshotSharedLister() NodeInfoLister
	// SharedInformerFactory is the scheduler's informer factory. Plugins
	// ask it for listers in their factory (before the scheduler starts
	// it), so the informers they need are started and synced with the
	// scheduler's own.
	SharedInformerFactory() informers.SharedInformerFactory
	// ClientSet writes to the API (PreBind plugins).
	ClientSet() kubernetes.Interface
}

// PluginArgs are a plugin's pluginConfig args, decoded strictly from
// upstream's kubescheduler.config.k8s.io/v1 form.
type PluginArgs interface {
	// Default fills unset fields with upstream's defaults.
	Default()
	// Validate checks defaulted args; the error names the field relative
	// to args ("scoringStrategy.type: Unsupported value: ...").
	Validate() error
}

// PluginFactory builds a plugin for a profile. args are the plugin's
// defaulted and validated args (the type its ArgsFactory makes), or nil
// for plugins that take none.
type PluginFactory func(args PluginArgs, h Handle) (Plugin, error)

// ArgsFactory makes an empty args value for a plugin that takes args.
type ArgsFactory func() PluginArgs

// Registry maps plugin names to their factories.
type Registry map[string]PluginFactory
