package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// NewTokenCommand returns `skiff token`: bootstrap tokens for joining
// nodes, as `kubeadm token create`.
func NewTokenCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage bootstrap tokens for joining nodes"}
	var kubeconfig string
	ttl := 24 * time.Hour
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a bootstrap token and print it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadKubeconfig(kubeconfig)
			if err != nil {
				return err
			}
			client, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				return err
			}
			id, secret := randomString(6), randomString(16)
			s := &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "bootstrap-token-" + id, Namespace: metav1.NamespaceSystem},
				Type:       "bootstrap.kubernetes.io/token",
				StringData: map[string]string{
					"token-id": id, "token-secret": secret,
					"usage-bootstrap-authentication": "true", "usage-bootstrap-signing": "true",
					"description": "created by skiff token create",
				},
			}
			if ttl > 0 {
				s.StringData["expiration"] = time.Now().Add(ttl).UTC().Format(time.RFC3339)
			}
			if _, err := client.CoreV1().Secrets(metav1.NamespaceSystem).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
				return err
			}
			fmt.Println(id + "." + secret)
			return nil
		},
	}
	create.Flags().StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig (default: the data dir's admin kubeconfig)")
	create.Flags().DurationVar(&ttl, "ttl", ttl, "how long the token is valid (0: forever)")
	cmd.AddCommand(create)
	return cmd
}

// randomString is n characters of [a-z0-9], as bootstrap tokens use.
func randomString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		v, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}
