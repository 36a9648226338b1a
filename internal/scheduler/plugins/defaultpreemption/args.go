package defaultpreemption

import (
	"fmt"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// Args is upstream's DefaultPreemptionArgs.
type Args struct {
	// MinCandidateNodesPercentage is the share of nodes (0-100) dry-run
	// preemption looks at before it stops; 10 by default.
	MinCandidateNodesPercentage *int32 `json:"minCandidateNodesPercentage,omitempty"`
	// MinCandidateNodesAbsolute is the least number of nodes it looks at;
	// 100 by default.
	MinCandidateNodesAbsolute *int32 `json:"minCandidateNodesAbsolute,omitempty"`
}

var _ framework.PluginArgs = &Args{}

// NewArgs returns empty args (for the configuration decoder).
func NewArgs() framework.PluginArgs { return &Args{} }

// Default fills upstream's defaults, 10% and 100.
func (a *Args) Default() {
	if a.MinCandidateNodesPercentage == nil {
		v := int32(10)
		a.MinCandidateNodesPercentage = &v
	}
	if a.MinCandidateNodesAbsolute == nil {
		v := int32(100)
		a.MinCandidateNodesAbsolute = &v
	}
}

// Validate checks defaulted args as upstream's ValidateDefaultPreemptionArgs.
func (a *Args) Validate() error {
	p, n := *a.MinCandidateNodesPercentage, *a.MinCandidateNodesAbsolute
	if p < 0 || p > 100 {
		return fmt.Errorf("minCandidateNodesPercentage: Invalid value: %d: not in valid range [0, 100]", p)
	}
	if n < 0 {
		return fmt.Errorf("minCandidateNodesAbsolute: Invalid value: %d: not in valid range [0, inf)", n)
	}
	if p == 0 && n == 0 {
		return fmt.Errorf("minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute")
	}
	return nil
}

// numCandidates is how many candidates dry-run preemption collects among
// numNodes potential nodes.
func (a *Args) numCandidates(numNodes int) int {
	n := numNodes * int(*a.MinCandidateNodesPercentage) / 100
	n = max(n, int(*a.MinCandidateNodesAbsolute))
	return min(n, numNodes)
}
