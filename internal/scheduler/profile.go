package scheduler

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// Profile is one configured scheduler (a schedulerName) with its plugins
// per extension point, built once.
type Profile struct {
	Name       string
	queueSort  framework.QueueSortPlugin
	preFilter  []framework.PreFilterPlugin
	filter     []framework.FilterPlugin
	postFilter []framework.PostFilterPlugin
	preScore   []framework.PreScorePlugin
	score      []framework.ScorePlugin
	weights    map[string]int64
	// events are what each enabled plugin registered for.
	events map[string][]framework.ClusterEvent
}

// NewProfile builds a profile: upstream's defaults, changed by the
// profile's enabled and disabled sets. Each plugin is built once, with its
// pluginConfig args (or its defaults).
func NewProfile(p KubeSchedulerProfile, reg framework.Registry, h framework.Handle) (*Profile, error) {
	cfg := p.Plugins
	if cfg == nil {
		cfg = &Plugins{}
	}
	built := map[string]framework.Plugin{}
	get := func(name string) (framework.Plugin, error) {
		if pl, ok := built[name]; ok {
			return pl, nil
		}
		f, ok := reg[name]
		if !ok {
			return nil, fmt.Errorf("no plugin %q", name)
		}
		args, err := pluginArgs(name, p.PluginConfig, NewArgsRegistry())
		if err != nil {
			return nil, err
		}
		pl, err := f(args, h)
		if err != nil {
			return nil, fmt.Errorf("plugin %s: %w", name, err)
		}
		built[name] = pl
		return pl, nil
	}
	prof := &Profile{Name: p.SchedulerName, weights: map[string]int64{}, events: map[string][]framework.ClusterEvent{}}
	for _, ref := range merge(defaultPlugins.queueSort, cfg.QueueSort) {
		pl, err := get(ref.Name)
		if err != nil {
			return nil, err
		}
		qs, ok := pl.(framework.QueueSortPlugin)
		if !ok {
			return nil, fmt.Errorf("plugin %s does not sort the queue", ref.Name)
		}
		prof.queueSort = qs
	}
	if prof.queueSort == nil {
		return nil, fmt.Errorf("profile %s: no queueSort plugin", p.SchedulerName)
	}
	if err := prof.addFilters(merge(defaultPlugins.filter, cfg.Filter), merge(defaultPlugins.postFilter, cfg.PostFilter), get); err != nil {
		return nil, err
	}
	if err := prof.addScores(merge(defaultPlugins.score, cfg.Score), get); err != nil {
		return nil, err
	}
	for name, pl := range built {
		if ee, ok := pl.(framework.EnqueueExtensions); ok {
			prof.events[name] = ee.EventsToRegister()
		}
	}
	return prof, nil
}

func (prof *Profile) addFilters(filters, postFilters []PluginRef, get func(string) (framework.Plugin, error)) error {
	for _, ref := range filters {
		pl, err := get(ref.Name)
		if err != nil {
			return err
		}
		f, ok := pl.(framework.FilterPlugin)
		if !ok {
			return fmt.Errorf("plugin %s does not filter", ref.Name)
		}
		prof.filter = append(prof.filter, f)
		if pf, ok := pl.(framework.PreFilterPlugin); ok {
			prof.preFilter = append(prof.preFilter, pf)
		}
	}
	for _, ref := range postFilters {
		pl, err := get(ref.Name)
		if err != nil {
			return err
		}
		pf, ok := pl.(framework.PostFilterPlugin)
		if !ok {
			return fmt.Errorf("plugin %s is no postFilter", ref.Name)
		}
		prof.postFilter = append(prof.postFilter, pf)
	}
	return nil
}

func (prof *Profile) addScores(scores []PluginRef, get func(string) (framework.Plugin, error)) error {
	for _, ref := range scores {
		pl, err := get(ref.Name)
		if err != nil {
			return err
		}
		s, ok := pl.(framework.ScorePlugin)
		if !ok {
			return fmt.Errorf("plugin %s does not score", ref.Name)
		}
		prof.score = append(prof.score, s)
		prof.weights[ref.Name] = max(int64(ref.Weight), 1)
		if ps, ok := pl.(framework.PreScorePlugin); ok {
			prof.preScore = append(prof.preScore, ps)
		}
	}
	return nil
}

// merge applies a configured set to defaults: disabled ones (or "*") go,
// enabled ones are added in order (replacing a default's weight).
func merge(defaults []PluginRef, set PluginSet) []PluginRef {
	var out []PluginRef
	for _, d := range defaults {
		if slices.ContainsFunc(set.Disabled, func(r PluginRef) bool { return r.Name == "*" || r.Name == d.Name }) {
			continue
		}
		if slices.ContainsFunc(set.Enabled, func(r PluginRef) bool { return r.Name == d.Name }) {
			continue
		}
		out = append(out, d)
	}
	return append(out, set.Enabled...)
}

// RunPreFilter runs every PreFilter; a rejection applies to all nodes.
func (prof *Profile) RunPreFilter(ctx context.Context, state *framework.CycleState, pod *v1.Pod) *framework.Status {
	for _, pl := range prof.preFilter {
		s := pl.PreFilter(ctx, state, pod)
		if s.IsSkip() {
			state.SkipFilterPlugins[pl.Name()] = true
			continue
		}
		if !s.IsSuccess() {
			return s.WithPlugin(pl.Name())
		}
	}
	return nil
}

// RunFilter runs the filters on one node and stops at the first rejection.
func (prof *Profile) RunFilter(ctx context.Context, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	for _, pl := range prof.filter {
		if state.SkipFilterPlugins[pl.Name()] {
			continue
		}
		if s := pl.Filter(ctx, state, pod, n); !s.IsSuccess() {
			return s.WithPlugin(pl.Name())
		}
	}
	return nil
}

// FindFeasible filters nodes over workers goroutines and returns the
// nodes that fit and the status of each that does not.
func (prof *Profile) FindFeasible(ctx context.Context, state *framework.CycleState, pod *v1.Pod, nodes []*framework.NodeInfo, workers int) ([]*framework.NodeInfo, framework.NodeToStatus) {
	statuses := make([]*framework.Status, len(nodes))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(workers, len(nodes))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(nodes); i = int(next.Add(1) - 1) {
				statuses[i] = prof.RunFilter(ctx, state, pod, nodes[i])
			}
		}()
	}
	wg.Wait()
	var feasible []*framework.NodeInfo
	failed := framework.NodeToStatus{}
	for i, s := range statuses {
		if s.IsSuccess() {
			feasible = append(feasible, nodes[i])
		} else {
			failed[nodes[i].Node().Name] = s
		}
	}
	return feasible, failed
}

// Score runs PreScore, Score and NormalizeScore and returns each node's
// weighted total.
func (prof *Profile) Score(ctx context.Context, state *framework.CycleState, pod *v1.Pod, nodes []*framework.NodeInfo) ([]int64, *framework.Status) {
	for _, pl := range prof.preScore {
		s := pl.PreScore(ctx, state, pod, nodes)
		if s.IsSkip() {
			state.SkipScorePlugins[pl.Name()] = true
			continue
		}
		if !s.IsSuccess() {
			return nil, s.WithPlugin(pl.Name())
		}
	}
	totals := make([]int64, len(nodes))
	scores := make(framework.NodeScoreList, len(nodes))
	for _, pl := range prof.score {
		if state.SkipScorePlugins[pl.Name()] {
			continue
		}
		for i, n := range nodes {
			v, s := pl.Score(ctx, state, pod, n)
			if !s.IsSuccess() {
				return nil, s.WithPlugin(pl.Name())
			}
			scores[i] = framework.NodeScore{Name: n.Node().Name, Score: v}
		}
		if ext := pl.ScoreExtensions(); ext != nil {
			if s := ext.NormalizeScore(ctx, state, pod, scores); !s.IsSuccess() {
				return nil, s.WithPlugin(pl.Name())
			}
		}
		for i := range scores {
			totals[i] += scores[i].Score * prof.weights[pl.Name()]
		}
	}
	return totals, nil
}

// RunPostFilter runs the PostFilter plugins until one succeeds and
// returns the last status (for its message).
func (prof *Profile) RunPostFilter(ctx context.Context, state *framework.CycleState, pod *v1.Pod, statuses framework.NodeToStatus) (string, *framework.Status) {
	var last *framework.Status
	for _, pl := range prof.postFilter {
		node, s := pl.PostFilter(ctx, state, pod, statuses)
		if s.IsSuccess() {
			return node, nil
		}
		last = s.WithPlugin(pl.Name())
	}
	return "", last
}
