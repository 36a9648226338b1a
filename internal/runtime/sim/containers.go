package sim

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/kubelet"
)

var podsResource = schema.GroupResource{Resource: "pods"}

// StartContainer implements kubelet.Runtime. The new instance is Created
// and turns Running after StartLatency (init containers then complete
// with exit code 0; a container told to CrashOnStart exits at once).
func (r *Runtime) StartContainer(_ context.Context, p *corev1.Pod, c *corev1.Container, init bool) error {
	plan, exits, err := exitPlanOf(p)
	if err == nil {
		_, err = usageOf(p)
	}
	if err != nil {
		return err
	}
	r.mu.Lock()
	sp, ok := r.pods[p.UID]
	if !ok {
		r.mu.Unlock()
		return apierrors.NewNotFound(podsResource, p.Name)
	}
	now := r.cfg.Clock.Now()
	r.seq++
	inst := &kubelet.ContainerStatus{
		Name:      c.Name,
		ID:        fmt.Sprintf("sim://%s-%d", c.Name, r.seq),
		Image:     c.Image,
		ImageID:   "sim://" + c.Image,
		State:     kubelet.ContainerCreated,
		CreatedAt: now,
	}
	if prev, ok := sp.containers[c.Name]; ok {
		old := *prev
		old.Previous = nil
		inst.Attempt, inst.Previous = prev.Attempt+1, &old
	}
	sp.containers[c.Name] = inst
	sp.newLog(inst)
	r.mu.Unlock()
	exits = exits && !init
	lines := logLines(p)
	if r.cfg.StartLatency <= 0 {
		if r.run(p.UID, inst, init, lines) && exits {
			r.scheduleExit(p.UID, inst, plan)
		}
		return nil
	}
	r.cfg.Clock.AfterFunc(r.cfg.StartLatency, func() {
		// a goroutine of its own: fake clocks call back holding their lock
		go func() {
			if r.run(p.UID, inst, init, lines) && exits {
				r.scheduleExit(p.UID, inst, plan)
			}
			r.wake(p.UID)
		}()
	})
	return nil
}

// run turns a created instance Running (or, for init containers and
// containers told to crash on start, Exited), writing lines to its log
// as it turns Running; it reports whether the instance is left Running.
func (r *Runtime) run(uid types.UID, inst *kubelet.ContainerStatus, init bool, lines []string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	sp, ok := r.pods[uid]
	if !ok || sp.containers[inst.Name] != inst || inst.State != kubelet.ContainerCreated {
		return false
	}
	now := r.cfg.Clock.Now()
	inst.State, inst.StartedAt = kubelet.ContainerRunning, now
	if l := sp.logOf(inst); l != nil {
		l.append(now, lines)
	}
	if code, crash := sp.crashOnStart[inst.Name]; crash {
		sp.exit(inst, code, now)
	} else if init {
		sp.exit(inst, 0, now)
	}
	return inst.State == kubelet.ContainerRunning
}

// exit ends inst, the latest instance of its container, with code, and
// its log. r.mu held.
func (sp *pod) exit(inst *kubelet.ContainerStatus, code int32, now time.Time) {
	exit(inst, code, now)
	if l := sp.logOf(inst); l != nil {
		l.end()
	}
}

// exit ends an instance with code.
func exit(inst *kubelet.ContainerStatus, code int32, now time.Time) {
	inst.State, inst.ExitCode, inst.FinishedAt = kubelet.ContainerExited, code, now
	inst.Reason = "Completed"
	if code != 0 {
		inst.Reason = "Error"
	}
}

// StopPod implements kubelet.Runtime: containers stop after StopDelay,
// or the grace period when shorter, and exit with code 0.
func (r *Runtime) StopPod(ctx context.Context, p *corev1.Pod, grace time.Duration) error {
	if d := min(r.cfg.StopDelay, grace); d > 0 {
		t := r.cfg.Clock.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C():
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	sp, ok := r.pods[p.UID]
	if !ok {
		return nil
	}
	now := r.cfg.Clock.Now()
	for _, c := range sp.containers {
		if c.State != kubelet.ContainerExited {
			sp.exit(c, 0, now)
		}
	}
	return nil
}

// Crash ends the running container of pod namespace/name with exitCode
// (0 is a normal completion).
func (r *Runtime) Crash(namespace, name, container string, exitCode int32) error {
	return r.steer(namespace, name, func(sp *pod) error {
		c, ok := sp.containers[container]
		if !ok || c.State != kubelet.ContainerRunning {
			return apierrors.NewBadRequest(fmt.Sprintf("container %s of %s is not running", container, sp.key))
		}
		sp.exit(c, exitCode, r.cfg.Clock.Now())
		return nil
	})
}

// CrashOnStart makes every later start of the container exit at once with
// exitCode; a negative exitCode undoes it.
func (r *Runtime) CrashOnStart(namespace, name, container string, exitCode int32) error {
	return r.steer(namespace, name, func(sp *pod) error {
		if exitCode < 0 {
			delete(sp.crashOnStart, container)
		} else {
			sp.crashOnStart[container] = exitCode
		}
		return nil
	})
}

// SetReady sets the readiness probe result of a container.
func (r *Runtime) SetReady(namespace, name, container string, ready bool) error {
	return r.steer(namespace, name, func(sp *pod) error {
		if ready {
			delete(sp.notReady, container)
		} else {
			sp.notReady[container] = true
		}
		return nil
	})
}

// steer applies fn to pod namespace/name and notifies the kubelet.
func (r *Runtime) steer(namespace, name string, fn func(*pod) error) error {
	r.mu.Lock()
	uid, ok := r.byName[namespace+"/"+name]
	sp := r.pods[uid]
	if !ok || sp == nil {
		r.mu.Unlock()
		return apierrors.NewNotFound(podsResource, name)
	}
	err := fn(sp)
	r.mu.Unlock()
	if err == nil {
		r.wake(uid)
	}
	return err
}

func (r *Runtime) wake(uid types.UID) {
	r.mu.Lock()
	fn := r.notify
	r.mu.Unlock()
	fn(uid)
}
