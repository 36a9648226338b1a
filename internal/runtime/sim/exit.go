package sim

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/kubelet"
)

// Annotations that make the regular containers of a simulated pod exit on
// their own, so that Jobs can complete on hollow nodes.
const (
	// ExitAfterAnnotation is a Go duration ("2s", "0s"): every start of a
	// regular container exits this long after it turns Running.
	ExitAfterAnnotation = "sim.skiff.dev/exit-after"
	// ExitCodeAnnotation is the exit code of those exits (default 0).
	ExitCodeAnnotation = "sim.skiff.dev/exit-code"
)

// exitPlan is when and how a container exits on its own.
type exitPlan struct {
	after time.Duration
	code  int32
}

// exitPlanOf reads the exit annotations of p; ok is false when the pod
// has none (the container then runs until told). Values that do not parse
// are an error, which StartContainer returns: the container is not started
// and the kubelet reports the error as an event, as it reports a container
// it cannot create.
func exitPlanOf(p *corev1.Pod) (plan exitPlan, ok bool, err error) {
	v, ok := p.Annotations[ExitAfterAnnotation]
	c, hasCode := p.Annotations[ExitCodeAnnotation]
	if !ok {
		if hasCode {
			return exitPlan{}, false, fmt.Errorf("annotation %s needs %s beside it", ExitCodeAnnotation, ExitAfterAnnotation)
		}
		return exitPlan{}, false, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return exitPlan{}, false, fmt.Errorf("annotation %s: %w", ExitAfterAnnotation, err)
	}
	if d < 0 {
		return exitPlan{}, false, fmt.Errorf("annotation %s: %q is negative", ExitAfterAnnotation, v)
	}
	plan.after = d
	if hasCode {
		n, err := strconv.ParseInt(c, 10, 32)
		if err != nil {
			return exitPlan{}, false, fmt.Errorf("annotation %s: %q is not an exit code", ExitCodeAnnotation, c)
		}
		plan.code = int32(n)
	}
	return plan, true, nil
}

// scheduleExit ends inst with the plan's code after the plan's delay,
// unless it stopped or was replaced meanwhile.
func (r *Runtime) scheduleExit(uid types.UID, inst *kubelet.ContainerStatus, plan exitPlan) {
	r.cfg.Clock.AfterFunc(plan.after, func() {
		// a goroutine of its own: fake clocks call back holding their lock
		go func() {
			r.mu.Lock()
			sp, ok := r.pods[uid]
			live := ok && sp.containers[inst.Name] == inst && inst.State == kubelet.ContainerRunning
			if live {
				sp.exit(inst, plan.code, r.cfg.Clock.Now())
			}
			r.mu.Unlock()
			if live {
				r.wake(uid)
			}
		}()
	})
}
