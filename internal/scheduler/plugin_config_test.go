package scheduler

import (
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/scheduler/framework/frameworktest"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/interpodaffinity"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/noderesources"
)

const header = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: default-scheduler\n  pluginConfig:\n"

func TestPluginConfigErrorsNameTheField(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"unknown args field", "  - name: InterPodAffinity\n    args: {hardPodAffinityWeight: 2}\n  - name: NodeResourcesFit\n    args: {foo: 1}\n",
			"profiles[0].pluginConfig[1].args.foo: unknown field"},
		{"unknown nested field", "  - name: NodeResourcesFit\n    args:\n      scoringStrategy: {type: MostAllocated, bar: 1}\n",
			"profiles[0].pluginConfig[0].args"},
		{"unknown plugin", "  - name: Nope\n    args: {}\n", `profiles[0].pluginConfig[0].name: Unsupported value: "Nope"`},
		{"duplicate plugin", "  - name: NodeResourcesFit\n  - name: NodeResourcesFit\n", `profiles[0].pluginConfig[1].name: Duplicate value: "NodeResourcesFit"`},
		{"args for a plugin that takes none", "  - name: NodeName\n    args: {x: 1}\n", "profiles[0].pluginConfig[0].args: Invalid value: plugin NodeName takes no args"},
		{"wrong kind", "  - name: NodeResourcesFit\n    args: {kind: InterPodAffinityArgs}\n",
			`profiles[0].pluginConfig[0].args.kind: Unsupported value: "InterPodAffinityArgs": supported values: "NodeResourcesFitArgs"`},
		{"invalid value", "  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: Random}}\n", `profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: "Random"`},
		{"wrong type", "  - name: InterPodAffinity\n    args: {hardPodAffinityWeight: heavy}\n", "profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value"},
		{"out of range", "  - name: InterPodAffinity\n    args: {hardPodAffinityWeight: 101}\n",
			"profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100]"},
		{"spread defaults with System", "  - name: PodTopologySpread\n    args: {defaultingType: System, defaultConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway}]}\n",
			"profiles[0].pluginConfig[0].args.defaultingType: Invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(header + tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseConfig() = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestPluginConfigReachesThePlugins(t *testing.T) {
	in := header + `  - name: NodeResourcesFit
    args:
      apiVersion: kubescheduler.config.k8s.io/v1
      kind: NodeResourcesFitArgs
      scoringStrategy:
        type: RequestedToCapacityRatio
        resources: [{name: cpu, weight: 3}, {name: memory}]
        requestedToCapacityRatio:
          shape: [{utilization: 0, score: 0}, {utilization: 100, score: 10}]
  - name: InterPodAffinity
    args: {hardPodAffinityWeight: 5}
`
	cfg, err := ParseConfig([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	pcs := cfg.Profiles[0].PluginConfig
	fit := pcs[0].decoded.(*noderesources.FitArgs)
	if s := fit.ScoringStrategy; s.Type != noderesources.RequestedToCapacityRatio || s.Resources[1].Weight != 1 || s.Resources[0].Weight != 3 {
		t.Errorf("decoded fit args = %+v; want RequestedToCapacityRatio, cpu 3, memory defaulted to 1", s)
	}
	if w := *pcs[1].decoded.(*interpodaffinity.Args).HardPodAffinityWeight; w != 5 {
		t.Errorf("hardPodAffinityWeight = %d; want 5", w)
	}
	p := cfg.Profiles[0]
	p.Plugins = &Plugins{PostFilter: PluginSet{Disabled: []PluginRef{{Name: "*"}}}} // preemption needs the real handle
	prof, err := NewProfile(p, NewRegistry(), frameworktest.NewHandle(nil))
	if err != nil {
		t.Fatalf("NewProfile() = %v", err)
	}
	var names []string
	for _, s := range prof.score {
		names = append(names, s.Name()+"="+string(rune('0'+prof.weights[s.Name()])))
	}
	want := "TaintToleration=3 NodeAffinity=2 NodeResourcesFit=1 PodTopologySpread=2 InterPodAffinity=2 NodeResourcesBalancedAllocation=1 ImageLocality=1"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("score plugins = %s; want %s", got, want)
	}
}
