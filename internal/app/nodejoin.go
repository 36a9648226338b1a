package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	certv1 "k8s.io/api/certificates/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/certificate/csr"

	"github.com/skiff-dev/skiff/internal/clientcodec"
	"github.com/skiff-dev/skiff/internal/kubelet"
	"github.com/skiff-dev/skiff/internal/runtime/sim"
)

// nodeJoin obtains node client certificates the way a kubelet TLS
// bootstraps: with the join token (a bootstrap token, allowed only to
// create and watch CertificateSigningRequests) it asks
// kubernetes.io/kube-apiserver-client-kubelet for CN=system:node:<name>,
// O=system:nodes, waits for the approver and the signer, and keeps the
// key and certificate in <dir>/<name>/client.{key,crt} so that a restart
// reuses them while they are valid.
type nodeJoin struct {
	server string
	caFile string
	dir    string
	// bootstrap is the clientset that authenticates with the join token.
	bootstrap kubernetes.Interface
	now       func() time.Time
}

func newNodeJoin(cfg AgentConfig) (*nodeJoin, error) {
	if cfg.Server == "" {
		return nil, errors.New("--token needs --server")
	}
	if cfg.CertificateAuthority == "" {
		return nil, errors.New("--token needs --certificate-authority (the server's <data-dir>/server/tls/ca.crt)")
	}
	if _, err := os.Stat(cfg.CertificateAuthority); err != nil {
		return nil, fmt.Errorf("--certificate-authority: %w", err)
	}
	rc := &rest.Config{Host: cfg.Server, BearerToken: cfg.Token, UserAgent: "skiff-agent-bootstrap",
		TLSClientConfig: rest.TLSClientConfig{CAFile: cfg.CertificateAuthority}, QPS: -1}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	return &nodeJoin{server: cfg.Server, caFile: cfg.CertificateAuthority,
		dir: filepath.Join(cfg.DataDir, "agent", "nodes"), bootstrap: cs, now: time.Now}, nil
}

// config returns the client config of node, joining first when it has no
// valid certificate yet.
func (j *nodeJoin) config(ctx context.Context, node string) (*rest.Config, error) {
	dir := filepath.Join(j.dir, node)
	certPEM, keyPEM, err := j.stored(dir)
	if err != nil {
		certPEM, keyPEM, err = j.request(ctx, node)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "client.key"), keyPEM, 0o600); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "client.crt"), certPEM, 0o600); err != nil {
			return nil, err
		}
	}
	return &rest.Config{Host: j.server, UserAgent: "skiff-agent",
		TLSClientConfig: rest.TLSClientConfig{CAFile: j.caFile, CertData: certPEM, KeyData: keyPEM}}, nil
}

// stored reads a certificate kept by an earlier join; it fails when there
// is none or it has expired.
func (j *nodeJoin) stored(dir string) (certPEM, keyPEM []byte, err error) {
	if certPEM, err = os.ReadFile(filepath.Join(dir, "client.crt")); err != nil {
		return nil, nil, err
	}
	if keyPEM, err = os.ReadFile(filepath.Join(dir, "client.key")); err != nil {
		return nil, nil, err
	}
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return nil, nil, errors.New("no certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, err
	}
	if !j.now().Before(cert.NotAfter) {
		return nil, nil, errors.New("certificate expired")
	}
	return certPEM, keyPEM, nil
}

// request creates the CSR for node with a new key and waits until it is
// issued (or denied, or failed).
func (j *nodeJoin) request(ctx context.Context, node string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "system:node:" + node, Organization: []string{"system:nodes"}},
	}, key)
	if err != nil {
		return nil, nil, err
	}
	csrPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
	name, uid, err := j.create(ctx, csrPEM, key)
	if err != nil {
		return nil, nil, fmt.Errorf("node %s: certificate signing request: %w", node, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	certPEM, err = csr.WaitForCertificate(wctx, j.bootstrap, name, uid)
	if err != nil {
		return nil, nil, fmt.Errorf("node %s: certificate signing request %s: %w", node, name, err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// create creates the CSR, retrying while the server refuses the token
// (401) for up to about half a minute: a server that has just started may
// not have its join token's Secret in the authenticator's cache yet, and
// upstream's kubelet retries its bootstrap too.
func (j *nodeJoin) create(ctx context.Context, csrPEM []byte, key *ecdsa.PrivateKey) (name string, uid types.UID, err error) {
	backoff := wait.Backoff{Duration: 200 * time.Millisecond, Factor: 1.5, Jitter: 0.2, Steps: 12, Cap: 5 * time.Second}
	werr := wait.ExponentialBackoffWithContext(ctx, backoff, func(ctx context.Context) (bool, error) {
		name, uid, err = csr.RequestCertificateWithContext(ctx, j.bootstrap, csrPEM, "", certv1.KubeAPIServerClientKubeletSignerName,
			nil, []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageClientAuth}, key)
		return err == nil || !apierrors.IsUnauthorized(err), nil
	})
	if err == nil && werr != nil {
		err = werr
	}
	return name, uid, err
}

// startJoinedAgent is StartAgent for an agent that joins with a token:
// every hollow node obtains its own certificate (joins run
// heartbeatWorkers at a time) and runs as its own kubelet with its own
// clientset and its own watches (kubelet.Run: pods by spec.nodeName, its
// Node by name), which is what the node authorizer allows a node. The
// agent's shared pod index stays empty (NodePods returns nothing).
func startJoinedAgent(ctx context.Context, cfg AgentConfig) (*Agent, error) {
	start := time.Now()
	join, err := newNodeJoin(cfg)
	if err != nil {
		return nil, err
	}
	a := &Agent{kubelets: map[string]*kubelet.Kubelet{}, runtimes: map[string]*sim.Runtime{},
		pods: cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{nodeNameIndex: func(any) ([]string, error) { return nil, nil }}),
		done: make(chan struct{})}
	order := make([]*kubelet.Kubelet, cfg.Simulate)
	clients := make([]kubernetes.Interface, cfg.Simulate)
	// The kubelets' events are written once the nodes have joined, by
	// node 0 (any node may create events).
	events := newKubeletEvents()
	var mu sync.Mutex
	err = eachIndex(ctx, cfg.Simulate, func(i int) error {
		rc, err := join.config(ctx, cfg.NodeNamePrefix+strconv.Itoa(i))
		if err != nil {
			return err
		}
		rc.QPS, rc.Burst = -1, 0
		client, err := clientcodec.NewForConfig(rc)
		if err != nil {
			return err
		}
		k, rt, err := newHollowNode(cfg, client, i, events)
		if err != nil {
			return err
		}
		if err := k.Register(ctx); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		a.kubelets[k.NodeName()], a.runtimes[k.NodeName()], order[i], clients[i] = k, rt, k, client
		return nil
	})
	if err != nil {
		events.stop()
		return nil, fmt.Errorf("join hollow nodes: %w", err)
	}
	events.start(clients[0])
	// Node 0's identity creates the SubjectAccessReviews of every node.
	if a.servers, err = startKubeletAPIs(cfg, &rest.Config{}, clients[0], order); err != nil {
		events.stop()
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	a.stop = cancel
	var wg sync.WaitGroup
	for _, k := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := k.Run(ctx); err != nil && ctx.Err() == nil {
				cfg.Logger.Error("hollow node stopped", "node", k.NodeName(), "err", err)
			}
		}()
	}
	go func() {
		defer close(a.done)
		wg.Wait()
		events.stop()
		closeKubeletAPIs(a.servers, cfg.Logger)
	}()
	cfg.Logger.Info("hollow nodes joined", "nodes", len(order), "took", time.Since(start).Round(time.Millisecond))
	return a, nil
}

// eachIndex runs fn(0..n-1), heartbeatWorkers at a time, and returns the
// errors joined.
func eachIndex(ctx context.Context, n int, fn func(i int) error) error {
	work := make(chan int)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range min(heartbeatWorkers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := fn(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}
