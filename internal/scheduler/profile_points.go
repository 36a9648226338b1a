package scheduler

import (
	"fmt"
	"slices"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// pluginGetter builds (once) and returns a profile's plugin by name.
type pluginGetter func(name string) (framework.Plugin, error)

// unrunPoints are extension points upstream configures that Skiff does
// not run (no plugin of ours implements them, and binding is always the
// pods/binding call). Enabling a plugin there is an error, never ignored.
var unrunPoints = []string{"permit", "bind", "postBind"}

// pointSets are the configured sets of p, by extension point name, with
// multiPoint's enabled and disabled plugins spread over the points each
// enabled plugin implements, as upstream's v1 configuration does: a plugin
// enabled or disabled at a point itself keeps that point's setting, and
// multiPoint's plugins come before the point's own.
func pointSets(p *Plugins, get pluginGetter) (map[string]PluginSet, error) {
	sets := p.sets()
	delete(sets, "multiPoint")
	// Walk multiPoint backwards: each plugin is put first, so the result
	// keeps multiPoint's order ahead of the point's own plugins.
	for _, ref := range slices.Backward(p.MultiPoint.Enabled) {
		pl, err := get(ref.Name)
		if err != nil {
			return nil, err
		}
		for point, s := range sets {
			if !implements(point, pl) || hasRef(s.Enabled, ref.Name) || hasRef(s.Disabled, ref.Name) {
				continue
			}
			s.Enabled = append([]PluginRef{ref}, s.Enabled...)
			sets[point] = s
		}
	}
	for point, s := range sets {
		s.Disabled = append(slices.Clone(s.Disabled), p.MultiPoint.Disabled...)
		sets[point] = s
	}
	for _, point := range unrunPoints {
		if e := sets[point].Enabled; len(e) > 0 {
			return nil, fmt.Errorf("plugins.%s.enabled: plugin %s: Skiff runs no %s plugins", point, e[0].Name, point)
		}
	}
	return sets, nil
}

func hasRef(refs []PluginRef, name string) bool {
	return slices.ContainsFunc(refs, func(r PluginRef) bool { return r.Name == name })
}

// implements reports whether pl runs at the extension point named point.
func implements(point string, pl framework.Plugin) bool {
	var ok bool
	switch point {
	case "queueSort":
		_, ok = pl.(framework.QueueSortPlugin)
	case "preFilter":
		_, ok = pl.(framework.PreFilterPlugin)
	case "filter":
		_, ok = pl.(framework.FilterPlugin)
	case "postFilter":
		_, ok = pl.(framework.PostFilterPlugin)
	case "preScore":
		_, ok = pl.(framework.PreScorePlugin)
	case "score":
		_, ok = pl.(framework.ScorePlugin)
	case "reserve":
		_, ok = pl.(framework.ReservePlugin)
	case "preBind":
		_, ok = pl.(framework.PreBindPlugin)
	}
	return ok
}

// buildPoint returns the plugins of one extension point: defaults merged
// with set, each checked to implement the point.
func buildPoint(point string, defaults []PluginRef, set PluginSet, get pluginGetter) ([]framework.Plugin, []PluginRef, error) {
	refs := merge(defaults, set)
	out := make([]framework.Plugin, 0, len(refs))
	for _, ref := range refs {
		pl, err := get(ref.Name)
		if err != nil {
			return nil, nil, err
		}
		if !implements(point, pl) {
			return nil, nil, fmt.Errorf("plugins.%s: plugin %s does not implement %s", point, ref.Name, point)
		}
		out = append(out, pl)
	}
	return out, refs, nil
}

// derived are the plugins of refs (already built) that implement point:
// the default preFilter plugins are the filter plugins that pre-filter,
// the default preScore ones the score plugins that pre-score.
func derived(point string, refs []PluginRef, get pluginGetter) []PluginRef {
	var out []PluginRef
	for _, ref := range refs {
		if pl, err := get(ref.Name); err == nil && implements(point, pl) {
			out = append(out, PluginRef{Name: ref.Name})
		}
	}
	return out
}

// asserting converts plugins already checked by buildPoint.
func asserting[T any](pls []framework.Plugin) []T {
	out := make([]T, len(pls))
	for i, pl := range pls {
		out[i] = pl.(T)
	}
	return out
}
