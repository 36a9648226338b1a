package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// RunReserve runs every Reserve plugin in order and stops at the first
// failure. A rejection keeps its code (the pod does not fit the node); an
// error names the plugin, as upstream's "running Reserve plugin".
func (prof *Profile) RunReserve(ctx context.Context, state *framework.CycleState, pod *v1.Pod, node string) (st *framework.Status) {
	defer prof.timed("Reserve", time.Now(), &st)
	for _, pl := range prof.reserve {
		s := pl.Reserve(ctx, state, pod, node)
		if s.IsSuccess() {
			continue
		}
		if s.IsRejected() {
			return s.WithPlugin(pl.Name())
		}
		return pluginError("Reserve", pl.Name(), s)
	}
	return nil
}

// RunUnreserve runs every Reserve plugin's Unreserve in reverse order, as
// upstream, whichever of them reserved.
func (prof *Profile) RunUnreserve(ctx context.Context, state *framework.CycleState, pod *v1.Pod, node string) {
	for _, pl := range slices.Backward(prof.reserve) {
		pl.Unreserve(ctx, state, pod, node)
	}
}

// RunPreBind runs every PreBind plugin in order and stops at the first
// failure.
func (prof *Profile) RunPreBind(ctx context.Context, state *framework.CycleState, pod *v1.Pod, node string) (st *framework.Status) {
	defer prof.timed("PreBind", time.Now(), &st)
	for _, pl := range prof.preBind {
		s := pl.PreBind(ctx, state, pod, node)
		if s.IsSuccess() {
			continue
		}
		if s.IsRejected() {
			return s.WithPlugin(pl.Name())
		}
		return pluginError("PreBind", pl.Name(), s)
	}
	return nil
}

// pluginError is an Error status naming the point and the plugin.
func pluginError(point, plugin string, s *framework.Status) *framework.Status {
	err := s.AsError()
	if err == nil {
		err = errors.New(s.Message())
	}
	return framework.AsStatus(fmt.Errorf("running %s plugin %q: %w", point, plugin, err)).WithPlugin(plugin)
}
