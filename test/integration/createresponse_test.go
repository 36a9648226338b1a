package integration

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// wires are the media types client-go speaks: protobuf for built-in types
// by default, JSON as kubectl.
var wires = []string{"application/vnd.kubernetes.protobuf", "application/json"}

// wireClient is an admin clientset for the shared server that sends and
// accepts only wire.
func wireClient(t *testing.T, wire string) kubernetes.Interface {
	t.Helper()
	cfg := rest.CopyConfig(shared.cfg)
	cfg.ContentType, cfg.AcceptContentTypes = wire, wire
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestCreateResponseIsTheStoredObject: what a create answers, to a
// protobuf client (written from the stored bytes) and to a JSON one
// (encoded from the object), is the object a get then reads: defaults,
// admission's changes, managed fields and resourceVersion included, for
// the core group and a named one.
func TestCreateResponseIsTheStoredObject(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	for _, wire := range wires {
		cs := wireClient(t, wire)
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

// TestWriteResponseIsTheStoredObject: what an update, a patch of each kind
// and a status patch answer is the object a get then reads, to protobuf
// and JSON clients alike; a patch that removes the last finalizer of a
// deleted object answers with the object as it was deleted.
func TestWriteResponseIsTheStoredObject(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	for _, wire := range wires {
		cs := wireClient(t, wire)
		pods := cs.CoreV1().Pods(ns)
		pod, err := pods.Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "w-", Finalizers: []string{"example.com/hold"}},
			Spec:       corev1.PodSpec{SchedulerName: "nobody", Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("%s: create: %v", wire, err)
		}
		check := func(what string, got *corev1.Pod, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %s: %v", wire, what, err)
			}
			read, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
			if err != nil || !apiequality.Semantic.DeepEqual(got, read) {
				t.Errorf("%s: %s answered an object that differs from the one read back (%v):\n answered %+v\n     read %+v", wire, what, err, got, read)
			}
		}
		pod.Labels = map[string]string{"step": "update"}
		got, err := pods.Update(ctx, pod, metav1.UpdateOptions{})
		check("update", got, err)
		got, err = pods.Update(ctx, got, metav1.UpdateOptions{})
		check("update that changes nothing", got, err)
		got, err = pods.Patch(ctx, pod.Name, types.MergePatchType, []byte(`{"metadata":{"labels":{"step":"merge"}}}`), metav1.PatchOptions{})
		check("merge patch", got, err)
		got, err = pods.Patch(ctx, pod.Name, types.StrategicMergePatchType, []byte(`{"metadata":{"labels":{"step":"strategic"}}}`), metav1.PatchOptions{})
		check("strategic merge patch", got, err)
		got, err = pods.Patch(ctx, pod.Name, types.JSONPatchType, []byte(`[{"op":"replace","path":"/metadata/labels/step","value":"json"}]`), metav1.PatchOptions{})
		check("JSON patch", got, err)
		got, err = pods.Patch(ctx, pod.Name, types.MergePatchType, []byte(`{"status":{"message":"patched"}}`), metav1.PatchOptions{}, "status")
		check("status patch", got, err)
		if got.Status.Message != "patched" {
			t.Errorf("%s: status patch answered status message %q", wire, got.Status.Message)
		}
		if err := pods.Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
			t.Fatalf("%s: delete: %v", wire, err)
		}
		held, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: get the deleted pod its finalizer holds: %v", wire, err)
		}
		w, err := pods.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + pod.Name, ResourceVersion: held.ResourceVersion})
		if err != nil {
			t.Fatalf("%s: watch: %v", wire, err)
		}
		last, err := pods.Patch(ctx, pod.Name, types.JSONPatchType, []byte(`[{"op":"remove","path":"/metadata/finalizers"}]`), metav1.PatchOptions{})
		if err != nil || last.DeletionTimestamp == nil || len(last.Finalizers) != 0 {
			t.Fatalf("%s: the patch that removed the last finalizer answered %+v, %v; want the deleted pod", wire, last, err)
		}
		// The answer is the pod as deleted, at the deletion's revision,
		// not as the patch wrote it just before.
		timeout := time.After(30 * time.Second)
		for deleted := false; !deleted; {
			select {
			case ev, ok := <-w.ResultChan():
				if !ok {
					t.Fatalf("%s: the watch ended before the pod's deletion", wire)
				}
				if deleted = ev.Type == watch.Deleted; deleted {
					if rv := ev.Object.(*corev1.Pod).ResourceVersion; rv != last.ResourceVersion {
						t.Errorf("%s: the finalizer patch answered resourceVersion %s; the pod was deleted at %s", wire, last.ResourceVersion, rv)
					}
				}
			case <-timeout:
				t.Fatalf("%s: no deletion watched in 30s", wire)
			}
		}
		w.Stop()
		if _, err := pods.Get(ctx, pod.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("%s: get after the last finalizer went: %v; want NotFound", wire, err)
		}
	}
}
