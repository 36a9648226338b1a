package scheduler

import (
	"errors"

	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// registration is one event handler the scheduler added to an informer.
type registration struct {
	informer cache.SharedIndexInformer
	reg      cache.ResourceEventHandlerRegistration
}

// watch is an informer the scheduler handles events of.
type watch struct {
	informer cache.SharedIndexInformer
	handler  cache.ResourceEventHandler
}

// watches asks the factory for the informers the scheduler handles: nodes
// and pods always, the volume resources only when a plugin registered
// events about them (so their informers, and their memory, exist only
// then). New calls it, so a shared factory started after New starts them
// with its owner's lifetime.
func (s *Scheduler) watches() []watch {
	core, storage := s.informers.Core().V1(), s.informers.Storage().V1()
	out := []watch{{core.Nodes().Informer(), s.nodeHandler()}, {core.Pods().Informer(), s.podHandler()}}
	if s.volumeEvents[framework.PersistentVolume] {
		out = append(out, watch{core.PersistentVolumes().Informer(), s.volumeHandler(framework.PersistentVolume)})
	}
	if s.volumeEvents[framework.PersistentVolumeClaim] {
		out = append(out, watch{core.PersistentVolumeClaims().Informer(), s.volumeHandler(framework.PersistentVolumeClaim)})
	}
	if s.volumeEvents[framework.StorageClass] {
		out = append(out, watch{storage.StorageClasses().Informer(), s.volumeHandler(framework.StorageClass)})
	}
	return out
}

// addHandlers adds the scheduler's handlers to its watched informers. On
// error the handlers added so far are returned, for removeHandlers.
func (s *Scheduler) addHandlers() ([]registration, error) {
	var regs []registration
	for _, w := range s.watched {
		reg, err := w.informer.AddEventHandler(w.handler)
		if err != nil {
			return regs, err
		}
		regs = append(regs, registration{informer: w.informer, reg: reg})
	}
	return regs, nil
}

// removeHandlers takes the scheduler's handlers off shared informers that
// outlive it.
func (s *Scheduler) removeHandlers(regs []registration) {
	var errs []error
	for _, r := range regs {
		errs = append(errs, r.informer.RemoveEventHandler(r.reg))
	}
	if err := errors.Join(errs...); err != nil {
		s.log.Warn("remove event handlers", "err", err)
	}
}

// volumeHandler turns adds and updates of a volume resource into the
// cluster events plugins registered for, as upstream (deletes free
// nothing a pending pod could use).
func (s *Scheduler) volumeHandler(resource string) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { s.queue.MoveOnEvent(framework.ClusterEvent{Resource: resource, ActionType: framework.Add}) },
		UpdateFunc: func(any, any) {
			s.queue.MoveOnEvent(framework.ClusterEvent{Resource: resource, ActionType: framework.Update})
		},
	}
}

// volumeResources are the volume resources events registers interest in.
func volumeResources(events map[string][]framework.ClusterEvent) map[string]bool {
	out := map[string]bool{}
	for _, evs := range events {
		for _, ev := range evs {
			switch ev.Resource {
			case framework.PersistentVolume, framework.PersistentVolumeClaim, framework.StorageClass:
				out[ev.Resource] = true
			}
		}
	}
	return out
}
