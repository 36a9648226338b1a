package kubelet

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/apis/podlog"
)

// ContainerLogsPattern is the kubelet API route of container logs, which
// the API server proxies pods/log to, as upstream's kubelet serves it.
const ContainerLogsPattern = "GET /containerLogs/{namespace}/{pod}/{container}"

// containerLogs serves a container's log as upstream's kubelet 1.33 does
// (pkg/kubelet/server/server.go getContainerLogs and, through
// GetKubeletContainerLogs, pkg/kubelet/kubelet_pods.go
// validateContainerLogStatus), with its codes and bodies:
//   - a query that does not decode as v1.PodLogOptions: 400
//     {"message": "Unable to decode query."};
//   - options upstream's ValidatePodLogOptions refuses (tailLines < 0,
//     limitBytes < 1, sinceSeconds < 1, both sinceSeconds and sinceTime,
//     an unknown stream): 422 {"message": "Invalid request."};
//   - a pod the kubelet does not work on: 404 pod "<name>" does not exist;
//   - a container not in the pod's spec: 404 container "<c>" not found in
//     pod "<name>";
//   - a stream other than All (PodLogsQuerySplitStreams is off): 400;
//   - what validateContainerLogStatus finds in the pod's status (waiting,
//     no previous instance, ...) and runtime errors: 400 with the error.
//
// Otherwise it answers 200, text/plain, with the log; a follower's lines
// are flushed as they come, until the instance ends or the request does.
// A follower's answer begins before the runtime is read (as upstream's
// zero-byte write does for every request), so a runtime error then comes
// after the 200, as text at the end of the body, as go-restful's
// WriteError leaves it once the header is out.
func (k *Kubelet) containerLogs(w http.ResponseWriter, r *http.Request) {
	namespace, name, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	switch {
	case name == "":
		writeError(w, http.StatusBadRequest, `{"message": "Missing podID."}`)
		return
	case container == "":
		writeError(w, http.StatusBadRequest, `{"message": "Missing container name."}`)
		return
	case namespace == "":
		writeError(w, http.StatusBadRequest, `{"message": "Missing podNamespace."}`)
		return
	}
	opts, err := decodeLogOptions(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, `{"message": "Unable to decode query."}`)
		return
	}
	if len(podlog.Validate(opts)) > 0 {
		writeError(w, http.StatusUnprocessableEntity, `{"message": "Invalid request."}`)
		return
	}
	pod, status, ok := k.podByName(namespace, name)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("pod %q does not exist", name))
		return
	}
	if !hasContainer(pod, container) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("container %q not found in pod %q", container, name))
		return
	}
	if opts.Stream != nil && *opts.Stream != corev1.LogStreamAll {
		writeError(w, http.StatusBadRequest, fmt.Sprintf(
			"unable to return the given log stream: %q. Please enable PodLogsQuerySplitStreams feature gate in kubelet", *opts.Stream))
		return
	}
	ro, err := k.logSource(pod, &status, container, opts)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	out := &logResponse{w: w, rc: http.NewResponseController(w)}
	if ro.Follow {
		// A follower may wait long for its first line: answer at once,
		// as upstream's zero-byte write before reading the log does.
		out.commit()
	}
	if err := k.cfg.Runtime.ContainerLog(r.Context(), pod.UID, container, ro, out); err != nil {
		if !out.committed {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		// As go-restful's WriteError once the answer has begun: the
		// status stays, the error's text follows the log.
		_, _ = io.WriteString(out, err.Error())
		return
	}
	out.commit()
}

// logSource picks the instance to read as upstream's
// validateContainerLogStatus does from the pod's status, and turns opts
// into the runtime's options. The status names the instance by its
// container ID, which the runtime holds as the container's latest
// instance or the one before; any other (the status lags the runtime) is
// the error upstream's runtime manager gives for a container it no
// longer has.
func (k *Kubelet) logSource(pod *corev1.Pod, status *corev1.PodStatus, container string, opts *corev1.PodLogOptions) (LogOptions, error) {
	id, err := logContainerID(pod.Name, status, container, opts.Previous)
	if err != nil {
		return LogOptions{}, err
	}
	ro := LogOptions{Follow: opts.Follow, Timestamps: opts.Timestamps, TailLines: opts.TailLines, LimitBytes: opts.LimitBytes}
	rs, ok := k.cfg.Runtime.PodStatus(pod.UID)
	c, found := rs.Containers[container]
	switch {
	case ok && found && id != "" && c.ID == id:
	case ok && found && id != "" && c.Previous != nil && c.Previous.ID == id:
		ro.Previous = true
	default:
		return LogOptions{}, fmt.Errorf("unable to retrieve container logs for %s", id)
	}
	// upstream's NewLogOptions: since is the later of sinceSeconds ago
	// and sinceTime
	if opts.SinceSeconds != nil {
		ro.SinceTime = k.cfg.Clock.Now().Add(-time.Duration(*opts.SinceSeconds) * time.Second)
	}
	if opts.SinceTime != nil && opts.SinceTime.After(ro.SinceTime) {
		ro.SinceTime = opts.SinceTime.Time
	}
	return ro, nil
}

// logContainerID is upstream's validateContainerLogStatus: the ID of the
// container instance whose log to read (with previous, the last
// terminated one; otherwise the running one, else the terminated one),
// or the error that says why there is none.
func logContainerID(podName string, status *corev1.PodStatus, container string, previous bool) (string, error) {
	cs, found := containerStatus(status.ContainerStatuses, container)
	if !found {
		cs, found = containerStatus(status.InitContainerStatuses, container)
	}
	if !found {
		cs, found = containerStatus(status.EphemeralContainerStatuses, container)
	}
	if !found {
		return "", fmt.Errorf("container %q in pod %q is not available", container, podName)
	}
	last := cs.LastTerminationState.Terminated
	waiting, running, terminated := cs.State.Waiting, cs.State.Running, cs.State.Terminated
	switch {
	case previous:
		if last == nil || last.ContainerID == "" {
			return "", fmt.Errorf("previous terminated container %q in pod %q not found", container, podName)
		}
		return last.ContainerID, nil
	case running != nil:
		return cs.ContainerID, nil
	case terminated != nil:
		// a next instance that did not start has no ID: read the last
		if terminated.ContainerID != "" {
			return terminated.ContainerID, nil
		}
		if last != nil && last.ContainerID != "" {
			return last.ContainerID, nil
		}
		return "", fmt.Errorf("container %q in pod %q is terminated", container, podName)
	case last != nil:
		if last.ContainerID == "" {
			return "", fmt.Errorf("container %q in pod %q is terminated", container, podName)
		}
		return last.ContainerID, nil
	case waiting != nil:
		switch waiting.Reason {
		case "ErrImagePull":
			return "", fmt.Errorf("container %q in pod %q is waiting to start: image can't be pulled", container, podName)
		case "ImagePullBackOff":
			return "", fmt.Errorf("container %q in pod %q is waiting to start: trying and failing to pull image", container, podName)
		}
		return "", fmt.Errorf("container %q in pod %q is waiting to start: %v", container, podName, waiting.Reason)
	}
	return "", fmt.Errorf("container %q in pod %q is waiting to start - no logs yet", container, podName)
}

// containerStatus is the status of container name in statuses.
func containerStatus(statuses []corev1.ContainerStatus, name string) (corev1.ContainerStatus, bool) {
	for _, s := range statuses {
		if s.Name == name {
			return s, true
		}
	}
	return corev1.ContainerStatus{}, false
}

// hasContainer reports whether the pod's spec has container name
// (upstream's GetContainerSpec: containers, init and ephemeral ones).
func hasContainer(pod *corev1.Pod, name string) bool {
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == name {
			return true
		}
	}
	return false
}

// decodeLogOptions reads the query as upstream's kubelet decodes it into
// v1.PodLogOptions: the "tail" of old clients stands for tailLines ("all"
// for none), the rest is podlog.OptionsFromQuery.
func decodeLogOptions(q url.Values) (*corev1.PodLogOptions, error) {
	if tail := q.Get("tail"); tail != "" {
		q["tailLines"] = []string{tail}
		if tail == "all" {
			delete(q, "tailLines")
		}
	}
	return podlog.OptionsFromQuery(q)
}

// podByName finds pod namespace/name among the pods the kubelet works on
// (not deleted from the API), as upstream's GetPodByName, with its status
// as the kubelet last computed it or, before its first sync, the API's
// (upstream's status manager cache).
func (k *Kubelet) podByName(namespace, name string) (*corev1.Pod, corev1.PodStatus, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, w := range k.workers {
		w.mu.Lock()
		pod, status, deleted := w.pod, w.status, w.deleted
		w.mu.Unlock()
		if deleted || pod.Namespace != namespace || pod.Name != name {
			continue
		}
		if status == nil {
			status = &pod.Status
		}
		return pod, *status, true
	}
	return nil, corev1.PodStatus{}, false
}

// logResponse writes a log as the body of a 200 text/plain answer, sent
// at the first write (or commit), flushing every write so that a
// follower's lines reach the client as they come.
type logResponse struct {
	w         http.ResponseWriter
	rc        *http.ResponseController
	committed bool
}

// commit sends the answer's header now if not sent yet.
func (l *logResponse) commit() {
	l.start()
	_ = l.rc.Flush()
}

// start writes the answer's header if not written yet.
func (l *logResponse) start() {
	if !l.committed {
		l.committed = true
		l.w.Header().Set("Content-Type", "text/plain")
		l.w.WriteHeader(http.StatusOK)
	}
}

// Write writes b to the body and flushes it (a failed flush shows as the
// next write's error).
func (l *logResponse) Write(b []byte) (int, error) {
	l.start()
	n, err := l.w.Write(b)
	_ = l.rc.Flush()
	return n, err
}
