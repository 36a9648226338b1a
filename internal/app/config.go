package app

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ServerConfig is everything `skiff server` takes from its flags.
type ServerConfig struct {
	DataDir         string
	HTTPSPort       int
	BindAddress     string
	WriteKubeconfig string
	EtcdServers     []string
	// EtcdCAFile, EtcdCertFile and EtcdKeyFile secure the connection to
	// EtcdServers (upstream's --etcd-cafile, --etcd-certfile and
	// --etcd-keyfile): the CA that signed the members' serving
	// certificates, and the client certificate and key to present.
	EtcdCAFile, EtcdCertFile, EtcdKeyFile string

	ClusterCIDR string
	ServiceCIDR string
	// NodeCIDRMaskSize is the prefix length of each node's pod range
	// (24; 64 for an IPv6 cluster CIDR).
	NodeCIDRMaskSize int
	// NodeMonitorGracePeriod is how long a node may go without renewing
	// its Lease before it turns Unknown (40 s); the pod GC quarantines a
	// vanished node's pods as long.
	NodeMonitorGracePeriod time.Duration
	// TerminatedPodGCThreshold is how many finished pods may exist before
	// the oldest are deleted (12500 when nil; 0 or less keeps them all).
	TerminatedPodGCThreshold *int
	// ServiceNodePortRange is "30000-32767" by default.
	ServiceNodePortRange string
	// EventTTL is how long an event lives after its last write (1 h,
	// upstream's --event-ttl).
	EventTTL time.Duration
	// AdvertiseAddress is the address the kubernetes Service's endpoints
	// point at; the first non-loopback address when empty.
	AdvertiseAddress string
	DisableAgent     bool
	// DisableControllerManager and DisableScheduler leave those parts
	// out of the server, as k3s's flags of the same names do: another
	// server (or nothing, for API-only tests) runs them.
	DisableControllerManager bool
	DisableScheduler         bool
	// Profiling serves /debug/pprof/ to callers RBAC allows (upstream's
	// --profiling, on by default there and in cmd/skiff).
	Profiling bool
	// MetricResolution is how often the built-in metrics.k8s.io scrapes
	// kubelets (15 s, metrics-server's --metric-resolution).
	MetricResolution time.Duration
	// SchedulerConfig is a KubeSchedulerConfiguration file; empty means
	// upstream's default profile.
	SchedulerConfig string
	// EncryptionProviderConfig is an EncryptionConfiguration file
	// (internal/encryption); empty stores every object as is.
	EncryptionProviderConfig string
	// AuditPolicyFile is an audit.k8s.io/v1 Policy and AuditLogPath the
	// JSON lines log ("-" is stdout); no policy, no audit.
	AuditPolicyFile string
	AuditLogPath    string
	// TokenAuthFile is a static token file (token,user,uid,"groups").
	TokenAuthFile string
	// Token is the cluster join token (a bootstrap token,
	// [a-z0-9]{6}.[a-z0-9]{16}); empty keeps or generates the one in
	// <data-dir>/server/token.
	Token  string
	Logger *slog.Logger
	// Ready, if set, is closed once the server serves.
	Ready chan<- struct{}
	Now   func() time.Time

	serviceNet *net.IPNet
	// advertise is the kubernetes Service's endpoint address.
	advertise net.IP
	portLo    int
	portHi    int
}

func (c *ServerConfig) validate() error {
	if c.DataDir == "" {
		c.DataDir = "/var/lib/skiff"
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	c.DataDir = abs
	if c.HTTPSPort == 0 {
		c.HTTPSPort = 6443
	}
	if c.HTTPSPort < 1 || c.HTTPSPort > 65535 {
		return fmt.Errorf("--https-port %d: must be 1-65535", c.HTTPSPort)
	}
	if c.BindAddress == "" {
		c.BindAddress = "0.0.0.0"
	}
	if net.ParseIP(c.BindAddress) == nil {
		return fmt.Errorf("--bind-address %q: not an IP address", c.BindAddress)
	}
	if err := c.validateEtcdTLS(); err != nil {
		return err
	}
	if c.ClusterCIDR == "" {
		c.ClusterCIDR = "10.42.0.0/16"
	}
	if _, _, err := net.ParseCIDR(c.ClusterCIDR); err != nil {
		return fmt.Errorf("--cluster-cidr: %w", err)
	}
	if c.ServiceCIDR == "" {
		c.ServiceCIDR = "10.43.0.0/16"
	}
	_, sn, err := net.ParseCIDR(c.ServiceCIDR)
	if err != nil {
		return fmt.Errorf("--service-cidr: %w", err)
	}
	c.serviceNet = sn
	// As upstream's kube-apiserver: the kubernetes Service is single-stack
	// in the service CIDR's family, and its endpoints (this address) must
	// be of that family or in-cluster clients cannot reach it.
	c.advertise = advertiseIP(c.AdvertiseAddress, c.BindAddress, isIPv6(sn.IP))
	if isIPv6(c.advertise) != isIPv6(sn.IP) {
		return fmt.Errorf("--service-cidr: service IP family %q must match public address family %q", sn, c.advertise)
	}
	if c.ServiceNodePortRange == "" {
		c.ServiceNodePortRange = "30000-32767"
	}
	if _, err := fmt.Sscanf(strings.Replace(c.ServiceNodePortRange, "-", " ", 1), "%d %d", &c.portLo, &c.portHi); err != nil || c.portLo < 1 || c.portHi > 65535 || c.portLo > c.portHi {
		return fmt.Errorf("--service-node-port-range %q: want LOW-HIGH", c.ServiceNodePortRange)
	}
	switch {
	case c.EventTTL == 0:
		c.EventTTL = time.Hour
	case c.EventTTL < time.Second:
		return fmt.Errorf("--event-ttl %s: must be at least 1s", c.EventTTL)
	}
	if c.WriteKubeconfig == "" {
		c.WriteKubeconfig = "/etc/skiff/skiff.yaml"
	}
	if c.MetricResolution < 0 || c.MetricResolution > 0 && c.MetricResolution < 100*time.Millisecond {
		return fmt.Errorf("--metric-resolution %s: must be at least 100ms", c.MetricResolution)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// firstServiceIP is the ClusterIP of the kubernetes Service: the first
// address of the service range (fd00:43::1 for fd00:43::/108).
func firstServiceIP(n *net.IPNet) net.IP {
	ip := slices.Clone(n.IP.To4())
	if ip == nil {
		ip = slices.Clone(n.IP.To16())
	}
	ip[len(ip)-1]++
	return ip
}

// advertiseIP picks the address other machines reach the server on, of
// the service CIDR's family (v6 for an IPv6 one): the configured address,
// else the bind address, else the first non-loopback interface address,
// else loopback. A configured address of the other family is returned as
// is; validate rejects it.
func advertiseIP(configured, bind string, v6 bool) net.IP {
	if ip := net.ParseIP(configured); ip != nil {
		return ip
	}
	if ip := net.ParseIP(bind); ip != nil && !ip.IsUnspecified() && isIPv6(ip) == v6 {
		return ip
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && isIPv6(n.IP) == v6 && n.IP.IsGlobalUnicast() {
			return n.IP
		}
	}
	if v6 {
		return net.IPv6loopback
	}
	return net.IPv4(127, 0, 0, 1)
}

// isIPv6 reports whether ip is an IPv6 address (not IPv4-mapped).
func isIPv6(ip net.IP) bool { return ip.To4() == nil }
