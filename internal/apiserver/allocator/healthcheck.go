package allocator

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

// allocateHealthCheckNodePort takes spec.healthCheckNodePort from the
// node port range when svc starts to need one (on create, or an update
// into LoadBalancer with policy Local): the port the client asked for,
// else a free one. A Service that needed one before keeps its port (the
// update path filled it in when left out; validation keeps it from
// changing); one that no longer needs it has it released by releaseUnused
// once the update is allocated. As upstream's allocHealthCheckNodePort and
// updateHealthCheckNodePort (pkg/registry/core/service/storage/alloc.go),
// failures are internal errors; the port allocator never gives a port to
// two Services, or to a node port and a health check at once.
func (s *Services) allocateHealthCheckNodePort(ctx context.Context, svc, old *corev1.Service, owner string, dry *dryRunPorts, undo *[]func()) error {
	if !defaults.NeedsHealthCheck(&svc.Spec) {
		return nil
	}
	if old != nil && defaults.NeedsHealthCheck(&old.Spec) {
		if svc.Spec.HealthCheckNodePort == 0 {
			svc.Spec.HealthCheckNodePort = old.Spec.HealthCheckNodePort
		}
		return nil
	}
	port := int(svc.Spec.HealthCheckNodePort)
	if dry != nil {
		if port == 0 {
			svc.Spec.HealthCheckNodePort = int32(dry.next())
			return nil
		}
		if err := dry.allocate(ctx, port); err != nil {
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate requested HealthCheck NodePort %d: %s", port, s.portReason(err)))
		}
		return nil
	}
	if port != 0 {
		if err := s.Ports.Allocate(ctx, port, owner); err != nil {
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate requested HealthCheck NodePort %d: %s", port, s.portReason(err)))
		}
	} else {
		next, err := s.Ports.AllocateNext(ctx, owner)
		if err != nil {
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate a HealthCheck NodePort: %v", err))
		}
		port = next
		svc.Spec.HealthCheckNodePort = int32(port)
	}
	*undo = append(*undo, func() { _ = s.Ports.Release(context.Background(), port) })
	return nil
}
