package namespace

import (
	"errors"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestDeletable(t *testing.T) {
	all := []string{"create", "delete", "deletecollection", "get", "list", "watch"}
	tests := []struct {
		name    string
		lists   []*metav1.APIResourceList
		want    []resource
		wantBad []string
	}{
		{
			name: "namespaced resources only, subresources skipped, sorted",
			lists: []*metav1.APIResourceList{
				{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{{Name: "deployments", Namespaced: true, Verbs: all}}},
				{GroupVersion: "v1", APIResources: []metav1.APIResource{
					{Name: "pods", Namespaced: true, Verbs: all},
					{Name: "pods/status", Namespaced: true, Verbs: []string{"get", "update"}},
					{Name: "nodes", Namespaced: false, Verbs: all},
				}},
			},
			want: []resource{
				{gvr: schema.GroupVersionResource{Version: "v1", Resource: "pods"}, deleteCollection: true},
				{gvr: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, deleteCollection: true},
			},
		},
		{
			name: "no deletecollection means delete one by one; no delete means skip",
			lists: []*metav1.APIResourceList{{GroupVersion: "v1", APIResources: []metav1.APIResource{
				{Name: "bindings", Namespaced: true, Verbs: []string{"create"}},
				{Name: "events", Namespaced: true, Verbs: []string{"list", "delete"}},
			}}},
			want: []resource{{gvr: schema.GroupVersionResource{Version: "v1", Resource: "events"}}},
		},
		{
			name:    "unparsable group version",
			lists:   []*metav1.APIResourceList{{GroupVersion: "a/b/c"}, nil},
			wantBad: []string{"a/b/c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, bad := deletable(tt.lists)
			if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(bad, tt.wantBad) {
				t.Errorf("deletable() = %v, %v; want %v, %v", got, bad, tt.want, tt.wantBad)
			}
		})
	}
}

func TestConditions(t *testing.T) {
	tests := []struct {
		name string
		rep  report
		want map[corev1.NamespaceConditionType]string // type -> "Status Reason Message"
	}{
		{
			name: "all clear",
			want: map[corev1.NamespaceConditionType]string{
				corev1.NamespaceDeletionDiscoveryFailure: "False ResourcesDiscovered All resources successfully discovered",
				corev1.NamespaceDeletionGVParsingFailure: "False ParsedGroupVersions All legacy kube types successfully parsed",
				corev1.NamespaceDeletionContentFailure:   "False ContentDeleted All content successfully deleted, may be waiting on finalization",
				corev1.NamespaceContentRemaining:         "False ContentRemoved All content successfully removed",
				corev1.NamespaceFinalizersRemaining:      "False ContentHasNoFinalizers All content-preserving finalizers finished",
			},
		},
		{
			name: "content and finalizers remain",
			rep: report{
				remaining:  map[string]int{"pods": 2, "deployments.apps": 1},
				finalizers: map[string]int{"example.com/hold": 1},
			},
			want: map[corev1.NamespaceConditionType]string{
				corev1.NamespaceDeletionDiscoveryFailure: "False ResourcesDiscovered All resources successfully discovered",
				corev1.NamespaceDeletionGVParsingFailure: "False ParsedGroupVersions All legacy kube types successfully parsed",
				corev1.NamespaceDeletionContentFailure:   "False ContentDeleted All content successfully deleted, may be waiting on finalization",
				corev1.NamespaceContentRemaining:         "True SomeResourcesRemain Some resources are remaining: deployments.apps has 1 resource instances, pods has 2 resource instances",
				corev1.NamespaceFinalizersRemaining:      "True SomeFinalizersRemain Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances",
			},
		},
		{
			name: "discovery and deletion failures",
			rep:  report{discoveryErr: errors.New("metrics.k8s.io/v1beta1 unavailable"), contentErrs: []error{errors.New("delete collection pods: forbidden")}},
			want: map[corev1.NamespaceConditionType]string{
				corev1.NamespaceDeletionDiscoveryFailure: "True DiscoveryFailed Discovery failed for some groups: metrics.k8s.io/v1beta1 unavailable",
				corev1.NamespaceDeletionGVParsingFailure: "False ParsedGroupVersions All legacy kube types successfully parsed",
				corev1.NamespaceDeletionContentFailure:   "True ContentDeletionFailed Failed to delete all resource types, 1 remaining: delete collection pods: forbidden",
				corev1.NamespaceContentRemaining:         "False ContentRemoved All content successfully removed",
				corev1.NamespaceFinalizersRemaining:      "False ContentHasNoFinalizers All content-preserving finalizers finished",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := conditions(tt.rep)
			if len(got) != len(conditionTypes) {
				t.Fatalf("conditions() returned %d conditions; want %d", len(got), len(conditionTypes))
			}
			for i, c := range got {
				if c.Type != conditionTypes[i] {
					t.Errorf("condition %d is %s; want %s", i, c.Type, conditionTypes[i])
				}
				if s := string(c.Status) + " " + c.Reason + " " + c.Message; s != tt.want[c.Type] {
					t.Errorf("%s = %q; want %q", c.Type, s, tt.want[c.Type])
				}
			}
		})
	}
}

func TestMerge(t *testing.T) {
	t0 := metav1.NewTime(time.Unix(1000, 0))
	t1 := metav1.NewTime(time.Unix(2000, 0))
	remainTrue := corev1.NamespaceCondition{Type: corev1.NamespaceContentRemaining, Status: corev1.ConditionTrue, Reason: "SomeResourcesRemain", Message: "a"}
	other := corev1.NamespaceCondition{Type: "Custom", Status: corev1.ConditionTrue, LastTransitionTime: t0}
	tests := []struct {
		name        string
		current     []corev1.NamespaceCondition
		want        corev1.NamespaceCondition
		wantTime    metav1.Time
		wantChanged bool
		wantLen     int
	}{
		{name: "new condition gets now", want: remainTrue, wantTime: t1, wantChanged: true, wantLen: 1},
		{name: "identical condition unchanged", current: []corev1.NamespaceCondition{withTime(remainTrue, t0)}, want: remainTrue, wantTime: t0, wantLen: 1},
		{name: "message change keeps transition time", current: []corev1.NamespaceCondition{withTime(remainTrue, t0)},
			want: withMessage(remainTrue, "b"), wantTime: t0, wantChanged: true, wantLen: 1},
		{name: "status change moves transition time", current: []corev1.NamespaceCondition{withTime(remainTrue, t0)},
			want: corev1.NamespaceCondition{Type: corev1.NamespaceContentRemaining, Status: corev1.ConditionFalse}, wantTime: t1, wantChanged: true, wantLen: 1},
		{name: "foreign conditions kept", current: []corev1.NamespaceCondition{other}, want: remainTrue, wantTime: t1, wantChanged: true, wantLen: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := merge(tt.current, []corev1.NamespaceCondition{tt.want}, t1)
			if changed != tt.wantChanged || len(got) != tt.wantLen {
				t.Fatalf("merge() = %d conditions, changed %v; want %d, %v", len(got), changed, tt.wantLen, tt.wantChanged)
			}
			last := got[len(got)-1]
			if !last.LastTransitionTime.Equal(&tt.wantTime) || last.Message != tt.want.Message {
				t.Errorf("merge() last = %v %q; want %v %q", last.LastTransitionTime, last.Message, tt.wantTime, tt.want.Message)
			}
		})
	}
}

func withTime(c corev1.NamespaceCondition, t metav1.Time) corev1.NamespaceCondition {
	c.LastTransitionTime = t
	return c
}

func withMessage(c corev1.NamespaceCondition, m string) corev1.NamespaceCondition {
	c.Message = m
	return c
}

func TestWithoutFinalizer(t *testing.T) {
	tests := []struct {
		name      string
		in        []string
		want      []string
		wantFound bool
	}{
		{name: "only kubernetes", in: []string{"kubernetes"}, wantFound: true},
		{name: "others kept", in: []string{"a", "kubernetes", "b"}, want: []string{"a", "b"}, wantFound: true},
		{name: "absent", in: []string{"a"}, want: []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := withoutFinalizer(tt.in, Finalizer)
			if !reflect.DeepEqual(got, tt.want) || found != tt.wantFound {
				t.Errorf("withoutFinalizer(%v) = %v, %v; want %v, %v", tt.in, got, found, tt.want, tt.wantFound)
			}
		})
	}
}
