// Package podlog owns v1.PodLogOptions as both ends of a log request read
// them, the API server's pods/log and the kubelet's /containerLogs: from a
// query, as upstream's generated url.Values conversion does, and checked
// as upstream's ValidatePodLogOptions.
package podlog

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// OptionsFromQuery reads PodLogOptions from q: a boolean present is true
// unless "false" (any case) or "0"; an integer present must parse (an
// empty one does not); sinceTime is RFC 3339, empty or "null" being the
// zero time. Of repeated parameters the first counts.
func OptionsFromQuery(q url.Values) (*corev1.PodLogOptions, error) {
	opts := &corev1.PodLogOptions{}
	first := func(key string) (string, bool) {
		if v := q[key]; len(v) > 0 {
			return v[0], true
		}
		return "", false
	}
	opts.Container, _ = first("container")
	for _, b := range []struct {
		key string
		dst *bool
	}{
		{"follow", &opts.Follow}, {"previous", &opts.Previous}, {"timestamps", &opts.Timestamps},
		{"insecureSkipTLSVerifyBackend", &opts.InsecureSkipTLSVerifyBackend},
	} {
		if v, ok := first(b.key); ok {
			*b.dst = v != "0" && !strings.EqualFold(v, "false")
		}
	}
	for _, n := range []struct {
		key string
		dst **int64
	}{
		{"sinceSeconds", &opts.SinceSeconds}, {"tailLines", &opts.TailLines}, {"limitBytes", &opts.LimitBytes},
	} {
		if v, ok := first(n.key); ok {
			i, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n.key, err)
			}
			*n.dst = &i
		}
	}
	if v, ok := first("sinceTime"); ok {
		t := &metav1.Time{}
		if v != "" && v != "null" {
			pt, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return nil, fmt.Errorf("sinceTime: %w", err)
			}
			t.Time = pt.Local()
		}
		opts.SinceTime = t
	}
	if v, ok := first("stream"); ok {
		opts.Stream = &v
	}
	return opts, nil
}

// Validate is upstream's ValidatePodLogOptions.
func Validate(opts *corev1.PodLogOptions) field.ErrorList {
	var errs field.ErrorList
	if opts.TailLines != nil && *opts.TailLines < 0 {
		errs = append(errs, field.Invalid(field.NewPath("tailLines"), *opts.TailLines, "must be greater than or equal to 0"))
	}
	if opts.LimitBytes != nil && *opts.LimitBytes < 1 {
		errs = append(errs, field.Invalid(field.NewPath("limitBytes"), *opts.LimitBytes, "must be greater than 0"))
	}
	switch {
	case opts.SinceSeconds != nil && opts.SinceTime != nil:
		errs = append(errs, field.Forbidden(field.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	case opts.SinceSeconds != nil && *opts.SinceSeconds < 1:
		errs = append(errs, field.Invalid(field.NewPath("sinceSeconds"), *opts.SinceSeconds, "must be greater than 0"))
	}
	if opts.Stream != nil {
		switch *opts.Stream {
		case corev1.LogStreamAll:
		case corev1.LogStreamStdout, corev1.LogStreamStderr:
			if opts.TailLines != nil {
				errs = append(errs, field.Forbidden(field.NewPath(""), "`tailLines` and specific `stream` are mutually exclusive for now"))
			}
		default:
			errs = append(errs, field.NotSupported(field.NewPath("stream"), *opts.Stream,
				[]string{corev1.LogStreamStdout, corev1.LogStreamStderr, corev1.LogStreamAll}))
		}
	}
	return errs
}
