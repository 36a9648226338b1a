package noderesources

import (
	"math"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// amount is one resource of a Resource by name.
func amount(r *framework.Resource, name string) int64 {
	switch v1.ResourceName(name) {
	case v1.ResourceCPU:
		return r.MilliCPU
	case v1.ResourceMemory:
		return r.Memory
	case v1.ResourceEphemeralStorage:
		return r.EphemeralStorage
	case v1.ResourcePods:
		return r.AllowedPodNumber
	}
	return r.ScalarResources[v1.ResourceName(name)]
}

// allocation is what a node would have requested, per scored resource,
// with the pod placed on it, and its allocatable.
type allocation struct {
	requested, allocatable []int64
}

// inlineResources is how many scored resources an allocation holds
// without a heap allocation (upstream's defaults score two).
const inlineResources = 4

// allocationOf computes the allocation for podReq on n. With nonZero (the
// fit scorers), cpu and memory count the scoring defaults for containers
// naming none (podReq must be computed the same way); otherwise the
// requests as they are (BalancedAllocation). A resource the node does not
// have gets allocatable 0 and is left out by the scorers, as upstream.
//
// buf, when it holds 2*len(resources) values, backs the result (callers
// pass a stack array: Score runs for every node of every cycle).
func allocationOf(buf []int64, podReq *framework.Resource, n *framework.NodeInfo, resources []ResourceSpec, nonZero bool) allocation {
	k := len(resources)
	if cap(buf) < 2*k {
		buf = make([]int64, 2*k)
	}
	buf = buf[:2*k]
	clear(buf)
	a := allocation{requested: buf[:k:k], allocatable: buf[k:]}
	for i, r := range resources {
		alloc := amount(&n.Allocatable, r.Name)
		if alloc == 0 {
			continue
		}
		used := &n.Requested
		if nonZero && (r.Name == string(v1.ResourceCPU) || r.Name == string(v1.ResourceMemory)) {
			used = &n.NonZeroRequested
		}
		a.allocatable[i] = alloc
		a.requested[i] = amount(used, r.Name) + amount(podReq, r.Name)
	}
	return a
}

// weighted averages per-resource scores by weight over the resources the
// node has.
func weighted(a allocation, resources []ResourceSpec, score func(requested, capacity int64) int64) int64 {
	var total, weights int64
	for i := range resources {
		if a.allocatable[i] == 0 {
			continue
		}
		total += score(a.requested[i], a.allocatable[i]) * resources[i].Weight
		weights += resources[i].Weight
	}
	if weights == 0 {
		return 0
	}
	return total / weights
}

// leastAllocated favours free nodes: (capacity - requested) * 100 / capacity.
func leastAllocated(requested, capacity int64) int64 {
	if capacity == 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * framework.MaxNodeScore / capacity
}

// mostAllocated favours full nodes: requested * 100 / capacity, with
// requested capped at capacity (default requests can exceed it).
func mostAllocated(requested, capacity int64) int64 {
	if capacity == 0 {
		return 0
	}
	requested = min(requested, capacity)
	return requested * framework.MaxNodeScore / capacity
}

// shape is RequestedToCapacityRatio's scorer: the shape's scores scaled
// to 0-100, interpolated linearly at the utilization, and averaged by
// weight over the resources scoring above zero, rounded.
type shape struct{ scaled []UtilizationShapePoint }

func newShape(points []UtilizationShapePoint) *shape {
	scaled := make([]UtilizationShapePoint, len(points))
	for i, p := range points {
		scaled[i] = UtilizationShapePoint{Utilization: p.Utilization, Score: p.Score * int32(framework.MaxNodeScore/maxCustomPriorityScore)}
	}
	return &shape{scaled: scaled}
}

// raw is the interpolated score at utilization u (0-100).
func (sh *shape) raw(u int64) int64 {
	for i, p := range sh.scaled {
		if u > int64(p.Utilization) {
			continue
		}
		if i == 0 {
			return int64(p.Score)
		}
		q := sh.scaled[i-1]
		return int64(q.Score) + int64(p.Score-q.Score)*(u-int64(q.Utilization))/int64(p.Utilization-q.Utilization)
	}
	return int64(sh.scaled[len(sh.scaled)-1].Score)
}

func (sh *shape) score(a allocation, resources []ResourceSpec) int64 {
	var total, weights int64
	for i := range resources {
		capacity, requested := a.allocatable[i], a.requested[i]
		if capacity == 0 {
			continue
		}
		s := sh.raw(100)
		if requested <= capacity {
			s = sh.raw(requested * 100 / capacity)
		}
		if s > 0 {
			total += s * resources[i].Weight
			weights += resources[i].Weight
		}
	}
	if weights == 0 {
		return 0
	}
	return int64(math.Round(float64(total) / float64(weights)))
}

// BalancedScore is (1 - std) * 100 for the requested fractions (each
// capped at 1): for two the standard deviation is half their difference.
func BalancedScore(fractions ...float64) int64 {
	var std float64
	switch n := float64(len(fractions)); {
	case len(fractions) == 2:
		std = math.Abs(fractions[0]-fractions[1]) / 2
	case len(fractions) > 2:
		var sum float64
		for _, f := range fractions {
			sum += f
		}
		mean := sum / n
		var sq float64
		for _, f := range fractions {
			sq += (f - mean) * (f - mean)
		}
		std = math.Sqrt(sq / n)
	}
	return int64((1 - std) * float64(framework.MaxNodeScore))
}
