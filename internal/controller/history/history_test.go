package history

import (
	"context"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

var stsKind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")

func rev(name string, n int64, data string) *appsv1.ControllerRevision {
	return &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Revision: n, Data: runtime.RawExtension{Raw: []byte(data)}}
}

func names(revs []*appsv1.ControllerRevision) []string {
	var out []string
	for _, r := range revs {
		out = append(out, r.Name)
	}
	return out
}

func TestHash(t *testing.T) {
	zero, one := int32(0), int32(1)
	tests := []struct {
		name     string
		a, b     []byte
		ca, cb   *int32
		wantSame bool
	}{
		{name: "same data same hash", a: []byte("x"), b: []byte("x"), wantSame: true},
		{name: "different data", a: []byte("x"), b: []byte("y")},
		{name: "collision count changes the hash", a: []byte("x"), b: []byte("x"), ca: &zero, cb: &one},
		{name: "nil and zero count differ", a: []byte("x"), b: []byte("x"), cb: &zero},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ha, hb := Hash(tt.a, tt.ca), Hash(tt.b, tt.cb)
			if got := ha == hb; got != tt.wantSame {
				t.Errorf("Hash(%q)=%s, Hash(%q)=%s: same = %v; want %v", tt.a, ha, tt.b, hb, got, tt.wantSame)
			}
		})
	}
}

func TestTemplateRoundTrip(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1"}}}}
	data, err := TemplatePatch(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Template(rev("r", 1, string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, tmpl) {
		t.Errorf("Template(TemplatePatch(t)) = %+v; want %+v", got, tmpl)
	}
	if !strings.Contains(string(data), `"$patch":"replace"`) {
		t.Errorf("TemplatePatch() = %s; want a $patch replace directive", data)
	}
}

func TestToTrim(t *testing.T) {
	revs := []*appsv1.ControllerRevision{rev("a", 1, ""), rev("b", 2, ""), rev("c", 3, ""), rev("d", 4, ""), rev("e", 5, "")}
	tests := []struct {
		name  string
		live  map[string]bool
		limit int
		want  []string
	}{
		{name: "under the limit", live: map[string]bool{"e": true}, limit: 10},
		{name: "oldest dead first", live: map[string]bool{"e": true}, limit: 2, want: []string{"a", "b"}},
		{name: "live ones kept whatever their age", live: map[string]bool{"a": true, "e": true}, limit: 1, want: []string{"b", "c"}},
		{name: "limit zero keeps only live", live: map[string]bool{"d": true, "e": true}, limit: 0, want: []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := names(ToTrim(revs, tt.live, tt.limit)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ToTrim(live=%v, limit=%d) = %v; want %v", tt.live, tt.limit, got, tt.want)
			}
		})
	}
}

func TestSortAndNext(t *testing.T) {
	revs := []*appsv1.ControllerRevision{rev("c", 3, ""), rev("a", 1, ""), rev("b", 2, "")}
	Sort(revs)
	if got := names(revs); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("Sort() = %v; want [a b c]", got)
	}
	if got := Next(revs); got != 4 {
		t.Errorf("Next() = %d; want 4", got)
	}
	if got := Next(nil); got != 1 {
		t.Errorf("Next(nil) = %d; want 1", got)
	}
}

func TestCreateCollision(t *testing.T) {
	parent := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "u1"}}
	var cc int32
	r := New(parent, stsKind, map[string]string{"app": "web"}, []byte(`{"a":1}`), 1, &cc, StatefulSetHashLabel)
	squatter := rev(r.Name, 1, `{"other":true}`)
	client := fake.NewClientset(squatter)
	s := NewStore(client, nil, StatefulSetHashLabel)
	got, err := s.Create(context.Background(), parent, r, &cc)
	if err != nil {
		t.Fatalf("Create() error = %v", err)
	}
	if cc != 1 {
		t.Errorf("collisionCount = %d; want 1", cc)
	}
	if want := Name("web", Hash([]byte(`{"a":1}`), &cc)); got.Name != want || got.Labels[StatefulSetHashLabel] != Hash([]byte(`{"a":1}`), &cc) {
		t.Errorf("Create() name = %s labels %v; want %s", got.Name, got.Labels, want)
	}
	again, err := s.Create(context.Background(), parent, r, &cc)
	if err != nil || again.Name != got.Name || cc != 1 {
		t.Errorf("Create(equal) = %v, %v, count %d; want the existing %s, count 1", again.Name, err, cc, got.Name)
	}
}
