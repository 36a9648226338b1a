package integration

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// TestCreateResponseIsTheStoredObject: what a create answers, to a
// protobuf client (written from the stored bytes) and to a JSON one
// (encoded from the object), is the object a get then reads: defaults,
// admission's changes, managed fields and resourceVersion included, for
// the core group and a named one.
func TestCreateResponseIsTheStoredObject(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	for _, wire := range []string{"application/vnd.kubernetes.protobuf", "application/json"} {
		cfg := rest.CopyConfig(shared.cfg)
		cfg.ContentType, cfg.AcceptContentTypes = wire, wire
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		name := "json"
		if wire != "application/json" {
			name = "protobuf"
		}
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{GenerateName: name + "-", Labels: map[string]string{"app": "x"}},
			// No scheduler takes it, so nothing writes it after the create.
			Spec: corev1.PodSpec{SchedulerName: "nobody", Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		}
		created, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("%s: create pod: %v", wire, err)
		}
		got, err := cs.CoreV1().Pods(ns).Get(ctx, created.Name, metav1.GetOptions{})
		if err != nil || !apiequality.Semantic.DeepEqual(created, got) {
			t.Errorf("%s: the created pod differs from the pod read back (%v):\ncreated %+v\n   read %+v", wire, err, created, got)
		}
		if created.ResourceVersion == "" || created.Spec.ServiceAccountName != "default" || len(created.ManagedFields) == 0 {
			t.Errorf("%s: created pod lacks what the server sets: rv %q, service account %q, %d managed fields", wire, created.ResourceVersion, created.Spec.ServiceAccountName, len(created.ManagedFields))
		}
		role := &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}},
		}
		cr, err := cs.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("%s: create role: %v", wire, err)
		}
		gr, err := cs.RbacV1().Roles(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil || !apiequality.Semantic.DeepEqual(cr, gr) {
			t.Errorf("%s: the created role differs from the role read back (%v):\ncreated %+v\n   read %+v", wire, err, cr, gr)
		}
	}
}
