// Package queuesort owns PrioritySort, the default queue order: higher
// priority first, then the pod queued earlier.
package queuesort

import (
	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// Name is the plugin's name in configurations.
const Name = "PrioritySort"

// PrioritySort orders the active queue by priority, then queue time.
type PrioritySort struct{}

var _ framework.QueueSortPlugin = &PrioritySort{}

// New returns the plugin.
func New(framework.PluginArgs, framework.Handle) (framework.Plugin, error) {
	return &PrioritySort{}, nil
}

// Name returns Name.
func (*PrioritySort) Name() string { return Name }

// Less reports whether a goes before b.
func (*PrioritySort) Less(a, b *framework.QueuedPodInfo) bool {
	pa, pb := framework.PodPriority(a.Pod), framework.PodPriority(b.Pod)
	return pa > pb || (pa == pb && a.Timestamp.Before(b.Timestamp))
}
