package apiserver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff-dev/skiff/internal/apis/podlog"
)

// maxKubeletErrorBytes bounds the error body read from a kubelet.
const maxKubeletErrorBytes = 4 << 10

var podLogResource = schema.GroupResource{Resource: "pods/log"}

// handlePodLog serves GET pods/{name}/log as upstream's LogREST: the
// options are read and validated (internal/apis/podlog), the container resolved, and the
// kubelet of the pod's node asked for /containerLogs, whose answer is
// streamed back as text/plain (flushed as it comes with follow). A pod
// not bound to a node has an empty log. A kubelet's 400 reaches the
// client as a 400 with the kubelet's text, as upstream's response checker
// has it.
func (s *Server) handlePodLog(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) error {
	opts, err := podlog.OptionsFromQuery(r.URL.Query())
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	// The stream parameter belongs to PodLogsQuerySplitStreams, a gate
	// 1.33 has off: the server leaves it aside.
	opts.Stream = nil
	if errs := podlog.Validate(opts); len(errs) > 0 {
		return apierrors.NewInvalid(schema.GroupKind{Kind: "PodLogOptions"}, info.Name, errs)
	}
	pod, err := storedPod(ctx, ep, info)
	if err != nil {
		return err
	}
	container, err := podContainer(opts.Container, pod)
	if err != nil {
		return err
	}
	if pod.Spec.NodeName == "" {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		return nil
	}
	loc, err := s.kubeletLogURL(ctx, pod, container, opts)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	resp, err := s.cfg.Kubelet.Do(req)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("get logs from node %s: %w", pod.Spec.NodeName, err))
	}
	defer resp.Body.Close()
	if err := kubeletResponseError(resp, info.Name); err != nil {
		return err
	}
	var body io.Reader = resp.Body
	if opts.LimitBytes != nil {
		body = io.LimitReader(body, *opts.LimitBytes)
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	out := io.Writer(w)
	if f, ok := w.(http.Flusher); ok && opts.Follow {
		out = flushWriter{w: w, f: f}
	}
	_, _ = io.Copy(out, body) // the status is sent; a broken stream just ends
	return nil
}

// flushWriter flushes after every write, so a followed log reaches the
// client line by line.
type flushWriter struct {
	w io.Writer
	f http.Flusher
}

func (fw flushWriter) Write(p []byte) (int, error) {
	n, err := fw.w.Write(p)
	fw.f.Flush()
	return n, err
}

// storedPod reads the pod a pods/... subresource request names.
func storedPod(ctx context.Context, ep *endpoint, info requestInfo) (*corev1.Pod, error) {
	obj, err := ep.store.Get(ctx, info.Namespace, info.Name, "")
	if err != nil {
		return nil, err
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("pods store holds a %T", obj))
	}
	return pod, nil
}

// podContainer resolves the container a log, exec or attach request
// names, as upstream's validateContainer: none named is the pod's only
// container; a named one must be one of the pod's containers (init,
// regular or ephemeral).
func podContainer(name string, pod *corev1.Pod) (string, error) {
	var names []string
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		names = append(names, c.Name)
	}
	if name == "" {
		switch len(pod.Spec.Containers) {
		case 1:
			return pod.Spec.Containers[0].Name, nil
		case 0:
			return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s", pod.Name))
		}
		return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", pod.Name, names))
	}
	for _, n := range names {
		if n == name {
			return name, nil
		}
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
}

// kubeletLogURL is the /containerLogs URL of the pod's container on the
// kubelet of its node (kubeletHost), the options passed on as upstream
// does.
func (s *Server) kubeletLogURL(ctx context.Context, pod *corev1.Pod, container string, opts *corev1.PodLogOptions) (*url.URL, error) {
	host, err := s.kubeletHost(ctx, pod.Spec.NodeName, "")
	if err != nil {
		return nil, err
	}
	params := url.Values{}
	if opts.Follow {
		params.Add("follow", "true")
	}
	if opts.Previous {
		params.Add("previous", "true")
	}
	if opts.Timestamps {
		params.Add("timestamps", "true")
	}
	if opts.SinceSeconds != nil {
		params.Add("sinceSeconds", strconv.FormatInt(*opts.SinceSeconds, 10))
	}
	if opts.SinceTime != nil {
		params.Add("sinceTime", opts.SinceTime.Format(time.RFC3339))
	}
	if opts.TailLines != nil {
		params.Add("tailLines", strconv.FormatInt(*opts.TailLines, 10))
	}
	if opts.LimitBytes != nil {
		params.Add("limitBytes", strconv.FormatInt(*opts.LimitBytes, 10))
	}
	return &url.URL{
		Scheme:   "https",
		Host:     host,
		Path:     fmt.Sprintf("/containerLogs/%s/%s/%s", pod.Namespace, pod.Name, container),
		RawQuery: params.Encode(),
	}, nil
}

// kubeletResponseError turns a kubelet's failure into the client's error
// as upstream's GenericHttpResponseChecker does: a 400 is a 400 with the
// kubelet's text, a 500 an internal error with it, anything else a
// generic error of its code.
func kubeletResponseError(resp *http.Response, name string) error {
	if resp.StatusCode >= http.StatusOK && resp.StatusCode <= http.StatusPartialContent {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKubeletErrorBytes))
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	switch resp.StatusCode {
	case http.StatusBadRequest:
		return apierrors.NewBadRequest(string(body))
	case http.StatusInternalServerError:
		return apierrors.NewInternalError(fmt.Errorf("%s", body))
	}
	return apierrors.NewGenericServerResponse(resp.StatusCode, "", podLogResource, name, string(body), 0, false)
}
