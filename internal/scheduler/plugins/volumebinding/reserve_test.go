package volumebinding

import (
	"context"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
	"github.com/skiff-dev/skiff/internal/scheduler/framework/frameworktest"
)

// reserveOn runs PreFilter and Reserve for pod on node.
func reserveOn(t *testing.T, vb *VolumeBinding, pod *v1.Pod, node string) (*framework.CycleState, *framework.Status) {
	t.Helper()
	state := framework.NewCycleState()
	if s := vb.PreFilter(context.Background(), state, pod); !s.IsSuccess() && !s.IsSkip() {
		t.Fatalf("PreFilter(%s) = %v; want success", pod.Name, s)
	}
	return state, vb.Reserve(context.Background(), state, pod, node)
}

func newPlugin(t *testing.T, objs ...runtime.Object) (*VolumeBinding, *frameworktest.Handle) {
	t.Helper()
	h := frameworktest.NewHandle(frameworktest.NodeInfos([]*v1.Node{node("n1", "z1"), node("n2", "z2")}, nil), objs...)
	pl, err := New(nil, h)
	if err != nil {
		t.Fatal(err)
	}
	return pl.(*VolumeBinding), h
}

func TestReserve(t *testing.T) {
	wffc := class("local", storagev1.VolumeBindingWaitForFirstConsumer)
	tests := []struct {
		name string
		objs []runtime.Object
		pod  *v1.Pod
		node string
		want *framework.Status
		// wantVolumes maps claim to the volume Reserve assumed for it.
		wantVolumes map[string]string
	}{
		{name: "no claims", pod: podWithClaims(), node: "n1"},
		{name: "bound claim needs nothing", pod: podWithClaims("data"), node: "n1",
			objs: []runtime.Object{claim("data", "", "pv1", "1Gi"), volume("pv1", "", "1Gi")}, wantVolumes: map[string]string{}},
		{name: "volume in the node's zone", pod: podWithClaims("data"), node: "n2",
			objs:        []runtime.Object{wffc, claim("data", "local", "", "1Gi"), volume("pv-z1", "local", "1Gi", "z1"), volume("pv-z2", "local", "1Gi", "z2")},
			wantVolumes: map[string]string{"data": "pv-z2"}},
		{name: "smallest that fits", pod: podWithClaims("data"), node: "n1",
			objs:        []runtime.Object{wffc, claim("data", "local", "", "1Gi"), volume("big", "local", "9Gi", "z1"), volume("fit", "local", "2Gi", "z1")},
			wantVolumes: map[string]string{"data": "fit"}},
		{name: "pre-bound before smaller", pod: podWithClaims("data"), node: "n1",
			objs: []runtime.Object{wffc, claim("data", "local", "", "1Gi"), volume("fit", "local", "1Gi", "z1"),
				with(volume("mine", "local", "9Gi", "z1"), func(pv *v1.PersistentVolume) {
					pv.Spec.ClaimRef = &v1.ObjectReference{Namespace: "default", Name: "data"}
				})},
			wantVolumes: map[string]string{"data": "mine"}},
		{name: "nothing on the node", pod: podWithClaims("data"), node: "n2",
			objs: []runtime.Object{wffc, claim("data", "local", "", "1Gi"), volume("pv-z1", "local", "1Gi", "z1")},
			want: framework.NewStatus(framework.Unschedulable, ErrReasonBindConflict)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vb, _ := newPlugin(t, tt.objs...)
			state, got := reserveOn(t, vb, tt.pod, tt.node)
			if !got.Equal(tt.want) {
				t.Fatalf("Reserve(%s) = %v; want %v", tt.node, got, tt.want)
			}
			gotVolumes := map[string]string{}
			if rs := readReserve(state); rs != nil {
				for _, b := range rs.bindings {
					gotVolumes[b.claim.Name] = b.volume
					if c := vb.assumed.claimOf(b.volume); c != b.claimKey() {
						t.Errorf("volume %s assumed for %q; want %q", b.volume, c, b.claimKey())
					}
				}
			}
			if len(gotVolumes) != len(tt.wantVolumes) {
				t.Fatalf("Reserve bindings = %v; want %v", gotVolumes, tt.wantVolumes)
			}
			for c, v := range tt.wantVolumes {
				if gotVolumes[c] != v {
					t.Errorf("Reserve bindings = %v; want %v", gotVolumes, tt.wantVolumes)
				}
			}
		})
	}
}

func with[T any](o T, f func(T)) T { f(o); return o }

// TestAssumedVolumeIsNotOffered: once Reserve assumed the only volume for
// one pod's claim, another pod's claim finds nothing until Unreserve.
func TestAssumedVolumeIsNotOffered(t *testing.T) {
	wffc := class("local", storagev1.VolumeBindingWaitForFirstConsumer)
	a, b := podWithClaims("a"), podWithClaims("b")
	b.Name = "q"
	vb, h := newPlugin(t, wffc, claim("a", "local", "", "1Gi"), claim("b", "local", "", "1Gi"), volume("only", "local", "1Gi", "z1"))
	stateA, s := reserveOn(t, vb, a, "n1")
	if !s.IsSuccess() {
		t.Fatalf("Reserve(a) = %v; want success", s)
	}
	stateB := framework.NewCycleState()
	vb.PreFilter(context.Background(), stateB, b)
	want := framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonBindConflict)
	if got := vb.Filter(context.Background(), stateB, b, h.Nodes.Get("n1")); !got.Equal(want) {
		t.Errorf("Filter(b) while a holds the volume = %v; want %v", got, want)
	}
	vb.Unreserve(context.Background(), stateA, a, "n1")
	vb.Unreserve(context.Background(), stateA, a, "n1") // idempotent
	if got := vb.Filter(context.Background(), stateB, b, h.Nodes.Get("n1")); !got.IsSuccess() {
		t.Errorf("Filter(b) after Unreserve(a) = %v; want success", got)
	}
}

// TestPreBind: PreBind writes the claimRef and returns once the claim is
// bound; it fails after the bind timeout when the claim never is.
func TestPreBind(t *testing.T) {
	wffc := class("local", storagev1.VolumeBindingWaitForFirstConsumer)
	c := claim("data", "local", "", "1Gi")
	vb, h := newPlugin(t, wffc, c, volume("pv1", "local", "1Gi", "z1"))
	vb.bindTimeout = 20 * time.Millisecond
	pod := podWithClaims("data")
	state, s := reserveOn(t, vb, pod, "n1")
	if !s.IsSuccess() {
		t.Fatalf("Reserve() = %v; want success", s)
	}
	if got := vb.PreBind(context.Background(), state, pod, "n1"); got.IsSuccess() {
		t.Fatalf("PreBind() with the claim never bound = success; want a timeout error")
	}
	pv, err := h.Client.CoreV1().PersistentVolumes().Get(context.Background(), "pv1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref := pv.Spec.ClaimRef; ref == nil || ref.Name != "data" || ref.Namespace != "default" || ref.UID != c.UID ||
		pv.Annotations[annBoundByController] != "yes" {
		t.Fatalf("volume after PreBind: claimRef %+v annotations %v; want default/data with the claim's UID, bound by controller", ref, pv.Annotations)
	}

	// The controller binds: the caches show both sides.
	bound := c.DeepCopy()
	bound.Spec.VolumeName = "pv1"
	bound.Annotations = map[string]string{annBindCompleted: "yes"}
	if err := h.Informers.Core().V1().PersistentVolumeClaims().Informer().GetStore().Update(bound); err != nil {
		t.Fatal(err)
	}
	if err := h.Informers.Core().V1().PersistentVolumes().Informer().GetStore().Update(pv); err != nil {
		t.Fatal(err)
	}
	if got := vb.PreBind(context.Background(), state, pod, "n1"); !got.IsSuccess() {
		t.Fatalf("PreBind() with the claim bound = %v; want success", got)
	}
	if a := vb.assumed.claimOf("pv1"); a != "" {
		t.Errorf("pv1 still assumed for %q after PreBind; want none", a)
	}
}

func TestArgs(t *testing.T) {
	neg := int64(-1)
	tests := []struct {
		name    string
		args    Args
		want    int64
		wantErr string
	}{
		{name: "default", want: 600},
		{name: "negative", args: Args{BindTimeoutSeconds: &neg},
			wantErr: "bindTimeoutSeconds: Invalid value: -1: invalid BindTimeoutSeconds, should not be a negative value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.args
			a.Default()
			err := a.Validate()
			if got := errString(err); got != tt.wantErr {
				t.Fatalf("Validate() = %q; want %q", got, tt.wantErr)
			}
			if err == nil && *a.BindTimeoutSeconds != tt.want {
				t.Errorf("BindTimeoutSeconds = %d; want %d", *a.BindTimeoutSeconds, tt.want)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
