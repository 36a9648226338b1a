package allocator

import (
	"context"
	"errors"
	"fmt"
	"net"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

// Services assigns ClusterIPs and NodePorts to Services as upstream's
// service REST storage does, over an IP and a port allocator.
type Services struct {
	IPs   *IPAllocator
	Ports *PortAllocator
}

// Allocate fills spec.clusterIP(s), node ports and healthCheckNodePort of
// svc, once
// initIPFamilyFields has filled and checked its IP family fields. old is the stored Service on update,
// nil on create. The undo releases what this call
// allocated. Values old held that svc no longer uses stay allocated: the
// write may still fail and leave old stored, so they are freed only once
// svc is stored (ReleaseUnused), as upstream's service storage releases
// them after the update commits.
func (s *Services) Allocate(ctx context.Context, svc, old *corev1.Service, dryRun bool) (func(), error) {
	var undo []func()
	rollback := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	if err := s.initIPFamilyFields(svc, old); err != nil {
		return func() {}, err
	}
	owner := svc.Namespace + "/" + svc.Name
	var dry *dryRunPorts // non-nil in a dry run (dryrun.go)
	if dryRun {
		dry = &dryRunPorts{ports: s.Ports}
	}
	if err := s.allocateClusterIP(ctx, svc, old, owner, dryRun, &undo); err != nil {
		rollback()
		return func() {}, err
	}
	if err := s.allocateNodePorts(ctx, svc, old, owner, dry, &undo); err != nil {
		rollback()
		return func() {}, err
	}
	if err := s.allocateHealthCheckNodePort(ctx, svc, old, owner, dry, &undo); err != nil {
		rollback()
		return func() {}, err
	}
	return rollback, nil
}

func needsClusterIP(svc *corev1.Service) bool {
	return svc.Spec.Type != corev1.ServiceTypeExternalName && svc.Spec.ClusterIP != corev1.ClusterIPNone
}

func (s *Services) allocateClusterIP(ctx context.Context, svc, old *corev1.Service, owner string, dryRun bool, undo *[]func()) error {
	if !needsClusterIP(svc) {
		switch {
		case svc.Spec.Type == corev1.ServiceTypeExternalName:
			svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "", nil
		case svc.Spec.ClusterIP == corev1.ClusterIPNone && len(svc.Spec.ClusterIPs) == 0:
			// Headless, set through the singular field: upstream's
			// NormalizeClusterIPs fills the plural too, and kubectl get
			// prints its first as CLUSTER-IP.
			svc.Spec.ClusterIPs = []string{corev1.ClusterIPNone}
		}
		return nil
	}
	if old != nil && needsClusterIP(old) && old.Spec.ClusterIP != "" && (svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == old.Spec.ClusterIP) {
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = old.Spec.ClusterIP, []string{old.Spec.ClusterIP}
		return nil
	}
	path := field.NewPath("spec", "clusterIPs")
	if svc.Spec.ClusterIP == "" {
		if dryRun {
			ip, _ := s.dryRunClusterIP(nil)
			svc.Spec.ClusterIP, svc.Spec.ClusterIPs = ip.String(), []string{ip.String()}
			return nil
		}
		ip, err := s.IPs.AllocateNext(ctx, owner)
		if err != nil {
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: %v", err))
		}
		*undo = append(*undo, func() { _ = s.IPs.Release(context.Background(), ip) })
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = ip.String(), []string{ip.String()}
		return nil
	}
	ip := net.ParseIP(svc.Spec.ClusterIP)
	if ip == nil {
		return invalid(svc, path, svc.Spec.ClusterIPs, "must be a valid IP address")
	}
	svc.Spec.ClusterIPs = []string{svc.Spec.ClusterIP}
	if dryRun {
		if _, err := s.dryRunClusterIP(ip); err != nil {
			return invalid(svc, path, svc.Spec.ClusterIPs, fmt.Sprintf("failed to allocate IP %s: %s", ip, ipReason(err, ip, s.IPs)))
		}
		return nil
	}
	if err := s.IPs.Allocate(ctx, ip, owner); err != nil {
		return invalid(svc, path, svc.Spec.ClusterIPs, fmt.Sprintf("failed to allocate IP %s: %s", ip, ipReason(err, ip, s.IPs)))
	}
	*undo = append(*undo, func() { _ = s.IPs.Release(context.Background(), ip) })
	return nil
}

func ipReason(err error, ip net.IP, a *IPAllocator) string {
	switch {
	case errors.Is(err, ErrAllocated):
		return "provided IP is already allocated"
	case errors.Is(err, ErrNotInRange):
		return fmt.Sprintf("the provided IP (%v) is not in the valid range. The range of valid IPs is %s", ip, a.CIDR())
	}
	return err.Error()
}

func needsNodePorts(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeNodePort ||
		(svc.Spec.Type == corev1.ServiceTypeLoadBalancer && (svc.Spec.AllocateLoadBalancerNodePorts == nil || *svc.Spec.AllocateLoadBalancerNodePorts))
}

func (s *Services) allocateNodePorts(ctx context.Context, svc, old *corev1.Service, owner string, dry *dryRunPorts, undo *[]func()) error {
	if !needsNodePorts(svc) {
		if svc.Spec.Type == corev1.ServiceTypeClusterIP || svc.Spec.Type == corev1.ServiceTypeExternalName {
			for i := range svc.Spec.Ports {
				svc.Spec.Ports[i].NodePort = 0
			}
		}
		return nil
	}
	held := map[int32]bool{}
	if old != nil && needsNodePorts(old) {
		for _, p := range old.Spec.Ports {
			if p.NodePort != 0 {
				held[p.NodePort] = true
			}
		}
	}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if p.NodePort != 0 && held[p.NodePort] {
			continue
		}
		if dry != nil {
			if err := s.dryRunPort(ctx, svc, i, dry); err != nil {
				return err
			}
			continue
		}
		if err := s.allocatePort(ctx, svc, i, owner, undo); err != nil {
			return err
		}
		held[p.NodePort] = true
	}
	return nil
}

func (s *Services) allocatePort(ctx context.Context, svc *corev1.Service, i int, owner string, undo *[]func()) error {
	p := &svc.Spec.Ports[i]
	path := field.NewPath("spec", "ports").Index(i).Child("nodePort")
	if p.NodePort == 0 {
		port, err := s.Ports.AllocateNext(ctx, owner)
		if err != nil {
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: %v", err))
		}
		p.NodePort = int32(port)
		*undo = append(*undo, func() { _ = s.Ports.Release(context.Background(), port) })
		return nil
	}
	port := int(p.NodePort)
	if err := s.Ports.Allocate(ctx, port, owner); err != nil {
		return invalid(svc, path, p.NodePort, s.portReason(err))
	}
	*undo = append(*undo, func() { _ = s.Ports.Release(context.Background(), port) })
	return nil
}

// dryRunPort fills or checks port i of svc as a dry run does (dryrun.go).
func (s *Services) dryRunPort(ctx context.Context, svc *corev1.Service, i int, dry *dryRunPorts) error {
	p := &svc.Spec.Ports[i]
	if p.NodePort == 0 {
		p.NodePort = int32(dry.next())
		return nil
	}
	if err := dry.allocate(ctx, int(p.NodePort)); err != nil {
		if !errors.Is(err, ErrAllocated) {
			return apierrors.NewInternalError(err)
		}
		return invalid(svc, field.NewPath("spec", "ports").Index(i).Child("nodePort"), p.NodePort, s.portReason(err))
	}
	return nil
}

// portReason is upstream's port allocator message for err.
func (s *Services) portReason(err error) string {
	switch {
	case errors.Is(err, ErrAllocated):
		return "provided port is already allocated"
	case errors.Is(err, ErrNotInRange):
		r := s.Ports.Range()
		return fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", r.Min, r.Max)
	}
	return err.Error()
}

// ReleaseUnused frees what old held and svc no longer uses, once svc has
// replaced old in storage.
func (s *Services) ReleaseUnused(ctx context.Context, svc, old *corev1.Service) {
	if needsClusterIP(old) && !needsClusterIP(svc) && old.Spec.ClusterIP != "" {
		_ = s.IPs.Release(ctx, net.ParseIP(old.Spec.ClusterIP))
	}
	inUse := map[int32]bool{}
	if needsNodePorts(svc) {
		for _, p := range svc.Spec.Ports {
			inUse[p.NodePort] = true
		}
	}
	for _, p := range old.Spec.Ports {
		if p.NodePort != 0 && !inUse[p.NodePort] {
			_ = s.Ports.Release(ctx, int(p.NodePort))
		}
	}
	if hc := old.Spec.HealthCheckNodePort; hc != 0 && defaults.NeedsHealthCheck(&old.Spec) && !defaults.NeedsHealthCheck(&svc.Spec) {
		_ = s.Ports.Release(ctx, int(hc))
	}
}

// Release frees every ClusterIP and NodePort of a deleted Service.
func (s *Services) Release(ctx context.Context, svc *corev1.Service) {
	for _, ip := range svc.Spec.ClusterIPs {
		if parsed := net.ParseIP(ip); parsed != nil {
			_ = s.IPs.Release(ctx, parsed)
		}
	}
	if len(svc.Spec.ClusterIPs) == 0 && svc.Spec.ClusterIP != "" && svc.Spec.ClusterIP != corev1.ClusterIPNone {
		_ = s.IPs.Release(ctx, net.ParseIP(svc.Spec.ClusterIP))
	}
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			_ = s.Ports.Release(ctx, int(p.NodePort))
		}
	}
	if svc.Spec.HealthCheckNodePort != 0 {
		_ = s.Ports.Release(ctx, int(svc.Spec.HealthCheckNodePort))
	}
}

func invalid(svc *corev1.Service, path *field.Path, value interface{}, msg string) error {
	return invalidFields(svc, field.ErrorList{field.Invalid(path, value, msg)})
}
