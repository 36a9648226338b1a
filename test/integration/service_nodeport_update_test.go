package integration

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestServiceUpdateKeepsNodePortsByName: as upstream's
// patchAllocatedValues (pkg/registry/core/service/storage/storage.go), an
// update that leaves a port's nodePort out takes the old node port of the
// port of the same name, whatever its number, unless the update already
// gives that node port to another port; a single unnamed port keeps the
// old unnamed one's.
func TestServiceUpdateKeepsNodePortsByName(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	sc := shared.cs.CoreV1().Services(ns)
	ports := func(s *corev1.Service, ps ...corev1.ServicePort) {
		s.Spec.Type = corev1.ServiceTypeNodePort
		s.Spec.Ports = ps
	}
	tcp := func(name string, port int32) corev1.ServicePort {
		return corev1.ServicePort{Name: name, Port: port, Protocol: corev1.ProtocolTCP}
	}

	svc := newService(ns, "named")
	ports(svc, tcp("http", 80), tcp("https", 443))
	created, err := sc.Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	httpNP, httpsNP := created.Spec.Ports[0].NodePort, created.Spec.Ports[1].NodePort
	// Renumbered and reordered: the names carry the node ports.
	manifest := newService(ns, "named")
	ports(manifest, tcp("https", 8443), tcp("http", 8080))
	got, err := sc.Update(ctx, manifest, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if got.Spec.Ports[0].NodePort != httpsNP || got.Spec.Ports[1].NodePort != httpNP {
		t.Errorf("renumbered ports: nodePorts https %d, http %d; want %d, %d by name",
			got.Spec.Ports[0].NodePort, got.Spec.Ports[1].NodePort, httpsNP, httpNP)
	}
	// http takes https's node port: https is not given it again.
	manifest = newService(ns, "named")
	ports(manifest, tcp("http", 8080), tcp("https", 8443))
	manifest.Spec.Ports[0].NodePort = httpsNP
	if got, err = sc.Update(ctx, manifest, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update moving a node port: %v", err)
	}
	if np := got.Spec.Ports[1].NodePort; got.Spec.Ports[0].NodePort != httpsNP || np == httpsNP || np == 0 {
		t.Errorf("after moving %d to http: nodePorts http %d, https %d; want %d and a new one",
			httpsNP, got.Spec.Ports[0].NodePort, np, httpsNP)
	}

	single := newService(ns, "single")
	ports(single, tcp("", 80))
	if created, err = sc.Create(ctx, single, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	manifest = newService(ns, "single")
	ports(manifest, corev1.ServicePort{Port: 81, Protocol: corev1.ProtocolUDP})
	if got, err = sc.Update(ctx, manifest, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update of the unnamed port: %v", err)
	}
	if got.Spec.Ports[0].NodePort != created.Spec.Ports[0].NodePort {
		t.Errorf("unnamed port 80/TCP to 81/UDP: nodePort %d; want %d kept", got.Spec.Ports[0].NodePort, created.Spec.Ports[0].NodePort)
	}
}
