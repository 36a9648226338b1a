package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func newStatefulSet(name string, replicas int32, image string) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    &replicas,
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}},
			},
		},
	}
}

func withClaims(s *appsv1.StatefulSet, whenDeleted, whenScaled appsv1.PersistentVolumeClaimRetentionPolicyType) *appsv1.StatefulSet {
	s.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{
		ObjectMeta: metav1.ObjectMeta{Name: "www"},
		Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: &stsClass, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}},
	}}
	// Mounted as users mount it: the template lists no volume of that
	// name, the controller adds one per claim.
	s.Spec.Template.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "www", MountPath: "/usr/share/nginx/html"}}
	s.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: whenDeleted, WhenScaled: whenScaled}
	return s
}

// stsClass is a WaitForFirstConsumer class, so that the scheduler's
// VolumeBinding places pods with unbound claims and binds each claim a
// volume.
var stsClass = "sts-wffc"

// ensureVolumes makes stsClass and n volumes of it for one test, one per
// claim the test's sets make; they are deleted at cleanup.
func ensureVolumes(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	wffc := storagev1.VolumeBindingWaitForFirstConsumer
	_, err := cs.StorageV1().StorageClasses().Create(ctx, &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: stsClass},
		Provisioner: "kubernetes.io/no-provisioner", VolumeBindingMode: &wffc}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	for range n {
		name := fmt.Sprintf("sts-pv-%d", seq.Add(1))
		_, err := cs.CoreV1().PersistentVolumes().Create(ctx, &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PersistentVolumeSpec{StorageClassName: stsClass, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
				PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/" + name}}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cs.CoreV1().PersistentVolumes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	}
}

// waitSetRolledOut waits for what kubectl rollout status statefulset waits
// for without a partition.
func waitSetRolledOut(t *testing.T, ns, name string) *appsv1.StatefulSet {
	t.Helper()
	var s *appsv1.StatefulSet
	eventually(t, "statefulset "+name+" rolled out", func(ctx context.Context) (bool, string, error) {
		var err error
		if s, err = cs.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
			return false, "", err
		}
		st, r := s.Status, *s.Spec.Replicas
		return st.ObservedGeneration >= s.Generation && st.ReadyReplicas == r && st.Replicas == r && st.UpdatedReplicas == r &&
			st.CurrentRevision == st.UpdateRevision, fmt.Sprintf("status %+v", st), nil
	})
	return s
}

func readyTime(p *corev1.Pod) metav1.Time {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return c.LastTransitionTime
		}
	}
	return metav1.Time{}
}

func TestStatefulSetOrderedReadyRollingUpdate(t *testing.T) {
	startHollowNodes(t, "sts-ord-", 2)
	ns := newNamespace(t, "sts-ord")
	ensureVolumes(t, 3)
	ctx := context.Background()
	set := withClaims(newStatefulSet("web", 3, "nginx:1"), appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType)
	if _, err := cs.AppsV1().StatefulSets(ns).Create(ctx, set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := waitSetRolledOut(t, ns, "web")
	var prev *corev1.Pod
	for i := range 3 {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, fmt.Sprintf("web-%d", i), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Spec.Hostname != p.Name || p.Spec.Subdomain != "web" || p.Labels[appsv1.StatefulSetPodNameLabel] != p.Name ||
			p.Labels[appsv1.PodIndexLabel] != fmt.Sprint(i) || p.Labels[appsv1.ControllerRevisionHashLabelKey] != s.Status.UpdateRevision {
			t.Errorf("pod %s: hostname %q subdomain %q labels %v; want its identity at revision %s", p.Name, p.Spec.Hostname, p.Spec.Subdomain, p.Labels, s.Status.UpdateRevision)
		}
		if len(p.Spec.Volumes) == 0 || p.Spec.Volumes[0].PersistentVolumeClaim == nil || p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "www-"+p.Name {
			t.Errorf("pod %s volumes = %+v; want claim www-%s", p.Name, p.Spec.Volumes, p.Name)
		}
		if prev != nil && p.CreationTimestamp.Before(&metav1.Time{Time: readyTime(prev).Time}) {
			t.Errorf("pod %s created at %v, before %s was ready at %v", p.Name, p.CreationTimestamp, prev.Name, readyTime(prev))
		}
		prev = p
		c, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "www-"+p.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("claim of %s: %v", p.Name, err)
		}
		if len(c.OwnerReferences) != 0 || c.Labels["app"] != "web" {
			t.Errorf("claim %s owners %v labels %v; want none (whenDeleted Retain) and app=web", c.Name, c.OwnerReferences, c.Labels)
		}
	}
	eventually(t, "SuccessfulCreate event", func(ctx context.Context) (bool, string, error) {
		evs, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		var seen []string
		for _, e := range evs.Items {
			seen = append(seen, e.Reason+": "+e.Message)
			if e.Reason == "SuccessfulCreate" && e.Message == "create Pod web-0 in StatefulSet web successful" && e.Source.Component == "statefulset-controller" {
				return true, "", nil
			}
		}
		return false, strings.Join(seen, "; "), nil
	})

	// Roll to a new image: the update revision becomes current.
	s.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	if _, err := cs.AppsV1().StatefulSets(ns).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	old := s.Status.CurrentRevision
	s = waitSetRolledOut(t, ns, "web")
	if s.Status.CurrentRevision == old {
		t.Errorf("currentRevision = %s after the update; want a new revision", old)
	}
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil && p.Spec.Containers[0].Image != "nginx:2" {
			t.Errorf("pod %s image %s; want nginx:2", p.Name, p.Spec.Containers[0].Image)
		}
	}
	revs, err := cs.AppsV1().ControllerRevisions(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(revs.Items) != 2 {
		t.Fatalf("controllerrevisions = %d, %v; want 2", len(revs.Items), err)
	}

	// Scale down with whenScaled Delete: the claims of web-1 and web-2 go
	// with their pods.
	scale, err := cs.AppsV1().StatefulSets(ns).GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scale.Spec.Replicas = 1
	if _, err := cs.AppsV1().StatefulSets(ns).UpdateScale(ctx, "web", scale, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "scaled down to web-0 with claim www-web-0 only", func(ctx context.Context) (bool, string, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		claims, err := cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		var names []string
		for _, p := range pods.Items {
			names = append(names, p.Name)
		}
		for _, c := range claims.Items {
			names = append(names, c.Name)
		}
		return len(pods.Items) == 1 && len(claims.Items) == 1 && claims.Items[0].Name == "www-web-0", strings.Join(names, ","), nil
	})
}

func TestStatefulSetParallelPartition(t *testing.T) {
	startHollowNodes(t, "sts-par-", 2)
	ns := newNamespace(t, "sts-par")
	ctx := context.Background()
	set := newStatefulSet("db", 4, "redis:1")
	set.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
	set.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 3}
	two, mu := int32(2), intstr.FromInt32(2)
	set.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
		RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: &two, MaxUnavailable: &mu}}
	if _, err := cs.AppsV1().StatefulSets(ns).Create(ctx, set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := waitSetRolledOut(t, ns, "db")
	for _, n := range []string{"db-3", "db-4", "db-5", "db-6"} {
		if _, err := cs.CoreV1().Pods(ns).Get(ctx, n, metav1.GetOptions{}); err != nil {
			t.Errorf("pod %s: %v; want it (ordinals start at 3)", n, err)
		}
	}
	s.Spec.Template.Spec.Containers[0].Image = "redis:2"
	if _, err := cs.AppsV1().StatefulSets(ns).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "partitioned roll out", func(ctx context.Context) (bool, string, error) {
		s, err := cs.AppsV1().StatefulSets(ns).Get(ctx, "db", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		var images []string
		for _, n := range []string{"db-3", "db-4", "db-5", "db-6"} {
			p, err := cs.CoreV1().Pods(ns).Get(ctx, n, metav1.GetOptions{})
			if err != nil || p.DeletionTimestamp != nil {
				return false, n + " missing", nil
			}
			images = append(images, p.Spec.Containers[0].Image)
		}
		st := s.Status
		return st.ObservedGeneration == s.Generation && st.UpdatedReplicas == 2 && st.ReadyReplicas == 4 && st.CurrentReplicas == 2 &&
				st.CurrentRevision != st.UpdateRevision && strings.Join(images, ",") == "redis:1,redis:1,redis:2,redis:2",
			fmt.Sprintf("images %v status %+v", images, st), nil
	})
}

func TestStatefulSetClaimsDeletedWithSet(t *testing.T) {
	startHollowNodes(t, "sts-del-", 1)
	ns := newNamespace(t, "sts-del")
	ensureVolumes(t, 2)
	ctx := context.Background()
	set := withClaims(newStatefulSet("kv", 2, "etcd:1"), appsv1.DeletePersistentVolumeClaimRetentionPolicyType, appsv1.RetainPersistentVolumeClaimRetentionPolicyType)
	created, err := cs.AppsV1().StatefulSets(ns).Create(ctx, set, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitSetRolledOut(t, ns, "kv")
	for _, name := range []string{"www-kv-0", "www-kv-1"} {
		c, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if ref := metav1.GetControllerOf(c); ref == nil || ref.UID != created.UID {
			t.Errorf("claim %s owners %+v; want the set (whenDeleted Delete)", name, c.OwnerReferences)
		}
	}
	if err := cs.AppsV1().StatefulSets(ns).Delete(ctx, "kv", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "claims deleted with the set", func(ctx context.Context) (bool, string, error) {
		claims, err := cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		return len(claims.Items) == 0, fmt.Sprintf("%d claims left", len(claims.Items)), nil
	})
}
