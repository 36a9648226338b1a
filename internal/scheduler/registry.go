package scheduler

import (
	"github.com/skiff-dev/skiff/internal/scheduler/framework"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/defaultpreemption"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/imagelocality"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/interpodaffinity"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/nodeaffinity"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/nodename"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/nodeports"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/noderesources"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/nodeunschedulable"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/podtopologyspread"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/queuesort"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/tainttoleration"
	"github.com/skiff-dev/skiff/internal/scheduler/plugins/volumebinding"
)

// NewRegistry returns every in-tree plugin by name.
func NewRegistry() framework.Registry {
	return framework.Registry{
		queuesort.Name:                       queuesort.New,
		nodeunschedulable.Name:               nodeunschedulable.New,
		nodename.Name:                        nodename.New,
		tainttoleration.Name:                 tainttoleration.New,
		nodeaffinity.Name:                    nodeaffinity.New,
		nodeports.Name:                       nodeports.New,
		noderesources.FitName:                noderesources.NewFit,
		noderesources.BalancedAllocationName: noderesources.NewBalancedAllocation,
		defaultpreemption.Name:               defaultpreemption.New,
		interpodaffinity.Name:                interpodaffinity.New,
		podtopologyspread.Name:               podtopologyspread.New,
		imagelocality.Name:                   imagelocality.New,
		volumebinding.Name:                   volumebinding.New,
	}
}

// NewArgsRegistry returns, for each in-tree plugin that takes
// pluginConfig args, the factory of its args type (upstream's
// <Name>Args); plugins not listed take none.
func NewArgsRegistry() map[string]framework.ArgsFactory {
	return map[string]framework.ArgsFactory{
		noderesources.FitName:                noderesources.NewFitArgs,
		noderesources.BalancedAllocationName: noderesources.NewBalancedAllocationArgs,
		interpodaffinity.Name:                interpodaffinity.NewArgs,
		defaultpreemption.Name:               defaultpreemption.NewArgs,
		volumebinding.Name:                   volumebinding.NewArgs,
		podtopologyspread.Name:               podtopologyspread.NewArgs,
	}
}

// PluginRef is a plugin and, at score, its weight.
type PluginRef struct {
	Name   string `json:"name"`
	Weight int32  `json:"weight,omitempty"`
}

// defaultPlugins is upstream's default profile for the plugins Skiff has,
// in upstream's order. Filter plugins that also pre-filter run PreFilter;
// score plugins that also pre-score run PreScore.
var defaultPlugins = struct{ queueSort, filter, postFilter, score, reserve, preBind []PluginRef }{
	queueSort: []PluginRef{{Name: queuesort.Name}},
	filter: []PluginRef{
		{Name: nodeunschedulable.Name},
		{Name: nodename.Name},
		{Name: tainttoleration.Name},
		{Name: nodeaffinity.Name},
		{Name: nodeports.Name},
		{Name: noderesources.FitName},
		{Name: volumebinding.Name},
		{Name: podtopologyspread.Name},
		{Name: interpodaffinity.Name},
	},
	postFilter: []PluginRef{{Name: defaultpreemption.Name}},
	score: []PluginRef{
		{Name: tainttoleration.Name, Weight: 3},
		{Name: nodeaffinity.Name, Weight: 2},
		{Name: noderesources.FitName, Weight: 1},
		{Name: podtopologyspread.Name, Weight: 2},
		{Name: interpodaffinity.Name, Weight: 2},
		{Name: noderesources.BalancedAllocationName, Weight: 1},
		{Name: imagelocality.Name, Weight: 1},
	},
	// VolumeBinding reserves and pre-binds volumes upstream; it is a
	// default there once it implements the point.
	reserve: implementing[framework.ReservePlugin](volumebinding.Name, &volumebinding.VolumeBinding{}),
	preBind: implementing[framework.PreBindPlugin](volumebinding.Name, &volumebinding.VolumeBinding{}),
}

// implementing is a default list of the one plugin name when pl
// implements T, else empty.
func implementing[T any](name string, pl framework.Plugin) []PluginRef {
	if _, ok := pl.(T); ok {
		return []PluginRef{{Name: name}}
	}
	return nil
}
