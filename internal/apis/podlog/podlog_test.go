package podlog

import (
	"net/url"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestPodLogOptions(t *testing.T) {
	q, _ := url.ParseQuery("container=c&follow=1&previous=false&timestamps=TRUE&sinceSeconds=5&tailLines=10&limitBytes=100")
	opts, err := OptionsFromQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Container != "c" || !opts.Follow || opts.Previous || !opts.Timestamps ||
		*opts.SinceSeconds != 5 || *opts.TailLines != 10 || *opts.LimitBytes != 100 || opts.SinceTime != nil {
		t.Errorf("options %+v", opts)
	}
	q, _ = url.ParseQuery("sinceTime=2026-11-28T00:00:00Z")
	if opts, err = OptionsFromQuery(q); err != nil || opts.SinceTime == nil || opts.SinceTime.Year() != 2026 {
		t.Errorf("sinceTime: %+v, %v", opts, err)
	}
	for _, bad := range []string{"tailLines=ten", "limitBytes=1.5", "sinceTime=yesterday"} {
		q, _ := url.ParseQuery(bad)
		if _, err := OptionsFromQuery(q); err == nil {
			t.Errorf("%s: no error; want one (the API server's 400, the kubelet's)", bad)
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
		{corev1.PodLogOptions{Stream: ptr.To(corev1.LogStreamAll), TailLines: n(1)}, ""},
		{corev1.PodLogOptions{Stream: ptr.To(corev1.LogStreamStdout), TailLines: n(1)}, "`tailLines` and specific `stream` are mutually exclusive for now"},
		{corev1.PodLogOptions{Stream: ptr.To("Both")}, `stream: Unsupported value: "Both"`},
	} {
		errs := Validate(&tc.opts)
		if got := errs.ToAggregate(); (got == nil) != (tc.want == "") || got != nil && !strings.Contains(got.Error(), tc.want) {
			t.Errorf("%+v: %v; want %q", tc.opts, got, tc.want)
		}
	}
}
