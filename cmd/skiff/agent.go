package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/skiff-dev/skiff/internal/app"
)

// newAgentCommand is `skiff agent`: for now N hollow nodes (--simulate).
func newAgentCommand() *cobra.Command {
	return newAgentCommandWith(app.RunAgent)
}

// newAgentCommandWith maps flags to an app.AgentConfig and hands it to run.
func newAgentCommandWith(run func(context.Context, app.AgentConfig) error) *cobra.Command {
	var cfg app.AgentConfig
	var logLevel string
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run a node agent; --simulate N runs N hollow nodes with a simulated runtime",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(logLevel)
			if err != nil {
				return err
			}
			cfg.Logger = logger
			return run(cmd.Context(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Server, "server", "", "API server URL (overrides the kubeconfig's)")
	f.StringVar(&cfg.Kubeconfig, "kubeconfig", "", "kubeconfig with the agent's credentials")
	f.StringVar(&cfg.Token, "token", "", "the server's join token (<data-dir>/server/token): each node obtains its client certificate through a CSR")
	f.StringVar(&cfg.CertificateAuthority, "certificate-authority", "", "the server's CA certificate (<data-dir>/server/tls/ca.crt), required with --token")
	f.StringVar(&cfg.DataDir, "data-dir", "/var/lib/skiff", "where node certificates are kept (<data-dir>/agent/nodes/<node>)")
	f.IntVar(&cfg.Simulate, "simulate", 0, "run N hollow nodes with a simulated runtime")
	f.StringVar(&cfg.NodeNamePrefix, "node-name-prefix", "hollow-", "hollow node names are <prefix><index>")
	f.StringToStringVar(&cfg.NodeLabels, "node-labels", nil, "labels added to every hollow node, k=v,...")
	f.DurationVar(&cfg.PodStartLatency, "pod-start-latency", 0, "how long a simulated container takes to start (e.g. 50ms)")
	f.DurationVar(&cfg.PodStopDelay, "pod-stop-delay", 0, "how long a simulated pod takes to stop (capped by its grace period)")
	f.IntVar(&cfg.KubeletPort, "kubelet-port", 10250, "first port of the hollow nodes' kubelet APIs (GET /metrics/resource, /healthz): node i serves on 127.0.0.(1+i%250) at this port + i/250; 0 serves none")
	f.StringVar(&cfg.ClientCAFile, "client-ca-file", "", "CA bundle verifying client certificates of kubelet API requests (default: the CA the agent trusts the API server with)")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	return cmd
}
