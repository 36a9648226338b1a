package app

import (
	"bytes"
	"context"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
)

// TestUpdateOfObjectStoredBeforeADefault: a Job stored before a default
// existed can still be updated. Here the default is upstream's rounding of
// quantities up to milli-units, inside the pod template, which a running
// Job may not change: the Job was stored with a request of 100n. Upstream
// defaults what it reads from storage; so must the update path, or the
// new default would read as a change of the immutable template.
func TestUpdateOfObjectStoredBeforeADefault(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, cs := startAt(t, dir, ServerConfig{DisableAgent: true})
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "old", Namespace: "default"}, Spec: batchv1.JobSpec{
		Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "c", Image: "busybox",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1m")}}}}}},
	}}
	if _, err := cs.BatchV1().Jobs("default").Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create job: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	storeSubMilliRequest(t, dir, "/registry/batch/jobs/default/old")

	_, cs = startAt(t, dir, ServerConfig{DisableAgent: true})
	got, err := cs.BatchV1().Jobs("default").Patch(ctx, "old", types.MergePatchType, []byte(`{"spec":{"parallelism":2}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("patch a job stored with a request of 100n: %v", err)
	}
	if cpu := got.Spec.Template.Spec.Containers[0].Resources.Requests.Cpu(); *got.Spec.Parallelism != 2 || cpu.String() != "1m" {
		t.Errorf("patched job parallelism %d, cpu request %s; want 2 and 1m", *got.Spec.Parallelism, cpu)
	}
}

// storeSubMilliRequest rewrites the stored Job at key with a CPU request of
// 100n, as a Job stored before the rounding default was.
func storeSubMilliRequest(t *testing.T, dataDir, key string) {
	t.Helper()
	rewriteStored(t, dataDir, key, func(obj runtime.Object) {
		job := obj.(*batchv1.Job)
		job.Spec.Template.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("100n")
	})
}

// rewriteStored changes the object stored at key in the stopped server's
// etcd, as an object stored by an earlier version of Skiff would read.
func rewriteStored(t *testing.T, dataDir, key string, change func(runtime.Object)) {
	t.Helper()
	e := openStoppedEtcd(t, dataDir)
	defer e.Close()
	pb := protobuf.NewSerializer(scheme.Scheme, scheme.Scheme)
	obj, _, err := pb.Decode(getStored(t, e, key), nil, nil)
	if err != nil {
		t.Fatalf("decode %s: %v", key, err)
	}
	change(obj)
	var buf bytes.Buffer
	if err := pb.Encode(obj, &buf); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client().Put(context.Background(), key, buf.String()); err != nil {
		t.Fatal(err)
	}
}
