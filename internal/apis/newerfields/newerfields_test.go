package newerfields

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
)

func TestField(t *testing.T) {
	spec := reflect.TypeOf(corev1.PodSpec{})
	for _, tc := range []struct {
		t    reflect.Type
		name string
		want bool
	}{
		{spec, "hostnameOverride", true},
		{spec, "nodeName", false},
		{spec, "bogus", false},
		{reflect.TypeOf(corev1.Container{}), "restartPolicyRules", true},
		{reflect.TypeOf(corev1.Container{}), "restartPolicy", false},
		{reflect.TypeOf(metav1.ListOptions{}), "shardSelector", true},
	} {
		if got := Field(tc.t, tc.name); got != tc.want {
			t.Errorf("Field(%v, %q) = %v; want %v", tc.t, tc.name, got, tc.want)
		}
	}
}

// TestStripClearsAndNames sets newer fields at several depths (a struct
// field, a list element, a pointer, an inlined struct, a template inside
// another kind) and checks each is cleared and named by its JSON path,
// and that nothing else changes.
func TestStripClearsAndNames(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{"a": "b"}},
		Spec: corev1.PodSpec{
			NodeName: "n1",
			Containers: []corev1.Container{
				{Name: "a", Image: "nginx"},
				{Name: "b", Image: "nginx", RestartPolicy: &always,
					Env: []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{FileKeyRef: &corev1.FileKeySelector{Key: "k"}}}}},
			},
			Volumes: []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{
				EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}}},
		},
	}
	want := pod.DeepCopy()
	hostname := "h"
	pod.Spec.HostnameOverride = &hostname
	pod.Spec.Containers[1].RestartPolicyRules = []corev1.ContainerRestartRule{{Action: "Restart"}}
	mode := int32(0o700)
	pod.Spec.Volumes[0].EmptyDir.Mode = &mode

	got := Strip(pod)
	wantPaths := []string{
		"spec.containers[1].env[0].valueFrom.fileKeyRef",
		"spec.containers[1].restartPolicyRules",
		"spec.hostnameOverride",
		"spec.volumes[0].emptyDir.mode",
	}
	slices.Sort(got)
	if !slices.Equal(got, wantPaths) {
		t.Errorf("Strip paths = %q; want %q", got, wantPaths)
	}
	want.Spec.Containers[1].Env[0].ValueFrom.FileKeyRef = nil
	if !equality.Semantic.DeepEqual(pod, want) {
		t.Errorf("Strip left %+v; want %+v", pod, want)
	}
	if again := Strip(pod); again != nil {
		t.Errorf("second Strip = %q; want nothing", again)
	}

	d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "c", ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
			HTTPGet: &corev1.HTTPGetAction{Path: "/", Protocol: ptr.To(corev1.HTTPProtocolHTTP2)}}}}},
	}}}}
	if got := Strip(d); !slices.Equal(got, []string{"spec.template.spec.containers[0].readinessProbe.httpGet.protocol"}) {
		t.Errorf("Strip(deployment) = %q", got)
	}
	if d.Spec.Template.Spec.Containers[0].ReadinessProbe.HTTPGet.Protocol != nil || d.Spec.Template.Spec.Containers[0].ReadinessProbe.HTTPGet.Path != "/" {
		t.Errorf("Strip(deployment) left %+v", d.Spec.Template.Spec.Containers[0].ReadinessProbe.HTTPGet)
	}
}

func TestStripNothingNewer(t *testing.T) {
	if got := Strip(&corev1.ConfigMap{Data: map[string]string{"a": "b"}}); got != nil {
		t.Errorf("Strip(configmap) = %q", got)
	}
	if planFor(reflect.TypeOf(&corev1.ConfigMap{})) != nil {
		t.Error("a ConfigMap has a plan; want none (no newer field can be in one)")
	}
}

// TestStripMapValues covers newer fields in map values, which are walked
// through copies.
func TestStripMapValues(t *testing.T) {
	type holder struct {
		Probes map[string]corev1.HTTPGetAction `json:"probes"`
	}
	h := &holder{Probes: map[string]corev1.HTTPGetAction{"x": {Path: "/x", Protocol: ptr.To(corev1.HTTPProtocolHTTP2)}, "y": {Path: "/y"}}}
	if got := Strip(h); !slices.Equal(got, []string{"probes.x.protocol"}) {
		t.Errorf("Strip = %q", got)
	}
	if h.Probes["x"].Protocol != nil || h.Probes["x"].Path != "/x" {
		t.Errorf("map value after Strip: %+v", h.Probes["x"])
	}
}

func BenchmarkStripPod(b *testing.B) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "c", Image: "nginx",
			Env:            []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}},
			VolumeMounts:   []corev1.VolumeMount{{Name: "v", MountPath: "/v"}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/"}}}}},
		Volumes: []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}}},
	}}
	b.ReportAllocs()
	for b.Loop() {
		Strip(pod)
	}
}

// TestTableNamesFieldsOfTheModule: every entry of the generated table that
// names a struct type reached from the kinds client-go's scheme knows
// names a JSON field of it. A stale table (after a bump of
// k8s.io/api without running gen.go) fails here.
func TestTableNamesFieldsOfTheModule(t *testing.T) {
	fields := map[string]map[string]bool{}
	var visit func(reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		key := t.PkgPath() + "." + t.Name()
		if t.Kind() != reflect.Struct || fields[key] != nil {
			return
		}
		names := map[string]bool{}
		fields[key] = names
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			names[name] = true
			visit(f.Type)
		}
	}
	for _, typ := range scheme.Scheme.AllKnownTypes() {
		visit(typ)
	}
	for key, names := range table {
		have, ok := fields[key]
		if !ok {
			// Some types are reached by no kind (autoscaling/v1's HPA
			// conditions live in an annotation); only the name can be
			// checked.
			if strings.Count(key, ".") < 2 || !strings.HasPrefix(key, "k8s.io/") {
				t.Errorf("table key %q is not a package path and type name", key)
			}
			continue
		}
		for _, n := range names {
			if !have[n] {
				t.Errorf("table names %s.%s, which the type does not have", key, n)
			}
		}
	}
}
