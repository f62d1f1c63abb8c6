package app

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff-k8s/skiff/config"
	"github.com/skiff-k8s/skiff/scheduler"
)

// NewSchedulerCommand returns `skiff scheduler`: skiff's scheduler in a
// process of its own against any API server, as kube-scheduler runs apart
// from kube-apiserver. It takes the same KubeSchedulerConfiguration file,
// including clientConnection (kubeconfig, qps, burst).
func NewSchedulerCommand() *cobra.Command {
	var configFile, kubeconfig string
	cmd := &cobra.Command{
		Use:   "scheduler",
		Short: "Run skiff's scheduler as a separate process against an API server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc := scheduler.DefaultConfig()
			if configFile != "" {
				var err error
				if sc, err = scheduler.LoadConfig(configFile); err != nil {
					return fmt.Errorf("--config: %w", err)
				}
			}
			path := firstNonEmpty(kubeconfig, sc.ClientConnection.Kubeconfig, os.Getenv("KUBECONFIG"))
			if path == "" {
				dir, err := filepath.Abs(config.DefaultDataDir())
				if err != nil {
					return err
				}
				path = config.KubeconfigPath(dir)
			}
			cfg, err := clientcmd.BuildConfigFromFlags("", path)
			if err != nil {
				return fmt.Errorf("kubeconfig %s: %w", path, err)
			}
			cfg.QPS, cfg.Burst = sc.ClientConnection.QPS, int(sc.ClientConnection.Burst)
			cfg.UserAgent = "skiff-scheduler"
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if _, err := scheduler.Start(ctx, cfg, sc); err != nil {
				return err
			}
			fmt.Printf("skiff: scheduler running against %s\n", cfg.Host)
			<-ctx.Done()
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&configFile, "config", "", "KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) file")
	fs.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of the API server (default: the config's clientConnection.kubeconfig, then $KUBECONFIG, then the default data dir's admin kubeconfig)")
	return cmd
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
