package kubelet

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	certutil "k8s.io/client-go/util/cert"
)

// Paths of the kubelet API that hollow nodes serve.
const (
	ResourceMetricsPath = "/metrics/resource"
	HealthzPath         = "/healthz"
)

// ServerConfig is what the kubelet's HTTPS API needs besides the kubelet.
type ServerConfig struct {
	// Cert is the serving certificate; required. Scrapers do not verify it
	// (see SelfSignedCert).
	Cert tls.Certificate
	// ClientCA verifies client certificates, the only authentication;
	// required.
	ClientCA *x509.CertPool
	// Authorizer decides each authenticated request; required (one
	// ReviewAuthorizer can serve every node of an agent).
	Authorizer Authorizer
}

func (c *ServerConfig) validate() error {
	if len(c.Cert.Certificate) == 0 {
		return errors.New("serving certificate is required")
	}
	if c.ClientCA == nil {
		return errors.New("client CA is required")
	}
	if c.Authorizer == nil {
		return errors.New("authorizer is required")
	}
	return nil
}

// Handler returns the kubelet API of this node: GET /metrics/resource,
// GET /healthz, GET /containerLogs/{namespace}/{pod}/{container}
// (ContainerLogsPattern) and the streams (ExecPattern, AttachPattern,
// PortForwardPattern), each after authentication and authorization (see
// apiHandler); anything else is 404.
func (k *Kubelet) Handler(cfg ServerConfig) (http.Handler, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("kubelet server config: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+ResourceMetricsPath, resourceMetricsHandler(k.Summary))
	mux.HandleFunc("GET "+HealthzPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc(ContainerLogsPattern, k.containerLogs)
	mux.HandleFunc(ExecPattern, k.streams("exec"))
	mux.HandleFunc(AttachPattern, k.streams("attach"))
	mux.HandleFunc(PortForwardPattern, k.streams("port-forward"))
	return &apiHandler{node: k.cfg.NodeName, clientCA: cfg.ClientCA, authz: cfg.Authorizer, next: mux}, nil
}

// Server is one node's kubelet API listening on one address.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
	err  error // why serving ended, other than Close; read after done
}

// Serve listens on addr at once (so a busy port fails here) and serves
// the node's kubelet API over TLS until Close. Client certificates are
// requested but not required by the handshake, so that a request without
// one gets upstream's 401 rather than a TLS error.
func (k *Kubelet) Serve(addr string, cfg ServerConfig) (*Server, error) {
	h, err := k.Handler(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("kubelet API of %s: %w", k.cfg.NodeName, err)
	}
	s := &Server{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          log.New(io.Discard, "", 0),
		},
		ln:   ln,
		done: make(chan struct{}),
	}
	tlsCfg := &tls.Config{
		Certificates: []tls.Certificate{cfg.Cert},
		ClientAuth:   tls.RequestClientCert,
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(tls.NewListener(ln, tlsCfg)); !errors.Is(err, http.ErrServerClosed) {
			s.err = err
		}
	}()
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops listening, closes open connections and waits for the
// serving goroutine; it returns why serving ended if not Close. It is
// idempotent.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	return errors.Join(err, s.err)
}

// SelfSignedCert returns a serving certificate as an upstream kubelet
// without serverTLSBootstrap makes one: self-signed (through its own
// throw-away CA, client-go's GenerateSelfSignedCertKey), naming host and
// ips. Nothing in the cluster trusts it; scrapers of hollow nodes must not
// verify it (metrics-server's --kubelet-insecure-tls).
func SelfSignedCert(host string, ips []net.IP) (tls.Certificate, error) {
	certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey(host, ips, nil)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("self-signed serving certificate: %w", err)
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// subresources are the nodes subresources that authorize a request for
// path, tried in order, as upstream 1.33 maps them with
// KubeletFineGrainedAuthz (beta, on by default): /metrics/* needs
// nodes/metrics, /healthz nodes/healthz or else nodes/proxy, anything else
// nodes/proxy.
func subresources(path string) []string {
	switch {
	case isSubpath(path, "/metrics"):
		return []string{"metrics"}
	case isSubpath(path, "/stats"):
		return []string{"stats"}
	case isSubpath(path, HealthzPath):
		return []string{"healthz", "proxy"}
	}
	return []string{"proxy"}
}

// isSubpath reports whether path is root or below it.
func isSubpath(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}

// apiVerb maps an HTTP method to the verb the kubelet authorizes.
func apiVerb(method string) string {
	switch method {
	case http.MethodPost:
		return "create"
	case http.MethodGet:
		return "get"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		return "delete"
	}
	return ""
}
