package apiserver

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodLogOptions(t *testing.T) {
	q, _ := url.ParseQuery("container=c&follow=1&previous=false&timestamps=TRUE&sinceSeconds=5&tailLines=10&limitBytes=100")
	opts, err := podLogOptions(q)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Container != "c" || !opts.Follow || opts.Previous || !opts.Timestamps ||
		*opts.SinceSeconds != 5 || *opts.TailLines != 10 || *opts.LimitBytes != 100 || opts.SinceTime != nil {
		t.Errorf("options %+v", opts)
	}
	q, _ = url.ParseQuery("sinceTime=2026-11-28T00:00:00Z")
	if opts, err = podLogOptions(q); err != nil || opts.SinceTime == nil || opts.SinceTime.Year() != 2026 {
		t.Errorf("sinceTime: %+v, %v", opts, err)
	}
	for _, bad := range []string{"tailLines=ten", "limitBytes=1.5", "sinceTime=yesterday"} {
		q, _ := url.ParseQuery(bad)
		if _, err := podLogOptions(q); !apierrors.IsBadRequest(err) {
			t.Errorf("%s: err %v; want 400", bad, err)
		}
	}
}

func TestValidatePodLogOptions(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	now := metav1.Now()
	for _, tc := range []struct {
		opts corev1.PodLogOptions
		want string
	}{
		{corev1.PodLogOptions{TailLines: n(0), LimitBytes: n(1), SinceSeconds: n(1)}, ""},
		{corev1.PodLogOptions{TailLines: n(-1)}, "tailLines: Invalid value: -1: must be greater than or equal to 0"},
		{corev1.PodLogOptions{LimitBytes: n(0)}, "limitBytes: Invalid value: 0: must be greater than 0"},
		{corev1.PodLogOptions{SinceSeconds: n(0)}, "sinceSeconds: Invalid value: 0: must be greater than 0"},
		{corev1.PodLogOptions{SinceSeconds: n(5), SinceTime: &now}, "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"},
	} {
		errs := validatePodLogOptions(&tc.opts)
		if got := errs.ToAggregate(); (got == nil) != (tc.want == "") || got != nil && !strings.Contains(got.Error(), tc.want) {
			t.Errorf("%+v: %v; want %q", tc.opts, got, tc.want)
		}
	}
}

func TestLogContainer(t *testing.T) {
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
		got, err := logContainer(tc.name, tc.pod)
		if tc.err != "" {
			if !apierrors.IsBadRequest(err) || err.Error() != tc.err {
				t.Errorf("logContainer(%q) err %v; want 400 %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("logContainer(%q) = %q, %v; want %q", tc.name, got, err, tc.want)
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
