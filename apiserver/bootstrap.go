package apiserver

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
)

// SystemNamespaces exist in every cluster and are created at start.
var SystemNamespaces = []string{metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic, corev1.NamespaceNodeLease}

// bootstrapNamespaces creates the four system namespaces. It is a post-start
// hook, so /readyz stays false until they exist.
func (s *Server) bootstrapNamespaces(hook genericapiserver.PostStartHookContext) error {
	client, err := kubernetes.NewForConfig(s.Loopback)
	if err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(hook, 20*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		for _, name := range SystemNamespaces {
			_, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
			if err != nil && !apierrors.IsAlreadyExists(err) {
				fmt.Printf("skiff: creating namespace %s: %v (retrying)\n", name, err)
				return false, nil
			}
		}
		return true, nil
	})
}
