package integration

import (
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestServiceAllocation: concurrent creates never share a ClusterIP or a
// NodePort; deletes release them; asking for a taken IP is 422.
func TestServiceAllocation(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	sc := shared.cs.CoreV1().Services(ns)
	const n = 50
	var wg sync.WaitGroup
	created := make([]*corev1.Service, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			svc := newService(ns, uniqueName("svc"))
			svc.Spec.Type = corev1.ServiceTypeNodePort
			created[i], errs[i] = sc.Create(ctx, svc, metav1.CreateOptions{})
		}(i)
	}
	wg.Wait()
	_, serviceNet, _ := net.ParseCIDR("10.43.0.0/16")
	ips := map[string]string{}
	ports := map[int32]string{}
	for i, svc := range created {
		if errs[i] != nil {
			t.Errorf("create %d: %v", i, errs[i])
			continue
		}
		ip := svc.Spec.ClusterIP
		if parsed := net.ParseIP(ip); parsed == nil || !serviceNet.Contains(parsed) {
			t.Errorf("%s: clusterIP %q; want one in %s", svc.Name, ip, serviceNet)
		}
		if len(svc.Spec.ClusterIPs) != 1 || svc.Spec.ClusterIPs[0] != ip {
			t.Errorf("%s: clusterIPs %v; want [%s]", svc.Name, svc.Spec.ClusterIPs, ip)
		}
		if other, dup := ips[ip]; dup {
			t.Errorf("clusterIP %s given to %s and %s", ip, other, svc.Name)
		}
		ips[ip] = svc.Name
		np := svc.Spec.Ports[0].NodePort
		if np < 30000 || np > 32767 {
			t.Errorf("%s: nodePort %d; want one in 30000-32767", svc.Name, np)
		}
		if other, dup := ports[np]; dup {
			t.Errorf("nodePort %d given to %s and %s", np, other, svc.Name)
		}
		ports[np] = svc.Name
	}
	if t.Failed() {
		return
	}
	// Asking for a held IP is 422 on spec.clusterIPs.
	taken := newService(ns, "taken")
	taken.Spec.ClusterIP = created[0].Spec.ClusterIP
	_, err := sc.Create(ctx, taken, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !hasCause(apierrors.APIStatus(err.(apierrors.APIStatus)).Status(), "spec.clusterIPs") {
		t.Errorf("create with taken clusterIP %s: err %v; want 422 Invalid on spec.clusterIPs", taken.Spec.ClusterIP, err)
	}
	takenPort := newService(ns, "takenport")
	takenPort.Spec.Type = corev1.ServiceTypeNodePort
	takenPort.Spec.Ports[0].NodePort = created[0].Spec.Ports[0].NodePort
	if _, err := sc.Create(ctx, takenPort, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("create with taken nodePort: err %v; want 422 Invalid", err)
	}
	outside := newService(ns, "outside")
	outside.Spec.ClusterIP = "192.168.7.7"
	if _, err := sc.Create(ctx, outside, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("create with clusterIP outside the range: err %v; want 422 Invalid", err)
	}
	// Deleting releases: the same IP and port can be asked for again.
	if err := sc.Delete(ctx, created[0].Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	again := newService(ns, "again")
	again.Spec.Type = corev1.ServiceTypeNodePort
	again.Spec.ClusterIP = created[0].Spec.ClusterIP
	again.Spec.Ports[0].NodePort = created[0].Spec.Ports[0].NodePort
	got, err := sc.Create(ctx, again, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create with released IP %s and port %d: %v", again.Spec.ClusterIP, again.Spec.Ports[0].NodePort, err)
	}
	if got.Spec.ClusterIP != created[0].Spec.ClusterIP {
		t.Errorf("clusterIP %s; want the requested %s", got.Spec.ClusterIP, created[0].Spec.ClusterIP)
	}
	// A headless Service gets no IP; set through clusterIP alone, it gets
	// clusterIPs [None] as upstream normalizes it (kubectl get prints
	// CLUSTER-IP None from there).
	headless := newService(ns, "headless")
	headless.Spec.ClusterIP = corev1.ClusterIPNone
	got, err = sc.Create(ctx, headless, metav1.CreateOptions{})
	if err != nil || got.Spec.ClusterIP != corev1.ClusterIPNone || !slices.Equal(got.Spec.ClusterIPs, []string{corev1.ClusterIPNone}) {
		t.Errorf("headless service: %v err %v; want clusterIP None and clusterIPs [None]", got, err)
	}
	table := getTable(t, "/api/v1/namespaces/"+ns+"/services/headless")
	if len(table.Rows) != 1 || table.Rows[0].Cells[2] != corev1.ClusterIPNone {
		t.Errorf("headless service row %v; want CLUSTER-IP None", table.Rows)
	}
}

// TestServiceTypeChangeDropsItsFields: a NodePort Service read and written
// back as ClusterIP (as kubectl apply or edit do) loses the node ports and
// the externalTrafficPolicy the server had filled in, as upstream, and the
// port goes back to the pool; a field the client changes is kept and
// validated.
func TestServiceTypeChangeDropsItsFields(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	sc := shared.cs.CoreV1().Services(ns)
	svc := newService(ns, "np")
	svc.Spec.Type = corev1.ServiceTypeNodePort
	created, err := sc.Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	port := created.Spec.Ports[0].NodePort
	if port == 0 || created.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyCluster {
		t.Fatalf("node port service: port %d, externalTrafficPolicy %q", port, created.Spec.ExternalTrafficPolicy)
	}
	created.Spec.Type = corev1.ServiceTypeClusterIP
	got, err := sc.Update(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update to ClusterIP keeping the filled-in fields: %v", err)
	}
	if got.Spec.Ports[0].NodePort != 0 || got.Spec.ExternalTrafficPolicy != "" {
		t.Errorf("after the change: node port %d, externalTrafficPolicy %q; want both dropped", got.Spec.Ports[0].NodePort, got.Spec.ExternalTrafficPolicy)
	}
	// The port is free again: a new Service may ask for it.
	again := newService(ns, "again")
	again.Spec.Type = corev1.ServiceTypeNodePort
	again.Spec.Ports[0].NodePort = port
	if _, err := sc.Create(ctx, again, metav1.CreateOptions{}); err != nil {
		t.Errorf("create with the released node port %d: %v", port, err)
	}
	// A traffic policy the client sets on a ClusterIP Service is its own:
	// kept, and refused.
	got.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	if _, err := sc.Update(ctx, got, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "may only be set for externally-accessible services") {
		t.Errorf("externalTrafficPolicy on a ClusterIP service: %v; want it invalid", err)
	}
}
