package noderesources

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

const gpu = v1.ResourceName("example.com/gpu")

func scoreNode(t *testing.T, args *FitArgs, gpus string) int64 {
	t.Helper()
	alloc := v1.ResourceList{v1.ResourceCPU: resource.MustParse("10"), v1.ResourceMemory: resource.MustParse("20000"), v1.ResourcePods: resource.MustParse("10")}
	if gpus != "" {
		alloc[gpu] = resource.MustParse(gpus)
	}
	existing := podWith([]v1.ResourceList{{v1.ResourceCPU: resource.MustParse("3"), v1.ResourceMemory: resource.MustParse("5000")}}, nil, nil)
	n := framework.NewNodeInfo(existing)
	n.SetNode(&v1.Node{Status: v1.NodeStatus{Allocatable: alloc}})
	pod := podWith([]v1.ResourceList{{v1.ResourceCPU: resource.MustParse("3"), v1.ResourceMemory: resource.MustParse("0"), gpu: resource.MustParse("2")}}, nil, nil)
	args.Default()
	if err := args.Validate(); err != nil {
		t.Fatal(err)
	}
	pl, err := NewFit(args, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := pl.(*Fit)
	state := framework.NewCycleState()
	f.PreScore(context.Background(), state, pod, nil)
	s, st := f.Score(context.Background(), state, pod, n)
	if !st.IsSuccess() {
		t.Fatal(st)
	}
	return s
}

// TestFitScoringStrategies: the node has 10 cpu and 20000 bytes, 3 cpu and
// 5000 bytes requested; the pod asks 3 cpu, 0 bytes (and 2 gpus), so
// cpu is 60% and memory 25% used after placing it.
func TestFitScoringStrategies(t *testing.T) {
	strategy := func(typ ScoringStrategyType, rs []ResourceSpec, shape ...UtilizationShapePoint) *FitArgs {
		s := &ScoringStrategy{Type: typ, Resources: rs}
		if shape != nil {
			s.RequestedToCapacityRatio = &RequestedToCapacityRatioParam{Shape: shape}
		}
		return &FitArgs{ScoringStrategy: s}
	}
	withGPU := []ResourceSpec{{Name: "cpu", Weight: 1}, {Name: string(gpu), Weight: 1}}
	tests := []struct {
		name string
		args *FitArgs
		gpus string
		want int64
	}{
		{"default is LeastAllocated: (40 + 75) / 2", &FitArgs{}, "", 57},
		{"MostAllocated: (60 + 25) / 2", strategy(MostAllocated, nil), "", 42},
		{"MostAllocated weighted cpu 3: (180 + 25) / 4", strategy(MostAllocated, []ResourceSpec{{Name: "cpu", Weight: 3}, {Name: "memory", Weight: 1}}), "", 51},
		{"MostAllocated with an extended resource: (60 + 50) / 2", strategy(MostAllocated, withGPU), "4", 55},
		{"extended resource the node lacks is left out", strategy(MostAllocated, withGPU), "", 60},
		{"RequestedToCapacityRatio rising shape: round(85 / 2)", strategy(RequestedToCapacityRatio, nil, UtilizationShapePoint{0, 0}, UtilizationShapePoint{100, 10}), "", 43},
		{"RequestedToCapacityRatio falling shape: round(115 / 2)", strategy(RequestedToCapacityRatio, nil, UtilizationShapePoint{0, 10}, UtilizationShapePoint{100, 0}), "", 58},
		{"RequestedToCapacityRatio step shape", strategy(RequestedToCapacityRatio, nil, UtilizationShapePoint{30, 0}, UtilizationShapePoint{50, 10}), "", 100},
		{"RequestedToCapacityRatio zero scores are left out", strategy(RequestedToCapacityRatio, nil, UtilizationShapePoint{50, 0}, UtilizationShapePoint{100, 10}), "", 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scoreNode(t, tt.args, tt.gpus); got != tt.want {
				t.Errorf("Score() = %d; want %d", got, tt.want)
			}
		})
	}
}

func TestFitArgsValidate(t *testing.T) {
	tests := []struct {
		name string
		args FitArgs
		want string
	}{
		{"defaults are valid", FitArgs{}, ""},
		{"unknown type", FitArgs{ScoringStrategy: &ScoringStrategy{Type: "Random"}},
			`scoringStrategy.type: Unsupported value: "Random": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"`},
		{"weight out of range", FitArgs{ScoringStrategy: &ScoringStrategy{Resources: []ResourceSpec{{Name: "cpu", Weight: 101}}}},
			"scoringStrategy.resources[0].weight: Invalid value: 101: resource weight of cpu should be in range [1, 100]"},
		{"shape required", FitArgs{ScoringStrategy: &ScoringStrategy{Type: RequestedToCapacityRatio}},
			"scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified"},
		{"shape unsorted", FitArgs{ScoringStrategy: &ScoringStrategy{Type: RequestedToCapacityRatio, RequestedToCapacityRatio: &RequestedToCapacityRatioParam{
			Shape: []UtilizationShapePoint{{50, 1}, {10, 2}}}}},
			"scoringStrategy.requestedToCapacityRatio.shape[1].utilization: Invalid value: 10: utilization values must be sorted in increasing order"},
		{"shape score too big", FitArgs{ScoringStrategy: &ScoringStrategy{Type: RequestedToCapacityRatio, RequestedToCapacityRatio: &RequestedToCapacityRatioParam{
			Shape: []UtilizationShapePoint{{50, 11}}}}},
			"scoringStrategy.requestedToCapacityRatio.shape[0].score: Invalid value: 11: not in valid range [0, 10]"},
		{"resource group with a slash", FitArgs{IgnoredResourceGroups: []string{"example.com/gpu"}},
			`ignoredResourceGroups[0]: Invalid value: "example.com/gpu": resource group name can't contain '/'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.args.Default()
			got := ""
			if err := tt.args.Validate(); err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate() = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestFitIgnoredResources(t *testing.T) {
	n := framework.NewNodeInfo()
	n.SetNode(&v1.Node{Status: v1.NodeStatus{Allocatable: v1.ResourceList{v1.ResourcePods: resource.MustParse("10")}}})
	pod := podWith([]v1.ResourceList{{gpu: resource.MustParse("1")}}, nil, nil)
	tests := []struct {
		name string
		args FitArgs
		want *framework.Status
	}{
		{"checked by default", FitArgs{}, framework.NewStatus(framework.Unschedulable, "Insufficient example.com/gpu")},
		{"ignored by name", FitArgs{IgnoredResources: []string{string(gpu)}}, nil},
		{"ignored by group", FitArgs{IgnoredResourceGroups: []string{"example.com"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.args.Default()
			pl, _ := NewFit(&tt.args, nil)
			if got := pl.(*Fit).Filter(context.Background(), framework.NewCycleState(), pod, n); !got.Equal(tt.want) {
				t.Errorf("Filter() = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestBalancedAllocationScore(t *testing.T) {
	n := framework.NewNodeInfo(podWith([]v1.ResourceList{rl("2", "2000")}, nil, nil))
	n.SetNode(&v1.Node{Status: v1.NodeStatus{Allocatable: v1.ResourceList{
		v1.ResourceCPU: resource.MustParse("10"), v1.ResourceMemory: resource.MustParse("10000"), gpu: resource.MustParse("10")}}})
	tests := []struct {
		name      string
		resources []ResourceSpec
		pod       *v1.Pod
		want      int64
		skip      bool
	}{
		// cpu (2+2)/10 = 0.4, memory (2000+6000)/10000 = 0.8: 100 * (1 - 0.2).
		{"cpu and memory", nil, podWith([]v1.ResourceList{rl("2", "6000")}, nil, nil), 80, false},
		{"best effort pod skips", nil, podWith(nil, nil, nil), 0, true},
		// cpu 0.4, memory 0.8, gpu 0.6: std = sqrt(((0.2)^2 + (0.2)^2 + 0) / 3) = 0.163.
		{"three resources", []ResourceSpec{{Name: "cpu", Weight: 1}, {Name: "memory", Weight: 1}, {Name: string(gpu), Weight: 1}},
			podWith([]v1.ResourceList{{v1.ResourceCPU: resource.MustParse("2"), v1.ResourceMemory: resource.MustParse("6000"), gpu: resource.MustParse("6")}}, nil, nil), 83, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := &BalancedAllocationArgs{Resources: tt.resources}
			args.Default()
			pl, _ := NewBalancedAllocation(args, nil)
			ba := pl.(*BalancedAllocation)
			state := framework.NewCycleState()
			if st := ba.PreScore(context.Background(), state, tt.pod, nil); st.IsSkip() != tt.skip {
				t.Fatalf("PreScore() = %v; want skip %v", st, tt.skip)
			}
			if tt.skip {
				return
			}
			if got, _ := ba.Score(context.Background(), state, tt.pod, n); got != tt.want {
				t.Errorf("Score() = %d; want %d", got, tt.want)
			}
		})
	}
}
