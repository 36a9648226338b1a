package app

import (
	"context"
	"fmt"
	"strconv"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/skiff-dev/skiff/internal/apiserver/allocator"
)

const (
	serviceIPPrefix = "/registry/skiff/allocations/serviceips"
	nodePortPrefix  = "/registry/skiff/allocations/servicenodeports"
)

func newServiceAllocator(_ context.Context, client *clientv3.Client, cfg ServerConfig) (*allocator.Services, error) {
	ips, err := allocator.NewIPAllocator(client, serviceIPPrefix, cfg.serviceNet)
	if err != nil {
		return nil, err
	}
	ports, err := allocator.NewPortAllocator(client, nodePortPrefix, allocator.PortRange{Min: cfg.portLo, Max: cfg.portHi})
	if err != nil {
		return nil, err
	}
	return &allocator.Services{IPs: ips, Ports: ports}, nil
}

// repairAllocations releases ClusterIPs and NodePorts that no Service
// holds, left behind by a crash between allocation and the write.
func repairAllocations(ctx context.Context, cfg *rest.Config, svcs *allocator.Services) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	list, err := cs.CoreV1().Services("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list services: %w", err)
	}
	ips := map[string]string{}
	ports := map[string]string{}
	for _, s := range list.Items {
		owner := s.Namespace + "/" + s.Name
		for _, ip := range s.Spec.ClusterIPs {
			ips[ip] = owner
		}
		for _, p := range s.Spec.Ports {
			if p.NodePort != 0 {
				ports[strconv.Itoa(int(p.NodePort))] = owner
			}
		}
		if s.Spec.HealthCheckNodePort != 0 {
			ports[strconv.Itoa(int(s.Spec.HealthCheckNodePort))] = owner
		}
	}
	if _, err := svcs.IPs.Repair(ctx, ips); err != nil {
		return fmt.Errorf("repair service IPs: %w", err)
	}
	if _, err := svcs.Ports.Repair(ctx, ports); err != nil {
		return fmt.Errorf("repair node ports: %w", err)
	}
	return nil
}
