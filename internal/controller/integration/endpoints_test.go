package integration

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/util/retry"
)

// TestEndpointsAndSlicesFollowPods runs a Deployment with a named port
// behind a Service on hollow nodes and checks the Endpoints and
// EndpointSlices list the pod IPs, then follow a scale-down, and that a
// headless Service without ports gets addresses alone.
func TestEndpointsAndSlicesFollowPods(t *testing.T) {
	startHollowNodes(t, "ep-", 2)
	ctx := context.Background()
	ns := newNamespace(t, "endpoints")
	d := newDeployment("web", 3, "whoami")
	d.Spec.Template.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"tier": "front"}},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http")}}}}
	if _, err := cs.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	headless := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web-headless"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, ClusterIP: corev1.ClusterIPNone}}
	if _, err := cs.CoreV1().Services(ns).Create(ctx, headless, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	checkEndpoints(t, ns, 3)

	eps, err := cs.CoreV1().Endpoints(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if eps.Labels["tier"] != "front" || eps.Annotations[corev1.EndpointsLastChangeTriggerTime] == "" {
		t.Errorf("endpoints labels %v annotations %v; want the Service's labels and a trigger time", eps.Labels, eps.Annotations)
	}
	a := eps.Subsets[0].Addresses[0]
	if a.TargetRef == nil || a.TargetRef.Kind != "Pod" || a.NodeName == nil || !strings.HasPrefix(*a.NodeName, "ep-") {
		t.Errorf("address %+v; want a Pod targetRef and a hollow node name", a)
	}
	eventually(t, "headless endpoints without ports", func(ctx context.Context) (bool, string, error) {
		e, err := cs.CoreV1().Endpoints(ns).Get(ctx, "web-headless", metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		if len(e.Subsets) != 1 || len(e.Subsets[0].Ports) != 0 {
			return false, fmt.Sprintf("subsets %+v", e.Subsets), nil
		}
		_, headlessLabel := e.Labels[corev1.IsHeadlessService]
		return len(e.Subsets[0].Addresses) == 3 && headlessLabel, fmt.Sprintf("%d addresses, labels %v", len(e.Subsets[0].Addresses), e.Labels), nil
	})

	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		scale, err := cs.AppsV1().Deployments(ns).GetScale(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		scale.Spec.Replicas = 1
		_, err = cs.AppsV1().Deployments(ns).UpdateScale(ctx, "web", scale, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checkEndpoints(t, ns, 1)

	slices, err := cs.DiscoveryV1().EndpointSlices(metav1.NamespaceDefault).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=kubernetes"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slices.Items {
		if s.Labels[discoveryv1.LabelManagedBy] == "endpointslice-controller.k8s.io" {
			t.Errorf("slice %s of the kubernetes Service is managed by the endpointslice controller; want it left to the server", s.Name)
		}
	}
}

// checkEndpoints waits until the web Service's Endpoints and slices list
// exactly the IPs of its n running, ready pods, on port 8080.
func checkEndpoints(t *testing.T, ns string, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("endpoints and slices of %d pods", n), func(ctx context.Context) (bool, string, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, "", err
		}
		var want []string
		for _, p := range pods.Items {
			if p.DeletionTimestamp == nil && p.Status.PodIP != "" && p.Status.Phase == corev1.PodRunning {
				want = append(want, p.Status.PodIP)
			}
		}
		sort.Strings(want)
		if len(want) != n {
			return false, fmt.Sprintf("%d running pods", len(want)), nil
		}
		eps, err := cs.CoreV1().Endpoints(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		var got []string
		for _, s := range eps.Subsets {
			if len(s.Ports) != 1 || s.Ports[0].Port != 8080 || s.Ports[0].Name != "http" {
				return false, fmt.Sprintf("ports %+v", s.Ports), nil
			}
			for _, a := range s.Addresses {
				got = append(got, a.IP)
			}
		}
		sort.Strings(got)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return false, fmt.Sprintf("endpoints %v, pods %v", got, want), nil
		}
		slices, err := cs.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=web"})
		if err != nil {
			return false, "", err
		}
		got = nil
		for _, s := range slices.Items {
			if s.Labels[discoveryv1.LabelManagedBy] != "endpointslice-controller.k8s.io" || s.AddressType != discoveryv1.AddressTypeIPv4 {
				return false, fmt.Sprintf("slice %s labels %v type %s", s.Name, s.Labels, s.AddressType), nil
			}
			for _, e := range s.Endpoints {
				if e.Conditions.Ready == nil || !*e.Conditions.Ready || e.TargetRef == nil || e.NodeName == nil {
					return false, fmt.Sprintf("endpoint %+v", e), nil
				}
				if len(s.Ports) != 1 || *s.Ports[0].Port != 8080 {
					return false, fmt.Sprintf("slice ports %+v", s.Ports), nil
				}
				got = append(got, e.Addresses[0])
			}
		}
		sort.Strings(got)
		return fmt.Sprint(got) == fmt.Sprint(want), fmt.Sprintf("slices %v, pods %v", got, want), nil
	})
}
