package scheduler

import (
	"fmt"
	"strings"
	"time"
)

// Upstream's defaults for the configuration's scalar fields.
const (
	DefaultPodInitialBackoffSeconds = 1
	DefaultPodMaxBackoffSeconds     = 10
	DefaultParallelism              = 16
	// minFeasibleNodesToFind and minFeasibleNodesPercentageToFind bound
	// the adaptive percentageOfNodesToScore.
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
)

// LeaderElectionConfig is upstream's leaderElection block
// (component-base LeaderElectionConfiguration).
type LeaderElectionConfig struct {
	LeaderElect *bool `json:"leaderElect,omitempty"`
	// LeaseDuration, RenewDeadline and RetryPeriod are Go durations
	// ("15s"); validate parses them into the fields below.
	LeaseDuration     string `json:"leaseDuration,omitempty"`
	RenewDeadline     string `json:"renewDeadline,omitempty"`
	RetryPeriod       string `json:"retryPeriod,omitempty"`
	ResourceLock      string `json:"resourceLock,omitempty"`
	ResourceName      string `json:"resourceName,omitempty"`
	ResourceNamespace string `json:"resourceNamespace,omitempty"`

	// Lease, Renew and Retry are the parsed durations.
	Lease, Renew, Retry time.Duration `json:"-"`
}

// ClientConnectionConfig is upstream's clientConnection block. The
// scheduler runs inside the server on its loopback connection, so
// kubeconfig must stay empty; qps and burst, when set, rate-limit the
// scheduler's client (unset means unthrottled, as every in-process
// component); contentType and acceptContentTypes pick the wire format.
type ClientConnectionConfig struct {
	Kubeconfig         string   `json:"kubeconfig,omitempty"`
	AcceptContentTypes string   `json:"acceptContentTypes,omitempty"`
	ContentType        string   `json:"contentType,omitempty"`
	QPS                *float32 `json:"qps,omitempty"`
	Burst              *int32   `json:"burst,omitempty"`
}

// contentTypes are the media types the API server speaks.
var contentTypes = map[string]bool{"application/json": true, "application/vnd.kubernetes.protobuf": true}

// validateFields checks and defaults every field besides the profiles.
func (c *Configuration) validateFields() error {
	if c.Parallelism < 0 {
		return fmt.Errorf("parallelism: Invalid value: %d: should be an integer greater than 0", c.Parallelism)
	}
	if c.Parallelism == 0 {
		c.Parallelism = DefaultParallelism
	}
	if err := validatePercentage("percentageOfNodesToScore", c.PercentageOfNodesToScore); err != nil {
		return err
	}
	if err := c.validateBackoff(); err != nil {
		return err
	}
	if c.LeaderElection == nil {
		c.LeaderElection = &LeaderElectionConfig{}
	}
	if err := c.LeaderElection.validate(); err != nil {
		return err
	}
	if c.ClientConnection != nil {
		return c.ClientConnection.validate()
	}
	return nil
}

func validatePercentage(path string, p *int32) error {
	if p != nil && (*p < 0 || *p > 100) {
		return fmt.Errorf("%s: Invalid value: %d: not in valid range [0-100]", path, *p)
	}
	return nil
}

func (c *Configuration) validateBackoff() error {
	if c.PodInitialBackoffSeconds == nil {
		v := int64(DefaultPodInitialBackoffSeconds)
		c.PodInitialBackoffSeconds = &v
	}
	if c.PodMaxBackoffSeconds == nil {
		v := int64(DefaultPodMaxBackoffSeconds)
		c.PodMaxBackoffSeconds = &v
	}
	if *c.PodInitialBackoffSeconds <= 0 {
		return fmt.Errorf("podInitialBackoffSeconds: Invalid value: %d: must be greater than 0", *c.PodInitialBackoffSeconds)
	}
	if *c.PodMaxBackoffSeconds < *c.PodInitialBackoffSeconds {
		return fmt.Errorf("podMaxBackoffSeconds: Invalid value: %d: must be greater than or equal to PodInitialBackoffSeconds", *c.PodMaxBackoffSeconds)
	}
	return nil
}

// Backoff returns the queue's initial and maximum backoff.
// (upstream's 1 s and 10 s where unset).
func (c *Configuration) Backoff() (initial, maximum time.Duration) {
	initial, maximum = DefaultPodInitialBackoffSeconds*time.Second, DefaultPodMaxBackoffSeconds*time.Second
	if c.PodInitialBackoffSeconds != nil {
		initial = time.Duration(*c.PodInitialBackoffSeconds) * time.Second
	}
	if c.PodMaxBackoffSeconds != nil {
		maximum = time.Duration(*c.PodMaxBackoffSeconds) * time.Second
	}
	return initial, maximum
}

// validate fills upstream's defaults (leaderElect true, 15s/10s/2s,
// leases kube-system/kube-scheduler) and rejects what cannot run.
func (l *LeaderElectionConfig) validate() error {
	if l.LeaderElect == nil {
		t := true
		l.LeaderElect = &t
	}
	for _, d := range []struct {
		name, raw, def string
		out            *time.Duration
	}{{"leaseDuration", l.LeaseDuration, "15s", &l.Lease}, {"renewDeadline", l.RenewDeadline, "10s", &l.Renew}, {"retryPeriod", l.RetryPeriod, "2s", &l.Retry}} {
		raw := d.raw
		if raw == "" {
			raw = d.def
		}
		v, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("leaderElection.%s: Invalid value: %q: %v", d.name, raw, err)
		}
		if v <= 0 {
			return fmt.Errorf("leaderElection.%s: Invalid value: %q: must be greater than zero", d.name, raw)
		}
		*d.out = v
	}
	if l.ResourceLock == "" {
		l.ResourceLock = "leases"
	}
	if l.ResourceName == "" {
		l.ResourceName = "kube-scheduler"
	}
	if l.ResourceNamespace == "" {
		l.ResourceNamespace = "kube-system"
	}
	if l.Lease <= l.Renew {
		return fmt.Errorf("leaderElection.leaseDuration: Invalid value: %q: LeaseDuration must be greater than RenewDeadline", l.Lease)
	}
	if l.Renew <= l.Retry {
		return fmt.Errorf("leaderElection.renewDeadline: Invalid value: %q: RenewDeadline must be greater than RetryPeriod", l.Renew)
	}
	if l.ResourceLock != "leases" {
		return fmt.Errorf("leaderElection.resourceLock: Unsupported value: %q: supported values: \"leases\"", l.ResourceLock)
	}
	return nil
}

func (cc *ClientConnectionConfig) validate() error {
	if cc.Kubeconfig != "" {
		return fmt.Errorf("clientConnection.kubeconfig: Forbidden: the scheduler runs inside the server on its loopback connection")
	}
	if cc.ContentType != "" && !contentTypes[cc.ContentType] {
		return fmt.Errorf("clientConnection.contentType: Unsupported value: %q: supported values: \"application/json\", \"application/vnd.kubernetes.protobuf\"", cc.ContentType)
	}
	for _, t := range strings.Split(cc.AcceptContentTypes, ",") {
		if t = strings.TrimSpace(t); t != "" && !contentTypes[t] {
			return fmt.Errorf("clientConnection.acceptContentTypes: Unsupported value: %q: supported values: \"application/json\", \"application/vnd.kubernetes.protobuf\"", t)
		}
	}
	if cc.QPS != nil && *cc.QPS < 0 {
		return fmt.Errorf("clientConnection.qps: Invalid value: %v: must be non-negative", *cc.QPS)
	}
	if cc.Burst != nil && *cc.Burst < 0 {
		return fmt.Errorf("clientConnection.burst: Invalid value: %d: must be non-negative", *cc.Burst)
	}
	return nil
}

// NumFeasibleNodesToFind is how many feasible nodes a cycle looks for
// before it stops filtering, as upstream: every node below 100 nodes;
// else percentage of them (adaptive when 0: 50% minus one point per 125
// nodes, at least 5%), and never fewer than 100.
func NumFeasibleNodesToFind(percentage int32, numAllNodes int) int {
	if numAllNodes < minFeasibleNodesToFind {
		return numAllNodes
	}
	if percentage == 0 {
		percentage = max(int32(50)-int32(numAllNodes/125), minFeasibleNodesPercentageToFind)
	}
	return max(numAllNodes*int(percentage)/100, minFeasibleNodesToFind)
}
