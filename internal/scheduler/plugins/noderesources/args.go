package noderesources

import (
	"fmt"
	"strings"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// ScoringStrategyType names how NodeResourcesFit scores nodes.
type ScoringStrategyType string

// Upstream's scoring strategies.
const (
	LeastAllocated           ScoringStrategyType = "LeastAllocated"
	MostAllocated            ScoringStrategyType = "MostAllocated"
	RequestedToCapacityRatio ScoringStrategyType = "RequestedToCapacityRatio"
)

// maxCustomPriorityScore is the top of a shape's score scale (0-10); it
// is stretched to framework.MaxNodeScore.
const maxCustomPriorityScore = 10

// ResourceSpec is a resource and its weight in a score.
type ResourceSpec struct {
	Name   string `json:"name"`
	Weight int64  `json:"weight,omitempty"`
}

// UtilizationShapePoint is one point of RequestedToCapacityRatio's
// piecewise-linear shape: utilization 0-100 maps to score 0-10.
type UtilizationShapePoint struct {
	Utilization int32 `json:"utilization"`
	Score       int32 `json:"score"`
}

// RequestedToCapacityRatioParam holds the shape.
type RequestedToCapacityRatioParam struct {
	Shape []UtilizationShapePoint `json:"shape,omitempty"`
}

// ScoringStrategy is NodeResourcesFitArgs.scoringStrategy.
type ScoringStrategy struct {
	Type                     ScoringStrategyType            `json:"type,omitempty"`
	Resources                []ResourceSpec                 `json:"resources,omitempty"`
	RequestedToCapacityRatio *RequestedToCapacityRatioParam `json:"requestedToCapacityRatio,omitempty"`
}

// FitArgs is upstream's NodeResourcesFitArgs.
type FitArgs struct {
	// IgnoredResources are extended resources the filter does not check.
	IgnoredResources []string `json:"ignoredResources,omitempty"`
	// IgnoredResourceGroups are prefixes ("example.com" for
	// "example.com/gpu") of extended resources the filter does not check.
	IgnoredResourceGroups []string         `json:"ignoredResourceGroups,omitempty"`
	ScoringStrategy       *ScoringStrategy `json:"scoringStrategy,omitempty"`
}

// NewFitArgs returns empty args (for the configuration decoder).
func NewFitArgs() framework.PluginArgs { return &FitArgs{} }

func defaultResources() []ResourceSpec {
	return []ResourceSpec{{Name: string(v1.ResourceCPU), Weight: 1}, {Name: string(v1.ResourceMemory), Weight: 1}}
}

// Default is upstream's: LeastAllocated over cpu and memory, weight 1.
func (a *FitArgs) Default() {
	if a.ScoringStrategy == nil {
		a.ScoringStrategy = &ScoringStrategy{}
	}
	s := a.ScoringStrategy
	if s.Type == "" {
		s.Type = LeastAllocated
	}
	if len(s.Resources) == 0 {
		s.Resources = defaultResources()
	}
	for i := range s.Resources {
		if s.Resources[i].Weight == 0 {
			s.Resources[i].Weight = 1
		}
	}
}

// Validate checks the args as upstream's ValidateNodeResourcesFitArgs.
func (a *FitArgs) Validate() error {
	for i, g := range a.IgnoredResourceGroups {
		if strings.Contains(g, "/") {
			return fmt.Errorf("ignoredResourceGroups[%d]: Invalid value: %q: resource group name can't contain '/'", i, g)
		}
	}
	s := a.ScoringStrategy
	switch s.Type {
	case LeastAllocated, MostAllocated:
	case RequestedToCapacityRatio:
		if s.RequestedToCapacityRatio == nil || len(s.RequestedToCapacityRatio.Shape) == 0 {
			return fmt.Errorf("scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified")
		}
		if err := validateShape(s.RequestedToCapacityRatio.Shape); err != nil {
			return err
		}
	default:
		return fmt.Errorf("scoringStrategy.type: Unsupported value: %q: supported values: \"LeastAllocated\", \"MostAllocated\", \"RequestedToCapacityRatio\"", s.Type)
	}
	return validateResources("scoringStrategy.resources", s.Resources)
}

func validateShape(shape []UtilizationShapePoint) error {
	for i, p := range shape {
		path := fmt.Sprintf("scoringStrategy.requestedToCapacityRatio.shape[%d]", i)
		if p.Utilization < 0 || p.Utilization > 100 {
			return fmt.Errorf("%s.utilization: Invalid value: %d: not in valid range [0, 100]", path, p.Utilization)
		}
		if i > 0 && p.Utilization <= shape[i-1].Utilization {
			return fmt.Errorf("%s.utilization: Invalid value: %d: utilization values must be sorted in increasing order", path, p.Utilization)
		}
		if p.Score < 0 || p.Score > maxCustomPriorityScore {
			return fmt.Errorf("%s.score: Invalid value: %d: not in valid range [0, 10]", path, p.Score)
		}
	}
	return nil
}

func validateResources(path string, rs []ResourceSpec) error {
	seen := map[string]bool{}
	for i, r := range rs {
		if r.Name == "" {
			return fmt.Errorf("%s[%d].name: Required value", path, i)
		}
		if seen[r.Name] {
			return fmt.Errorf("%s[%d].name: Duplicate value: %q", path, i, r.Name)
		}
		seen[r.Name] = true
		if r.Weight < 1 || r.Weight > 100 {
			return fmt.Errorf("%s[%d].weight: Invalid value: %d: resource weight of %s should be in range [1, 100]", path, i, r.Weight, r.Name)
		}
	}
	return nil
}

// BalancedAllocationArgs is upstream's NodeResourcesBalancedAllocationArgs.
type BalancedAllocationArgs struct {
	// Resources are the resources whose requested fractions are balanced
	// (weights are accepted and, as upstream, not used).
	Resources []ResourceSpec `json:"resources,omitempty"`
}

// NewBalancedAllocationArgs returns empty args (for the configuration decoder).
func NewBalancedAllocationArgs() framework.PluginArgs { return &BalancedAllocationArgs{} }

// Default is upstream's: cpu and memory.
func (a *BalancedAllocationArgs) Default() {
	if len(a.Resources) == 0 {
		a.Resources = defaultResources()
	}
	for i := range a.Resources {
		if a.Resources[i].Weight == 0 {
			a.Resources[i].Weight = 1
		}
	}
}

// Validate checks names and weights.
func (a *BalancedAllocationArgs) Validate() error { return validateResources("resources", a.Resources) }
