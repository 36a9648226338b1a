package app

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff-dev/skiff/internal/clientcodec"
	"github.com/skiff-dev/skiff/internal/controller"
	"github.com/skiff-dev/skiff/internal/idlemem"
	"github.com/skiff-dev/skiff/internal/kubelet"
	"github.com/skiff-dev/skiff/internal/runtime/sim"
)

// AgentConfig is everything `skiff agent` takes from its flags.
type AgentConfig struct {
	// Server overrides the API address of Kubeconfig.
	Server     string
	Kubeconfig string
	// REST, when set, is used instead of Server and Kubeconfig.
	REST *rest.Config
	// Token is the server's join token: with it (and Server and
	// CertificateAuthority) every hollow node obtains its own node
	// certificate through a CertificateSigningRequest, kept under
	// DataDir/agent/nodes (nodejoin.go).
	Token                string
	CertificateAuthority string
	DataDir              string
	// Simulate is the number of hollow nodes; only simulated nodes exist
	// until the CRI runtime lands.
	Simulate int
	// NodeNamePrefix names hollow nodes <prefix><index> ("hollow-").
	NodeNamePrefix string
	// NodeLabels are added to every hollow node's well-known labels
	// (--node-labels k=v,...).
	NodeLabels map[string]string
	// PodStartLatency is how long a simulated container takes to start.
	PodStartLatency time.Duration
	// PodStopDelay is how long a simulated pod takes to stop (capped by
	// its grace period).
	PodStopDelay time.Duration
	// LeaseRenewInterval and LeaseDuration override upstream's 10 s / 40 s
	// (tests shorten them).
	LeaseRenewInterval time.Duration
	LeaseDuration      time.Duration
	// KubeletPort is the first port of the hollow nodes' kubelet APIs
	// (--kubelet-port, 10250 on the command line): hollow node i serves on
	// its InternalIP 127.0.0.(1+i%250) at port KubeletPort+i/250 and
	// advertises that port. 0, the zero value, serves nothing and
	// advertises port 0, so that tests and benches bind nothing unless
	// they ask.
	KubeletPort int
	// ClientCAFile verifies the client certificates of kubelet API
	// requests (--client-ca-file); default: the CA the agent trusts the
	// API server with (--certificate-authority or the kubeconfig's).
	ClientCAFile string
	Logger       *slog.Logger
}

func (c *AgentConfig) validate() error {
	if c.Simulate <= 0 {
		return errors.New("--simulate N is required: only hollow nodes run until the CRI runtime is built")
	}
	if c.REST == nil && c.Kubeconfig == "" && c.Server == "" {
		return errors.New("--kubeconfig or --server is required")
	}
	if c.Token != "" && (c.REST != nil || c.Kubeconfig != "") {
		return errors.New("--token joins with a node certificate: it excludes --kubeconfig")
	}
	if c.DataDir == "" {
		c.DataDir = "/var/lib/skiff"
	}
	if c.NodeNamePrefix == "" {
		c.NodeNamePrefix = "hollow-"
	}
	for k, v := range c.NodeLabels {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("--node-labels: key %q: %s", k, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return fmt.Errorf("--node-labels: value %q of %s: %s", v, k, strings.Join(errs, "; "))
		}
	}
	if last := c.KubeletPort + (c.Simulate-1)/hollowIPs; c.KubeletPort < 0 || (c.KubeletPort > 0 && last > 65535) {
		return fmt.Errorf("--kubelet-port %d: the ports of %d hollow nodes must lie in 1-65535", c.KubeletPort, c.Simulate)
	}
	if c.PodStartLatency < 0 {
		return fmt.Errorf("--pod-start-latency %s: must not be negative", c.PodStartLatency)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Agent is a running `skiff agent --simulate N`: N hollow nodes sharing one
// clientset, one pod informer (indexed by spec.nodeName), one node
// informer and one heartbeat loop.
type Agent struct {
	kubelets map[string]*kubelet.Kubelet
	servers  []*kubelet.Server // kubelet APIs, closed once the nodes stop
	runtimes map[string]*sim.Runtime
	pods     cache.Indexer // pods bound to any node, indexed by spec.nodeName
	stop     context.CancelFunc
	done     chan struct{}
	once     sync.Once
}

// Runtime returns the simulated runtime of a hollow node (nil if unknown),
// for tests that crash containers or fail probes.
func (a *Agent) Runtime(node string) *sim.Runtime { return a.runtimes[node] }

// NodePods returns the pods bound to a node, from the shared informer's
// index; the objects are read-only.
func (a *Agent) NodePods(node string) []*corev1.Pod {
	objs, err := a.pods.ByIndex(nodeNameIndex, node)
	if err != nil {
		return nil
	}
	out := make([]*corev1.Pod, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*corev1.Pod))
	}
	return out
}

// Stop ends every hollow node and waits for them; it is idempotent.
func (a *Agent) Stop() {
	a.once.Do(func() {
		a.stop()
		<-a.done
	})
}

// AgentCPUProfileEnv names an environment variable: when set, RunAgent
// writes a CPU profile of the whole agent run to the file it names (the
// bench's agent child has no /debug/pprof to ask).
const AgentCPUProfileEnv = "SKIFF_AGENT_CPUPROFILE"

// RunAgent runs the agent until ctx ends.
func RunAgent(ctx context.Context, cfg AgentConfig) error {
	if path := os.Getenv(AgentCPUProfileEnv); path != "" {
		stop, err := startAgentProfile(path)
		if err != nil {
			return err
		}
		defer stop()
	}
	a, err := StartAgent(ctx, cfg)
	if err != nil {
		return err
	}
	releaseExecutable(cfg.Logger)
	go idlemem.Run(ctx, idlemem.Config{Log: cfg.Logger})
	<-ctx.Done()
	a.Stop()
	return nil
}

// startAgentProfile starts a CPU profile into path; the returned function
// ends it.
func startAgentProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", AgentCPUProfileEnv, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", AgentCPUProfileEnv, err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// StartAgent registers cfg.Simulate hollow nodes and returns once all are
// registered; they run until ctx ends or Stop.
func StartAgent(ctx context.Context, cfg AgentConfig) (*Agent, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Token != "" {
		return startJoinedAgent(ctx, cfg)
	}
	log := cfg.Logger
	start := time.Now()
	restCfg, err := agentREST(cfg)
	if err != nil {
		return nil, fmt.Errorf("client config: %w", err)
	}
	client, err := clientcodec.NewForConfig(restCfg)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	a := &Agent{kubelets: map[string]*kubelet.Kubelet{}, runtimes: map[string]*sim.Runtime{}, done: make(chan struct{})}
	events := newKubeletEvents()
	events.start(client)
	var order []*kubelet.Kubelet
	for i := range cfg.Simulate {
		k, rt, err := newHollowNode(cfg, client, i, events)
		if err != nil {
			events.stop()
			return nil, fmt.Errorf("hollow node %d: %w", i, err)
		}
		a.kubelets[k.NodeName()], a.runtimes[k.NodeName()] = k, rt
		order = append(order, k)
	}
	ctx, cancel := context.WithCancel(ctx)
	a.stop = cancel
	var wg sync.WaitGroup
	if a.servers, err = startKubeletAPIs(cfg, restCfg, client, order); err != nil {
		cancel()
		events.stop()
		return nil, err
	}
	podIndex, shutdown, err := startHollowInformers(ctx, client, a.kubelets)
	if err != nil {
		cancel()
		events.stop()
		closeKubeletAPIs(a.servers, log)
		return nil, fmt.Errorf("informers: %w", err)
	}
	a.pods = podIndex
	for _, k := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k.RunPods(ctx)
		}()
	}
	if err := eachNode(ctx, order, func(k *kubelet.Kubelet) error { return k.Register(ctx) }); err != nil {
		cancel()
		wg.Wait()
		shutdown()
		events.stop()
		closeKubeletAPIs(a.servers, log)
		return nil, fmt.Errorf("register hollow nodes: %w", err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		heartbeats(ctx, order, log)
	}()
	go func() {
		defer close(a.done)
		wg.Wait()
		shutdown()
		events.stop()
		closeKubeletAPIs(a.servers, log)
	}()
	log.Info("hollow nodes ready", "nodes", len(order), "took", time.Since(start).Round(time.Millisecond))
	return a, nil
}

// agentREST is the client config of the agent, with client-side rate
// limits off: one clientset carries every hollow node.
func agentREST(cfg AgentConfig) (*rest.Config, error) {
	out := cfg.REST
	if out == nil {
		var err error
		if out, err = clientcmd.BuildConfigFromFlags(cfg.Server, cfg.Kubeconfig); err != nil {
			return nil, err
		}
	}
	out = rest.CopyConfig(out)
	out.QPS, out.Burst = -1, 0
	out.UserAgent = "skiff-agent"
	return out, nil
}

// hollowIPs is how many loopback addresses hollow nodes spread over.
const hollowIPs = 250

// hollowIP is the InternalIP of hollow node i: 127.0.0.(1 + i%250), never
// a routable address.
func hollowIP(i int) net.IP { return net.IPv4(127, 0, 0, byte(1+i%hollowIPs)) }

// hollowPort is the kubelet port of hollow node i (0 without a server).
func hollowPort(cfg AgentConfig, i int) int {
	if cfg.KubeletPort == 0 {
		return 0
	}
	return cfg.KubeletPort + i/hollowIPs
}

// newHollowNode builds hollow node i: its simulated runtime (pod range
// sim.NodeCIDR(i) until the node gets a spec.podCIDR) and its kubelet,
// advertising hollowIP(i) and hollowPort.
func newHollowNode(cfg AgentConfig, client kubernetes.Interface, i int, events *kubeletEvents) (*kubelet.Kubelet, *sim.Runtime, error) {
	rt, err := sim.New(sim.Config{StartLatency: cfg.PodStartLatency, StopDelay: cfg.PodStopDelay, PodCIDR: sim.NodeCIDR(i)})
	if err != nil {
		return nil, nil, err
	}
	name := cfg.NodeNamePrefix + strconv.Itoa(i)
	k, err := kubelet.New(kubelet.Config{
		NodeName:           name,
		Client:             client,
		Events:             events.recorder(name),
		Runtime:            rt,
		NodeIP:             hollowIP(i).String(),
		Port:               int32(hollowPort(cfg, i)),
		InstanceType:       "hollow",
		Labels:             cfg.NodeLabels,
		LeaseRenewInterval: cfg.LeaseRenewInterval,
		LeaseDuration:      cfg.LeaseDuration,
		Logger:             cfg.Logger,
	})
	return k, rt, err
}

// nodeNameIndex indexes pods by spec.nodeName.
const nodeNameIndex = "spec.nodeName"

// startHollowInformers starts one pod informer (pods bound to any node)
// and one node informer, routing events to the kubelet of each node; the
// pods share their equal parts (controller.NewCacheTransform). It
// returns the pod index and a shutdown function.
func startHollowInformers(ctx context.Context, client kubernetes.Interface, kubelets map[string]*kubelet.Kubelet) (cache.Indexer, func(), error) {
	lookup := func(node string) *kubelet.Kubelet { return kubelets[node] }
	pods := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermNotEqualSelector("spec.nodeName", "").String()
		}), informers.WithTransform(controller.NewCacheTransform()))
	podInformer := pods.Core().V1().Pods().Informer()
	if err := podInformer.AddIndexers(cache.Indexers{nodeNameIndex: func(obj any) ([]string, error) {
		return []string{obj.(*corev1.Pod).Spec.NodeName}, nil
	}}); err != nil {
		return nil, nil, err
	}
	if _, err := podInformer.AddEventHandler(kubelet.PodHandler(lookup)); err != nil {
		return nil, nil, err
	}
	nodeHandler := func(obj any) {
		if n, ok := obj.(*corev1.Node); ok {
			if k := lookup(n.Name); k != nil {
				k.HandleNode(n)
			}
		}
	}
	nodes := informers.NewSharedInformerFactory(client, 0)
	if _, err := nodes.Core().V1().Nodes().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: nodeHandler, UpdateFunc: func(_, obj any) { nodeHandler(obj) },
	}); err != nil {
		return nil, nil, err
	}
	pods.StartWithContext(ctx)
	nodes.StartWithContext(ctx)
	return podInformer.GetIndexer(), func() { pods.Shutdown(); nodes.Shutdown() }, nil
}

// heartbeatWorkers bounds how many hollow nodes write heartbeats at once.
const heartbeatWorkers = 16

// heartbeats is the shared heartbeat loop: every kubelet.HeartbeatTick it
// gives each hollow node the chance to renew its Lease and write its
// status (each decides what is due).
func heartbeats(ctx context.Context, nodes []*kubelet.Kubelet, log *slog.Logger) {
	t := time.NewTicker(kubelet.HeartbeatTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_ = eachNode(ctx, nodes, func(k *kubelet.Kubelet) error {
			if err := k.Heartbeat(ctx); err != nil && ctx.Err() == nil {
				log.Error("heartbeat", "node", k.NodeName(), "err", err)
			}
			return nil
		})
	}
}

// eachNode runs fn on every node, heartbeatWorkers at a time, and returns
// the errors joined.
func eachNode(ctx context.Context, nodes []*kubelet.Kubelet, fn func(*kubelet.Kubelet) error) error {
	work := make(chan *kubelet.Kubelet)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range min(heartbeatWorkers, len(nodes)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				if err := fn(k); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("%s: %w", k.NodeName(), err))
					mu.Unlock()
				}
			}
		}()
	}
	for _, k := range nodes {
		if ctx.Err() != nil {
			break
		}
		work <- k
	}
	close(work)
	wg.Wait()
	return errors.Join(errs...)
}

// startKubeletAPIs starts the kubelet API of every hollow node (none when
// cfg.KubeletPort is 0): one self-signed serving certificate for all,
// client certificates verified by the cluster CA, and one
// ReviewAuthorizer, creating SubjectAccessReviews through client, whose
// cache all nodes share. A port in use fails the start.
func startKubeletAPIs(cfg AgentConfig, restCfg *rest.Config, client kubernetes.Interface, nodes []*kubelet.Kubelet) ([]*kubelet.Server, error) {
	if cfg.KubeletPort == 0 {
		return nil, nil
	}
	ca, err := kubeletClientCA(cfg, restCfg)
	if err != nil {
		return nil, err
	}
	var ips []net.IP
	for i := range min(len(nodes), hollowIPs) {
		ips = append(ips, hollowIP(i))
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "skiff-agent"
	}
	cert, err := kubelet.SelfSignedCert(host, ips)
	if err != nil {
		return nil, err
	}
	scfg := kubelet.ServerConfig{Cert: cert, ClientCA: ca, Authorizer: kubelet.NewReviewAuthorizer(client, nil)}
	var servers []*kubelet.Server
	for i, k := range nodes {
		addr := net.JoinHostPort(hollowIP(i).String(), strconv.Itoa(hollowPort(cfg, i)))
		srv, err := k.Serve(addr, scfg)
		if err != nil {
			closeKubeletAPIs(servers, cfg.Logger)
			return nil, fmt.Errorf("--kubelet-port %d: %w", cfg.KubeletPort, err)
		}
		servers = append(servers, srv)
	}
	return servers, nil
}

// kubeletClientCA reads the CA bundle of --client-ca-file, else the one
// the agent verifies the API server with.
func kubeletClientCA(cfg AgentConfig, restCfg *rest.Config) (*x509.CertPool, error) {
	var data []byte
	var err error
	switch {
	case cfg.ClientCAFile != "":
		data, err = os.ReadFile(cfg.ClientCAFile)
	case cfg.CertificateAuthority != "":
		data, err = os.ReadFile(cfg.CertificateAuthority)
	case len(restCfg.TLSClientConfig.CAData) > 0:
		data = restCfg.TLSClientConfig.CAData
	case restCfg.TLSClientConfig.CAFile != "":
		data, err = os.ReadFile(restCfg.TLSClientConfig.CAFile)
	default:
		return nil, errors.New("--kubelet-port: no CA to verify client certificates with (--client-ca-file)")
	}
	if err != nil {
		return nil, fmt.Errorf("kubelet client CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, errors.New("kubelet client CA: no PEM certificate")
	}
	return pool, nil
}

// closeKubeletAPIs closes the kubelet API servers.
func closeKubeletAPIs(servers []*kubelet.Server, log *slog.Logger) {
	for _, s := range servers {
		if err := s.Close(); err != nil {
			log.Warn("close kubelet API", "addr", s.Addr(), "err", err)
		}
	}
}
