package apiserver

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// proxiedRequestHeaders are the request headers nodes/proxy passes on to
// the kubelet. The caller's credentials are not among them: the server
// talks to kubelets as itself, as upstream does.
var proxiedRequestHeaders = []string{"Accept", "Content-Type", "User-Agent"}

// proxiedResponseHeaders are the kubelet's answer headers passed back.
var proxiedResponseHeaders = []string{"Content-Type", "X-Content-Type-Options", "Cache-Control"}

// handleNodeProxy serves /api/v1/nodes/{name}/proxy/{path} (and
// {name}:{port}) as upstream's node proxy: the request goes, with its
// method, query and body, to path on the node's kubelet API (its
// InternalIP, else ExternalIP, and advertised kubelet port unless the
// name gives one), authenticated as the server's kubelet client; the
// kubelet's status, content type and body come back as they are, flushed
// as they arrive. A kubelet the server cannot reach is upstream's 500
// "error trying to reach service".
func (s *Server) handleNodeProxy(ctx context.Context, w http.ResponseWriter, r *http.Request, info requestInfo) error {
	name, port, _ := strings.Cut(info.Name, ":")
	if n, err := strconv.Atoi(port); port != "" && (err != nil || n < 1 || n > 65535) {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid port %q in node name %q", port, info.Name))
	}
	host, err := s.kubeletHost(ctx, name, port)
	if err != nil {
		return err
	}
	target := url.URL{Scheme: "https", Host: host, Path: proxiedPath(r.URL.Path, info.Name), RawQuery: r.URL.RawQuery}
	req, err := http.NewRequestWithContext(ctx, r.Method, target.String(), r.Body)
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	req.ContentLength = r.ContentLength
	for _, h := range proxiedRequestHeaders {
		if v := r.Header.Values(h); len(v) > 0 {
			req.Header[h] = v
		}
	}
	resp, err := s.cfg.Kubelet.Do(req)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("error trying to reach service: %w", err))
	}
	defer resp.Body.Close()
	for _, h := range proxiedResponseHeaders {
		if v := resp.Header.Values(h); len(v) > 0 {
			w.Header()[h] = v
		}
	}
	w.WriteHeader(resp.StatusCode)
	out := io.Writer(w)
	if f, ok := w.(http.Flusher); ok {
		out = flushWriter{w: w, f: f}
	}
	_, _ = io.Copy(out, resp.Body) // the status is sent; a broken stream just ends
	return nil
}

// proxiedPath is the part of a nodes/proxy request's path after
// .../nodes/{name}/proxy, "/" when nothing follows.
func proxiedPath(path, name string) string {
	marker := "/nodes/" + name + "/proxy"
	i := strings.Index(path, marker)
	if i < 0 {
		return "/"
	}
	rest := path[i+len(marker):]
	if rest == "" {
		return "/"
	}
	return rest
}

// kubeletHost is host:port of the kubelet API of node name: its first
// InternalIP, else its first ExternalIP, and port, or when port is "" its
// advertised kubelet port (0, as a Skiff agent run with --kubelet-port 0
// advertises, is a 400: it serves none). Without a kubelet client it is
// a 503.
func (s *Server) kubeletHost(ctx context.Context, name, port string) (string, error) {
	if s.cfg.Kubelet == nil {
		return "", apierrors.NewServiceUnavailable("no kubelet client is configured")
	}
	nodes, ok := s.endpoints[corev1.SchemeGroupVersion.WithResource("nodes")]
	if !ok {
		return "", apierrors.NewInternalError(fmt.Errorf("nodes are not served"))
	}
	obj, err := nodes.store.Get(ctx, "", name, "0")
	if err != nil {
		return "", err
	}
	node, ok := obj.(*corev1.Node)
	if !ok {
		return "", apierrors.NewInternalError(fmt.Errorf("nodes store holds a %T", obj))
	}
	var host string
find:
	for _, kind := range []corev1.NodeAddressType{corev1.NodeInternalIP, corev1.NodeExternalIP} {
		for _, a := range node.Status.Addresses {
			if a.Type == kind && a.Address != "" {
				host = a.Address
				break find
			}
		}
	}
	if host == "" {
		return "", apierrors.NewBadRequest(fmt.Sprintf("node %s has no InternalIP or ExternalIP address", node.Name))
	}
	if port == "" {
		p := node.Status.DaemonEndpoints.KubeletEndpoint.Port
		if p <= 0 {
			return "", apierrors.NewBadRequest(fmt.Sprintf("node %s serves no kubelet API: its kubelet port is 0", node.Name))
		}
		port = strconv.Itoa(int(p))
	}
	return net.JoinHostPort(host, port), nil
}
