package main

import (
	"github.com/spf13/cobra"

	"github.com/skiff-dev/skiff/internal/app"
)

// newCertificateCommand is `skiff certificate rotate`.
func newCertificateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "certificate",
		Short: "Manage the server's certificates",
		Args:  cobra.NoArgs,
	}
	var cfg app.CertificateRotateConfig
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Renew the serving and admin certificates now, keeping the CA; restart the server to serve them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Out = cmd.OutOrStdout()
			return app.RotateCertificates(cfg)
		},
	}
	f := rotate.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", "/var/lib/skiff", "the server's data directory")
	f.StringVar(&cfg.WriteKubeconfig, "write-kubeconfig", "", "rewrite this admin kubeconfig with the new admin certificate (keeps its server URL)")
	f.StringVar(&cfg.Server, "server", "", "server URL for a new kubeconfig (default https://127.0.0.1:6443)")
	cmd.AddCommand(rotate)
	return cmd
}
