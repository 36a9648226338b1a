package apiserver

import (
	"io"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodContainer(t *testing.T) {
	one := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}}
	two := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "init"}},
		Containers:     []corev1.Container{{Name: "a"}, {Name: "b"}},
	}}
	for _, tc := range []struct {
		pod        *corev1.Pod
		name, want string
		err        string
	}{
		{one, "", "app", ""},
		{one, "app", "app", ""},
		{two, "init", "init", ""},
		{two, "", "", "a container name must be specified for pod p, choose one of: [init a b]"},
		{two, "c", "", "container c is not valid for pod p"},
		{&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}}, "", "", "a container name must be specified for pod p"},
	} {
		got, err := podContainer(tc.name, tc.pod)
		if tc.err != "" {
			if !apierrors.IsBadRequest(err) || err.Error() != tc.err {
				t.Errorf("podContainer(%q) err %v; want 400 %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("podContainer(%q) = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestKubeletResponseError(t *testing.T) {
	resp := func(code int, body string) *http.Response {
		return &http.Response{StatusCode: code, Body: io.NopCloser(strings.NewReader(body))}
	}
	if err := kubeletResponseError(resp(200, "log"), "p"); err != nil {
		t.Errorf("200: %v", err)
	}
	err := kubeletResponseError(resp(400, `container "c" in pod "p" is waiting to start: ContainerCreating`), "p")
	if !apierrors.IsBadRequest(err) || err.Error() != `container "c" in pod "p" is waiting to start: ContainerCreating` {
		t.Errorf("400: %v", err)
	}
	if err := kubeletResponseError(resp(500, "boom"), "p"); !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("500: %v", err)
	}
	if err := kubeletResponseError(resp(403, "Forbidden (user=x)"), "p"); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "Forbidden (user=x)") {
		t.Errorf("403: %v", err)
	}
}
