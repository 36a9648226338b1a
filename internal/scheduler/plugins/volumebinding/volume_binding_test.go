package volumebinding

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
	"github.com/skiff-dev/skiff/internal/scheduler/framework/frameworktest"
)

func node(name, zone string) *v1.Node {
	return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"zone": zone}}}
}

func podWithClaims(claims ...string) *v1.Pod {
	p := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}}
	for _, c := range claims {
		p.Spec.Volumes = append(p.Spec.Volumes, v1.Volume{Name: c, VolumeSource: v1.VolumeSource{
			PersistentVolumeClaim: &v1.PersistentVolumeClaimVolumeSource{ClaimName: c}}})
	}
	return p
}

func claim(name, class, volume, size string) *v1.PersistentVolumeClaim {
	c := &v1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + "c"},
		Spec: v1.PersistentVolumeClaimSpec{VolumeName: volume, AccessModes: []v1.PersistentVolumeAccessMode{v1.ReadWriteOnce},
			Resources: v1.VolumeResourceRequirements{Requests: v1.ResourceList{v1.ResourceStorage: resource.MustParse(size)}}}}
	if class != "" {
		c.Spec.StorageClassName = &class
	}
	return c
}

func volume(name, class, size string, zones ...string) *v1.PersistentVolume {
	pv := &v1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: v1.PersistentVolumeSpec{
		StorageClassName: class, AccessModes: []v1.PersistentVolumeAccessMode{v1.ReadWriteOnce},
		Capacity: v1.ResourceList{v1.ResourceStorage: resource.MustParse(size)}}, Status: v1.PersistentVolumeStatus{Phase: v1.VolumeAvailable}}
	if len(zones) > 0 {
		pv.Spec.NodeAffinity = &v1.VolumeNodeAffinity{Required: &v1.NodeSelector{NodeSelectorTerms: []v1.NodeSelectorTerm{{
			MatchExpressions: []v1.NodeSelectorRequirement{{Key: "zone", Operator: v1.NodeSelectorOpIn, Values: zones}}}}}}
	}
	return pv
}

func class(name string, mode storagev1.VolumeBindingMode) *storagev1.StorageClass {
	return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Provisioner: "kubernetes.io/no-provisioner", VolumeBindingMode: &mode}
}

func TestFilter(t *testing.T) {
	wffc, immediate := class("local", storagev1.VolumeBindingWaitForFirstConsumer), class("fast", storagev1.VolumeBindingImmediate)
	claimed := volume("pv-claimed", "local", "10Gi", "z1")
	claimed.Spec.ClaimRef = &v1.ObjectReference{Namespace: "default", Name: "someone-else"}
	tests := []struct {
		name  string
		pod   *v1.Pod
		objs  []runtime.Object
		nodes map[string]*framework.Status // node name -> want
	}{
		{name: "no volumes", pod: podWithClaims(), nodes: map[string]*framework.Status{"n1": nil}},
		{name: "bound volume with node affinity fits its zone only", pod: podWithClaims("data"),
			objs: []runtime.Object{claim("data", "", "pv1", "1Gi"), volume("pv1", "", "1Gi", "z1")},
			nodes: map[string]*framework.Status{"n1": nil,
				"n2": framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonNodeConflict)}},
		{name: "bound volume without node affinity fits anywhere", pod: podWithClaims("data"),
			objs:  []runtime.Object{claim("data", "", "pv1", "1Gi"), volume("pv1", "", "1Gi")},
			nodes: map[string]*framework.Status{"n1": nil, "n2": nil}},
		{name: "bound to a missing volume", pod: podWithClaims("data"), objs: []runtime.Object{claim("data", "", "gone", "1Gi")},
			nodes: map[string]*framework.Status{"n1": framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonPVNotExist)}},
		{name: "missing claim", pod: podWithClaims("data"),
			nodes: map[string]*framework.Status{"n1": framework.NewStatus(framework.UnschedulableAndUnresolvable, `persistentvolumeclaim "data" not found`)}},
		{name: "unbound immediate claim", pod: podWithClaims("data"), objs: []runtime.Object{immediate, claim("data", "fast", "", "1Gi")},
			nodes: map[string]*framework.Status{"n1": framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonUnboundImmediate)}},
		{name: "unbound claim without a class is immediate", pod: podWithClaims("data"), objs: []runtime.Object{claim("data", "", "", "1Gi")},
			nodes: map[string]*framework.Status{"n1": framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonUnboundImmediate)}},
		{name: "wait for first consumer: a local volume in the node's zone", pod: podWithClaims("data"),
			objs: []runtime.Object{wffc, claim("data", "local", "", "5Gi"), volume("pv-z1", "local", "10Gi", "z1")},
			nodes: map[string]*framework.Status{"n1": nil,
				"n2": framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonBindConflict)}},
		{name: "wait for first consumer: too small", pod: podWithClaims("data"),
			objs:  []runtime.Object{wffc, claim("data", "local", "", "50Gi"), volume("pv-z1", "local", "10Gi", "z1")},
			nodes: map[string]*framework.Status{"n1": framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonBindConflict)}},
		{name: "wait for first consumer: other class", pod: podWithClaims("data"),
			objs:  []runtime.Object{wffc, claim("data", "local", "", "5Gi"), volume("pv-z1", "other", "10Gi", "z1")},
			nodes: map[string]*framework.Status{"n1": framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonBindConflict)}},
		{name: "wait for first consumer: claimed by another", pod: podWithClaims("data"),
			objs:  []runtime.Object{wffc, claim("data", "local", "", "5Gi"), claimed},
			nodes: map[string]*framework.Status{"n1": framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonBindConflict)}},
		{name: "two claims need two volumes", pod: podWithClaims("a", "b"),
			objs: []runtime.Object{wffc, claim("a", "local", "", "1Gi"), claim("b", "local", "", "1Gi"), volume("pv1", "local", "1Gi", "z1"),
				volume("pv2", "local", "1Gi", "z1"), volume("pv3", "local", "1Gi", "z2")},
			nodes: map[string]*framework.Status{"n1": nil, "n2": framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonBindConflict)}},
	}
	nodes := []*v1.Node{node("n1", "z1"), node("n2", "z2")}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := frameworktest.NewHandle(frameworktest.NodeInfos(nodes, nil), tt.objs...)
			pl, _ := New(nil, h)
			vb := pl.(*VolumeBinding)
			state := framework.NewCycleState()
			pre := vb.PreFilter(context.Background(), state, tt.pod)
			for name, want := range tt.nodes {
				got := pre
				if pre.IsSkip() {
					got = nil
				} else if pre.IsSuccess() {
					got = vb.Filter(context.Background(), state, tt.pod, h.Nodes.Get(name))
				}
				if !got.Equal(want) {
					t.Errorf("on %s: got %v; want %v", name, got, want)
				}
			}
		})
	}
}
