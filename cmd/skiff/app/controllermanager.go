package app

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/skiff-k8s/skiff/controllers"
	"github.com/skiff-k8s/skiff/controllers/csrsigning"
)

// NewControllerManagerCommand returns `skiff controller-manager`: skiff's
// controllers in a process of their own, against any API server (a
// `skiff server --disable-controllers`, typically), as
// kube-controller-manager runs apart from kube-apiserver.
func NewControllerManagerCommand() *cobra.Command {
	var kubeconfig, rootCA string
	var o controllers.Options
	qps, burst := float32(-1), 0
	cmd := &cobra.Command{
		Use:   "controller-manager",
		Short: "Run skiff's controllers as a separate process against an API server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadKubeconfig(kubeconfig)
			if err != nil {
				return err
			}
			cfg.QPS, cfg.Burst = qps, burst
			cfg.UserAgent = "skiff-controller-manager"
			if rootCA != "" {
				ca, err := os.ReadFile(rootCA)
				if err != nil {
					return fmt.Errorf("--root-ca-file: %w", err)
				}
				cfg.CAData = ca
			} else if len(cfg.CAData) == 0 && cfg.CAFile != "" {
				// The root CA controller publishes CAData in every namespace.
				if cfg.CAData, err = os.ReadFile(cfg.CAFile); err != nil {
					return err
				}
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			stopped, err := controllers.Start(ctx, cfg, o)
			if err != nil {
				return err
			}
			fmt.Printf("skiff: controllers running against %s\n", cfg.Host)
			// Wait for the leader Lease to be released after a signal.
			<-stopped
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of the API server (default: $KUBECONFIG, else the default data dir's admin kubeconfig)")
	fs.StringVar(&rootCA, "root-ca-file", "", "CA bundle published as kube-root-ca.crt in every namespace (default: the kubeconfig's CA)")
	fs.Float32Var(&qps, "kube-api-qps", qps, "client QPS limit (negative: unlimited, as the controllers inside skiff server)")
	fs.IntVar(&burst, "kube-api-burst", burst, "client burst")
	fs.StringVar(&o.ClusterSigningCertFile, "cluster-signing-cert-file", "", "PEM CA certificate that signs approved CertificateSigningRequests (none: CSRs are not signed)")
	fs.StringVar(&o.ClusterSigningKeyFile, "cluster-signing-key-file", "", "PEM private key of --cluster-signing-cert-file")
	fs.DurationVar(&o.ClusterSigningDuration, "cluster-signing-duration", csrsigning.DefaultDuration, "longest lifetime of a signed certificate")
	return cmd
}
