package noderesources

import (
	"context"
	"math"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// BalancedAllocationName is NodeResourcesBalancedAllocation's name in
// configurations.
const BalancedAllocationName = "NodeResourcesBalancedAllocation"

// BalancedAllocation is the NodeResourcesBalancedAllocation plugin.
type BalancedAllocation struct{}

var _ framework.ScorePlugin = &BalancedAllocation{}

// NewBalancedAllocation returns the plugin.
func NewBalancedAllocation(framework.Handle) (framework.Plugin, error) {
	return &BalancedAllocation{}, nil
}

// Name returns BalancedAllocationName.
func (*BalancedAllocation) Name() string { return BalancedAllocationName }

// Score is (1 - std) * 100 where std is the standard deviation of the cpu
// and memory fractions requested after placing the pod (each capped at 1).
func (*BalancedAllocation) Score(_ context.Context, _ *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	req := framework.PodRequests(pod, true)
	return BalancedScore(
		fraction(n.NonZeroRequested.MilliCPU+req.MilliCPU, n.Allocatable.MilliCPU),
		fraction(n.NonZeroRequested.Memory+req.Memory, n.Allocatable.Memory),
	), nil
}

// BalancedScore scores two requested fractions; for two values the
// standard deviation is half their difference.
func BalancedScore(cpu, mem float64) int64 {
	std := math.Abs(cpu-mem) / 2
	return int64((1 - std) * float64(framework.MaxNodeScore))
}

// ScoreExtensions is nil: scores are already 0-100.
func (*BalancedAllocation) ScoreExtensions() framework.ScoreExtensions { return nil }

func fraction(requested, capacity int64) float64 {
	if capacity == 0 {
		return 1
	}
	return min(float64(requested)/float64(capacity), 1)
}
