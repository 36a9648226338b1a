package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/apiserver"
	"github.com/skiff-dev/skiff/internal/apiserver/auth/rbac"
	"github.com/skiff-dev/skiff/internal/pki"
	"github.com/skiff-dev/skiff/internal/resourcemetrics"
)

// metricsSchemeOnce registers metrics.k8s.io in the process-wide scheme
// the API server encodes with.
var metricsSchemeOnce sync.Once

// metricsAPI is the server's built-in metrics.k8s.io (what metrics-server
// is upstream): computed resources the API server serves from the start,
// answering 503 until the informers they read have synced and the scraper
// runs.
type metricsAPI struct {
	store      *resourcemetrics.Store
	nodes      lateComputed
	pods       lateComputed
	resolution time.Duration
	now        func() time.Time
}

func newMetricsAPI(cfg ServerConfig) (*metricsAPI, error) {
	var err error
	metricsSchemeOnce.Do(func() { err = resourcemetrics.AddToScheme(scheme.Scheme) })
	if err != nil {
		return nil, fmt.Errorf("metrics.k8s.io scheme: %w", err)
	}
	return &metricsAPI{store: resourcemetrics.NewStore(), resolution: cfg.MetricResolution, now: cfg.Now}, nil
}

// resources are the computed resources to give the API server.
func (m *metricsAPI) resources() []apiserver.ComputedResource {
	nodes, pods := resourcemetrics.Resources()
	return []apiserver.ComputedResource{{Resource: nodes, Source: &m.nodes}, {Resource: pods, Source: &m.pods}}
}

// start waits for the node and pod informers, opens the API and starts
// the scraper; stop ends the scraper.
func (m *metricsAPI) start(ctx context.Context, shared informers.SharedInformerFactory, client *http.Client, log *slog.Logger) (func(), error) {
	nodeInf, podInf := shared.Core().V1().Nodes(), shared.Core().V1().Pods()
	nodeInformer, podInformer := nodeInf.Informer(), podInf.Informer()
	shared.StartWithContext(ctx)
	scraper, err := resourcemetrics.NewScraper(resourcemetrics.ScraperConfig{
		Nodes: nodeInf.Lister(), Store: m.store, Client: client, Resolution: m.resolution, Now: m.now, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if !cache.WaitForCacheSync(ctx.Done(), nodeInformer.HasSynced, podInformer.HasSynced) {
			return
		}
		m.nodes.set(resourcemetrics.NodeSource{Store: m.store, Nodes: nodeInf.Lister(), Now: m.now})
		m.pods.set(resourcemetrics.PodSource{Store: m.store, Pods: podInf.Lister(), Now: m.now})
		scraper.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}, nil
}

// kubeletClient is the HTTPS client of the kubelet API (the scraper's and
// pods/log's): a fresh key and a client
// certificate for KubeletClientUser signed by the cluster CA. Kubelets
// serve self-signed certificates, so theirs are not verified (see
// internal/resourcemetrics).
func kubeletClient(bundle *pki.Bundle) (*http.Client, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: rbac.KubeletClientUser}}, key)
	if err != nil {
		return nil, err
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, err
	}
	certPEM, err := pki.SignClientCert(bundle, csr, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("kubelet client certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{
			Certificates:       []tls.Certificate{pair},
			InsecureSkipVerify: true, //nolint:gosec // kubelets serve self-signed certificates; see the package doc
			MinVersion:         tls.VersionTLS12,
		},
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     time.Minute,
	}
	return &http.Client{Transport: tr}, nil
}

// lateComputed is a computed resource whose source is set once its
// informers have synced; until then it answers 503.
type lateComputed struct {
	p atomic.Pointer[apiserver.Computed]
}

func (l *lateComputed) set(c apiserver.Computed) { l.p.Store(&c) }

var errMetricsStarting = apierrors.NewServiceUnavailable("the metrics API is starting")

func (l *lateComputed) source() (apiserver.Computed, error) {
	c := l.p.Load()
	if c == nil {
		return nil, errMetricsStarting
	}
	return *c, nil
}

// Get implements apiserver.Computed.
func (l *lateComputed) Get(ctx context.Context, namespace, name string) (runtime.Object, error) {
	c, err := l.source()
	if err != nil {
		return nil, err
	}
	return c.Get(ctx, namespace, name)
}

// List implements apiserver.Computed.
func (l *lateComputed) List(ctx context.Context, namespace string, label labels.Selector, field fields.Selector) ([]runtime.Object, error) {
	c, err := l.source()
	if err != nil {
		return nil, err
	}
	return c.List(ctx, namespace, label, field)
}
