package scheduler

import (
	"strings"
	"testing"
	"time"
)

const cfgHead = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"

func TestParseConfigFieldErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"negative parallelism", "parallelism: -1\n", "parallelism: Invalid value: -1"},
		{"percentage over 100", "percentageOfNodesToScore: 101\n", "percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]"},
		{"profile percentage", "profiles:\n- schedulerName: a\n  percentageOfNodesToScore: -5\n", "profiles[0].percentageOfNodesToScore: Invalid value: -5"},
		{"zero initial backoff", "podInitialBackoffSeconds: 0\n", "podInitialBackoffSeconds: Invalid value: 0: must be greater than 0"},
		{"max below initial", "podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2\n", "podMaxBackoffSeconds: Invalid value: 2"},
		{"lease not above renew", "leaderElection:\n  leaseDuration: 5s\n  renewDeadline: 5s\n", "leaderElection.leaseDuration: Invalid value: \"5s\": LeaseDuration must be greater than RenewDeadline"},
		{"renew not above retry", "leaderElection:\n  renewDeadline: 2s\n  retryPeriod: 2s\n", "leaderElection.renewDeadline: Invalid value"},
		{"negative retry", "leaderElection:\n  retryPeriod: -1s\n", "leaderElection.retryPeriod: Invalid value"},
		{"malformed duration", "leaderElection:\n  leaseDuration: soon\n", "leaseDuration"},
		{"endpoints lock", "leaderElection:\n  resourceLock: endpoints\n", `leaderElection.resourceLock: Unsupported value: "endpoints": supported values: "leases"`},
		{"unknown leaderElection field", "leaderElection:\n  leaderElected: true\n", `unknown field "leaderElected"`},
		{"kubeconfig", "clientConnection:\n  kubeconfig: /etc/k.conf\n", "clientConnection.kubeconfig: Forbidden"},
		{"content type", "clientConnection:\n  contentType: text/plain\n", `clientConnection.contentType: Unsupported value: "text/plain"`},
		{"negative qps", "clientConnection:\n  qps: -2\n", "clientConnection.qps: Invalid value: -2"},
		{"negative burst", "clientConnection:\n  burst: -1\n", "clientConnection.burst: Invalid value: -1"},
		{"accept content types", "clientConnection:\n  acceptContentTypes: text/html\n", "clientConnection.acceptContentTypes: Unsupported value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(cfgHead + tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseConfig(%q) = %v; want an error containing %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig([]byte(cfgHead))
	if err != nil {
		t.Fatal(err)
	}
	le := c.LeaderElection
	if !*le.LeaderElect || le.Lease != 15*time.Second || le.Renew != 10*time.Second ||
		le.Retry != 2*time.Second || le.ResourceLock != "leases" || le.ResourceName != "kube-scheduler" || le.ResourceNamespace != "kube-system" {
		t.Errorf("leaderElection defaults = %+v; want leaderElect, 15s/10s/2s, leases kube-system/kube-scheduler", le)
	}
	if i, m := c.Backoff(); i != time.Second || m != 10*time.Second {
		t.Errorf("Backoff() = %v, %v; want 1s, 10s", i, m)
	}
	if c.Parallelism != 16 {
		t.Errorf("parallelism = %d; want 16", c.Parallelism)
	}
	c, err = ParseConfig([]byte(cfgHead + "podInitialBackoffSeconds: 2\npodMaxBackoffSeconds: 30\nclientConnection:\n  qps: 20\n  burst: 40\n  contentType: application/json\n"))
	if err != nil {
		t.Fatal(err)
	}
	if i, m := c.Backoff(); i != 2*time.Second || m != 30*time.Second {
		t.Errorf("Backoff() = %v, %v; want 2s, 30s", i, m)
	}
}

func TestNumFeasibleNodesToFind(t *testing.T) {
	tests := []struct {
		name       string
		percentage int32
		nodes      int
		want       int
	}{
		{"small cluster: every node", 0, 99, 99},
		{"small cluster ignores percentage", 10, 50, 50},
		{"adaptive at 100 nodes: 50%, at least 100", 0, 100, 100},
		{"adaptive at 1000 nodes: 42%", 0, 1000, 420},
		{"adaptive at 5000 nodes: 10%", 0, 5000, 500},
		{"adaptive floor 5%", 0, 10000, 500},
		{"configured 30%", 30, 1000, 300},
		{"configured 1% is at least 100", 1, 1000, 100},
		{"configured 100%", 100, 1000, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NumFeasibleNodesToFind(tt.percentage, tt.nodes); got != tt.want {
				t.Errorf("NumFeasibleNodesToFind(%d, %d) = %d; want %d", tt.percentage, tt.nodes, got, tt.want)
			}
		})
	}
}
