package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/httpstream"
)

// streamPaths are the kubelet API paths of the pod subresources that
// stream: exec and attach name a container, portforward only the pod.
var streamPaths = map[string]string{"exec": "/exec", "attach": "/attach", "portforward": "/portForward"}

// isStreamSubresource reports whether sub is served by handlePodStream.
// Every resource request asks; most name no subresource and end at the
// first test.
func isStreamSubresource(sub string) bool {
	if sub == "" {
		return false
	}
	_, ok := streamPaths[sub]
	return ok
}

// handlePodStream serves pods/exec, pods/attach and pods/portforward as
// upstream's ExecREST, AttachREST and PortForwardREST do: the pod is
// read, the container resolved (exec and attach: podContainer, as for
// logs), the pod must be bound to a node, and the request must ask to
// upgrade the connection (SPDY or WebSocket). It is then proxied to the kubelet of the pod's node, to
// /exec/{namespace}/{pod}/{container}, /attach/... or
// /portForward/{namespace}/{pod}, with the options in the kubelet's
// query parameters (input, output, error, tty, command; port), as the
// server's kubelet client and without the caller's credentials. When the
// kubelet switches protocols the two connections are joined until either
// side closes or the server stops; any other answer of the kubelet
// reaches the client as it is.
func (s *Server) handlePodStream(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) error {
	params, container, err := streamQuery(info.Subresource, r.URL.Query())
	if err != nil {
		return err
	}
	pod, err := storedPod(ctx, ep, info)
	if err != nil {
		return err
	}
	path := streamPaths[info.Subresource] + "/" + pod.Namespace + "/" + pod.Name
	if info.Subresource != "portforward" {
		if container, err = podContainer(container, pod); err != nil {
			return err
		}
		path += "/" + container
	}
	if pod.Spec.NodeName == "" {
		return apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name))
	}
	host, err := s.kubeletHost(ctx, pod.Spec.NodeName, "")
	if err != nil {
		return err
	}
	if !httpstream.IsUpgradeRequest(r) {
		return apierrors.NewBadRequest("Upgrade request required")
	}
	target := &url.URL{Scheme: "https", Host: host, Path: path, RawQuery: params.Encode()}
	proxy := &httputil.ReverseProxy{
		// Authentication and impersonation have taken the caller's
		// Authorization and Impersonate-* headers off the request.
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = target
			pr.Out.Host = target.Host
		},
		Transport:     s.cfg.Kubelet.Transport,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.writeError(w, r, apierrors.NewInternalError(fmt.Errorf("error dialing backend: %w", err)))
		},
	}
	// A joined stream ends when either side closes, or when the server
	// stops: net/http's shutdown leaves hijacked connections alone.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.stopped, cancel)()
	proxy.ServeHTTP(w, r.WithContext(ctx))
	return nil
}

// streamQuery reads a stream request's options from the caller's query as
// upstream's PodExecOptions, PodAttachOptions and PodPortForwardOptions
// (stdin, stdout, stderr, tty, command and container; ports) and returns
// them as the kubelet's parameters, with the container named.
func streamQuery(sub string, q url.Values) (url.Values, string, error) {
	params := url.Values{}
	if sub == "portforward" {
		for _, p := range q["ports"] {
			n, err := strconv.ParseUint(p, 10, 16)
			if err != nil || n == 0 {
				return nil, "", apierrors.NewBadRequest(fmt.Sprintf("invalid port %q: must be a number from 1 to 65535", p))
			}
			params.Add("port", strconv.FormatUint(n, 10))
		}
		return params, "", nil
	}
	for _, f := range []struct{ query, kubelet string }{{"stdin", "input"}, {"stdout", "output"}, {"stderr", "error"}, {"tty", "tty"}} {
		v := q.Get(f.query)
		if v == "" {
			continue
		}
		on, err := strconv.ParseBool(v)
		if err != nil {
			return nil, "", apierrors.NewBadRequest(fmt.Sprintf("invalid %s %q: %v", f.query, v, err))
		}
		if on {
			params.Add(f.kubelet, "1")
		}
	}
	if sub == "exec" {
		for _, c := range q["command"] {
			params.Add("command", c)
		}
	}
	return params, q.Get("container"), nil
}
