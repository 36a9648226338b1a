package scheduler

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

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
	reserve    []framework.ReservePlugin
	preBind    []framework.PreBindPlugin
	weights    map[string]int64
	// events are what each enabled plugin registered for.
	events map[string][]framework.ClusterEvent
	// scoreBuf backs the per-plugin scores of a cycle, kept across cycles
	// (Score runs on the scheduling goroutine only): allocating it for
	// every pod was most of a cycle's garbage.
	scoreBuf framework.NodeScoreList
	// totalsBuf backs the totals Score returns, likewise (the caller
	// picks the host before the next cycle).
	totalsBuf []int64
	// metrics times each extension point (nil: not timed).
	metrics *Metrics
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
	sets, err := pointSets(cfg, get)
	if err != nil {
		return nil, err
	}
	prof := &Profile{Name: p.SchedulerName, weights: map[string]int64{}, events: map[string][]framework.ClusterEvent{}}
	if err := prof.addPoints(sets, get); err != nil {
		return nil, err
	}
	if prof.queueSort == nil {
		return nil, fmt.Errorf("profile %s: no queueSort plugin", p.SchedulerName)
	}
	for name, pl := range built {
		if ee, ok := pl.(framework.EnqueueExtensions); ok {
			prof.events[name] = ee.EventsToRegister()
		}
	}
	return prof, nil
}

// addPoints builds every extension point from upstream's defaults and the
// configured sets, in upstream's order. PreFilter defaults to the filter
// plugins that pre-filter, preScore to the score plugins that pre-score.
func (prof *Profile) addPoints(sets map[string]PluginSet, get pluginGetter) error {
	qs, _, err := buildPoint("queueSort", defaultPlugins.queueSort, sets["queueSort"], get)
	if err != nil {
		return err
	}
	if len(qs) > 1 {
		return fmt.Errorf("plugins.queueSort: only one queueSort plugin can be enabled")
	}
	if len(qs) == 1 {
		prof.queueSort = qs[0].(framework.QueueSortPlugin)
	}
	filters, filterRefs, err := buildPoint("filter", defaultPlugins.filter, sets["filter"], get)
	if err != nil {
		return err
	}
	preFilters, _, err := buildPoint("preFilter", derived("preFilter", filterRefs, get), sets["preFilter"], get)
	if err != nil {
		return err
	}
	postFilters, _, err := buildPoint("postFilter", defaultPlugins.postFilter, sets["postFilter"], get)
	if err != nil {
		return err
	}
	scores, scoreRefs, err := buildPoint("score", defaultPlugins.score, sets["score"], get)
	if err != nil {
		return err
	}
	preScores, _, err := buildPoint("preScore", derived("preScore", scoreRefs, get), sets["preScore"], get)
	if err != nil {
		return err
	}
	reserves, _, err := buildPoint("reserve", defaultPlugins.reserve, sets["reserve"], get)
	if err != nil {
		return err
	}
	preBinds, _, err := buildPoint("preBind", defaultPlugins.preBind, sets["preBind"], get)
	if err != nil {
		return err
	}
	prof.filter, prof.preFilter = asserting[framework.FilterPlugin](filters), asserting[framework.PreFilterPlugin](preFilters)
	prof.postFilter = asserting[framework.PostFilterPlugin](postFilters)
	prof.score, prof.preScore = asserting[framework.ScorePlugin](scores), asserting[framework.PreScorePlugin](preScores)
	prof.reserve, prof.preBind = asserting[framework.ReservePlugin](reserves), asserting[framework.PreBindPlugin](preBinds)
	for _, ref := range scoreRefs {
		prof.weights[ref.Name] = max(int64(ref.Weight), 1)
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

// RunPreFilter runs the PreFilters; a rejection applies to all nodes. As
// upstream, an UnschedulableAndUnresolvable rejection ends the run at
// once (no preemption can help), while an Unschedulable one lets the rest
// run, so that each prepares the state preemption reads, and is returned
// at the end (the last, if several reject, as upstream).
func (prof *Profile) RunPreFilter(ctx context.Context, state *framework.CycleState, pod *v1.Pod) (st *framework.Status) {
	defer prof.timed("PreFilter", time.Now(), &st)
	var rejected *framework.Status
	for _, pl := range prof.preFilter {
		s := pl.PreFilter(ctx, state, pod)
		if s.IsSkip() {
			state.SkipFilterPlugins[pl.Name()] = true
			continue
		}
		if s.Code() == framework.UnschedulableAndUnresolvable {
			return s.WithPlugin(pl.Name())
		}
		if s.IsRejected() {
			rejected = s.WithPlugin(pl.Name())
			continue
		}
		if !s.IsSuccess() {
			return pluginError("PreFilter", pl.Name(), s)
		}
	}
	return rejected
}

// RunFilter runs the filters on one node and stops at the first rejection.
func (prof *Profile) RunFilter(ctx context.Context, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	for _, pl := range state.FiltersToRun(prof.filter) {
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
			failed[nodes[i].Name()] = s
		}
	}
	return feasible, failed
}

// Score runs PreScore, then every Score plugin on each node over workers
// goroutines (as upstream, nodes in parallel), then NormalizeScore, and
// returns each node's weighted total. It is not safe for concurrent use:
// the scheduling goroutine alone calls it.
func (prof *Profile) Score(ctx context.Context, state *framework.CycleState, pod *v1.Pod, nodes []*framework.NodeInfo, workers int) (_ []int64, st *framework.Status) {
	if st := prof.runPreScore(ctx, state, pod, nodes); !st.IsSuccess() {
		return nil, st
	}
	defer prof.timed("Score", time.Now(), &st)
	plugins := make([]framework.ScorePlugin, 0, len(prof.score))
	for _, pl := range prof.score {
		if !state.SkipScorePlugins[pl.Name()] {
			plugins = append(plugins, pl)
		}
	}
	// One backing array: scores[p] are plugin p's scores in node order.
	if cap(prof.scoreBuf) < len(plugins)*len(nodes) {
		prof.scoreBuf = make(framework.NodeScoreList, len(plugins)*len(nodes))
	}
	all := prof.scoreBuf[:len(plugins)*len(nodes)]
	scores := make([]framework.NodeScoreList, len(plugins))
	for p := range plugins {
		scores[p] = all[p*len(nodes) : (p+1)*len(nodes)]
	}
	if st := scoreNodes(ctx, state, pod, nodes, plugins, scores, workers); !st.IsSuccess() {
		return nil, st
	}
	if cap(prof.totalsBuf) < len(nodes) {
		prof.totalsBuf = make([]int64, len(nodes))
	}
	totals := prof.totalsBuf[:len(nodes)]
	clear(totals)
	for p, pl := range plugins {
		if ext := pl.ScoreExtensions(); ext != nil {
			if s := ext.NormalizeScore(ctx, state, pod, scores[p]); !s.IsSuccess() {
				return nil, s.WithPlugin(pl.Name())
			}
		}
		w := prof.weights[pl.Name()]
		for i := range scores[p] {
			totals[i] += scores[p][i].Score * w
		}
	}
	return totals, nil
}

// scoreNodes fills scores[p][i] with plugin p's score of node i, the
// nodes spread over workers goroutines in chunks; it returns the first
// failure.
func scoreNodes(ctx context.Context, state *framework.CycleState, pod *v1.Pod, nodes []*framework.NodeInfo, plugins []framework.ScorePlugin, scores []framework.NodeScoreList, workers int) *framework.Status {
	var next atomic.Int64
	var failed atomic.Pointer[framework.Status]
	var wg sync.WaitGroup
	chunk := chunkSize(len(nodes), workers)
	for range max(1, min(workers, len(nodes)/minNodesPerScoreWorker)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := int(next.Add(int64(chunk)) - int64(chunk))
				if from >= len(nodes) {
					return
				}
				for i := from; i < min(from+chunk, len(nodes)); i++ {
					if failed.Load() != nil {
						return
					}
					name := nodes[i].Name()
					for p, pl := range plugins {
						v, s := pl.Score(ctx, state, pod, nodes[i])
						if !s.IsSuccess() {
							failed.CompareAndSwap(nil, s.WithPlugin(pl.Name()))
							return
						}
						scores[p][i] = framework.NodeScore{Name: name, Score: v}
					}
				}
			}
		}()
	}
	wg.Wait()
	return failed.Load()
}

// chunkSize is how many consecutive nodes a worker takes at a time, as
// upstream's parallelizer chunks its work: about the square root of n, at
// most n/workers+1. Chunks keep the workers off one shared counter and
// off each other's cache lines.
func chunkSize(n, workers int) int {
	c := int(math.Sqrt(float64(n)))
	if r := n/max(workers, 1) + 1; c > r {
		c = r
	}
	return max(c, 1)
}

// runPreScore runs the PreScore plugins; a skipping one skips its Score.
func (prof *Profile) runPreScore(ctx context.Context, state *framework.CycleState, pod *v1.Pod, nodes []*framework.NodeInfo) (st *framework.Status) {
	defer prof.timed("PreScore", time.Now(), &st)
	for _, pl := range prof.preScore {
		s := pl.PreScore(ctx, state, pod, nodes)
		if s.IsSkip() {
			state.SkipScorePlugins[pl.Name()] = true
			continue
		}
		if !s.IsSuccess() {
			return s.WithPlugin(pl.Name())
		}
	}
	return nil
}

// timed records how long an extension point took since start, with the
// status *st it ended with (upstream's
// scheduler_framework_extension_point_duration_seconds).
func (prof *Profile) timed(point string, start time.Time, st **framework.Status) {
	prof.metrics.extensionPoint(point, prof.Name, *st, start)
}

// minNodesPerScoreWorker keeps small clusters on one goroutine: starting
// workers costs more than scoring a few nodes.
const minNodesPerScoreWorker = 32

// RunPostFilter runs the PostFilter plugins until one succeeds and
// returns the last status (for its message).
func (prof *Profile) RunPostFilter(ctx context.Context, state *framework.CycleState, pod *v1.Pod, statuses framework.NodeToStatus) (_ string, st *framework.Status) {
	defer prof.timed("PostFilter", time.Now(), &st)
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
