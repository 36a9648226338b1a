// Command skiff is the single Skiff binary. `skiff server` runs the control
// plane, `skiff agent` runs node agents (hollow nodes with a simulated
// runtime today), `skiff bench` measures the API server and the scheduler,
// `skiff certificate rotate` renews the server's certificates, and `skiff version`
// prints the Kubernetes version served. Each subcommand only parses its
// flags; internal/app and internal/bench do the work.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"github.com/skiff-dev/skiff/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "skiff:", err)
		os.Exit(1)
	}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "skiff",
		Short:         "Skiff: a Kubernetes-compatible container orchestrator in one binary",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServerCommand(app.RunServer), newVersionCommand(), newBenchCommand(), newAgentCommand())
	root.AddCommand(newCertificateCommand())
	return root
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the Kubernetes version Skiff serves",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "skiff %s\n", app.Version.GitVersion)
		},
	}
}

// newServerCommand maps flags to an app.ServerConfig and hands it to run.
func newServerCommand(run func(context.Context, app.ServerConfig) error) *cobra.Command {
	var cfg app.ServerConfig
	var logLevel string
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the control plane: etcd, the Kubernetes API, controllers and scheduler",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(logLevel)
			if err != nil {
				return err
			}
			cfg.Logger = logger
			if cfg.EventTTL < time.Second {
				return fmt.Errorf("--event-ttl %s: must be at least 1s", cfg.EventTTL)
			}
			if !cfg.DisableAgent {
				cfg.Logger.Warn("the node agent is not built yet: running the control plane alone (as with --disable-agent)")
			}
			return run(cmd.Context(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", "/var/lib/skiff", "directory holding etcd data and certificates")
	f.IntVar(&cfg.HTTPSPort, "https-port", 6443, "port of the HTTPS API")
	f.StringVar(&cfg.BindAddress, "bind-address", "0.0.0.0", "address the HTTPS API listens on")
	f.StringVar(&cfg.AdvertiseAddress, "advertise-address", "", "address other machines reach the API on (default: first non-loopback address)")
	f.StringVar(&cfg.WriteKubeconfig, "write-kubeconfig", "/etc/skiff/skiff.yaml", "where to write the admin kubeconfig")
	f.StringSliceVar(&cfg.EtcdServers, "etcd-servers", nil, "external etcd endpoints (default: embedded etcd in --data-dir)")
	f.StringVar(&cfg.EtcdCAFile, "etcd-cafile", "", "CA file that verifies the --etcd-servers members' serving certificates")
	f.StringVar(&cfg.EtcdCertFile, "etcd-certfile", "", "client certificate file presented to --etcd-servers")
	f.StringVar(&cfg.EtcdKeyFile, "etcd-keyfile", "", "key file of --etcd-certfile")
	f.StringVar(&cfg.ClusterCIDR, "cluster-cidr", "10.42.0.0/16", "pod network range")
	f.IntVar(&cfg.NodeCIDRMaskSize, "node-cidr-mask-size", 24, "prefix length of the pod range each node gets from --cluster-cidr")
	f.DurationVar(&cfg.NodeMonitorGracePeriod, "node-monitor-grace-period", 40*time.Second, "how long a node may go without renewing its Lease before it is marked Unknown and tainted")
	cfg.TerminatedPodGCThreshold = f.Int("terminated-pod-gc-threshold", 12500, "finished pods kept before the oldest are deleted (0 keeps them all)")
	f.StringVar(&cfg.ServiceCIDR, "service-cidr", "10.43.0.0/16", "Service ClusterIP range")
	f.StringVar(&cfg.ServiceNodePortRange, "service-node-port-range", "30000-32767", "NodePort range")
	f.DurationVar(&cfg.EventTTL, "event-ttl", time.Hour, "how long an event is kept after its last change")
	f.BoolVar(&cfg.DisableAgent, "disable-agent", false, "do not run a node agent in the server process")
	f.BoolVar(&cfg.DisableControllerManager, "disable-controller-manager", false, "do not run the controllers in this server")
	f.BoolVar(&cfg.DisableScheduler, "disable-scheduler", false, "do not run the scheduler in this server")
	f.BoolVar(&cfg.Profiling, "profiling", true, "serve Go profiles on /debug/pprof/ (RBAC applies)")
	f.StringVar(&cfg.EncryptionProviderConfig, "encryption-provider-config", "", "EncryptionConfiguration file: encrypt the resources it names at rest (see docs/operations.md)")
	f.StringVar(&cfg.AuditPolicyFile, "audit-policy-file", "", "audit.k8s.io/v1 Policy file; with --audit-log-path, audit requests")
	f.StringVar(&cfg.AuditLogPath, "audit-log-path", "", "file the audit events are appended to as JSON lines (\"-\" is standard output)")
	f.DurationVar(&cfg.MetricResolution, "metric-resolution", 15*time.Second, "how often the built-in metrics.k8s.io API scrapes each kubelet's /metrics/resource")
	f.StringVar(&cfg.SchedulerConfig, "scheduler-config", "", "KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1): profiles and plugin weights")
	f.StringVar(&cfg.TokenAuthFile, "token-auth-file", "", "static bearer tokens, one user a line: token,user,uid,\"group1,group2\"")
	f.StringVar(&cfg.Token, "token", "", "cluster join token for agents ([a-z0-9]{6}.[a-z0-9]{16}); default: the one in <data-dir>/server/token, generated on first start")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	return cmd
}

// newLogger is the text logger on stderr at the --log-level given; klog,
// through which client-go and apimachinery log, is routed to it.
func newLogger(levelName string) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(levelName)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	klog.SetSlogLogger(log)
	return log, nil
}
