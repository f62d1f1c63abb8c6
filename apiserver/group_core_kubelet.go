package apiserver

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/skiff-k8s/skiff/pki"
	"github.com/skiff-k8s/skiff/registry/core/kubeletclient"
)

// nodeRef reads nodes through the nodes store for the kubelet connection
// of the pods subresources; coreServices sets the store after building it.
type nodeRef struct {
	store *genericregistry.Store
}

func (n *nodeRef) get(ctx context.Context, name string) (*corev1.Node, error) {
	if n.store == nil {
		return nil, apierrors.NewServiceUnavailable("nodes are not served")
	}
	obj, err := n.store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	node, ok := obj.(*corev1.Node)
	if !ok {
		return nil, fmt.Errorf("unexpected type %T", obj)
	}
	return node, nil
}

// newKubelets returns how the API server reaches kubelets: with the
// apiserver-kubelet-client certificate, verifying kubelets against the
// cluster CA. Like k3s, and unlike kube-apiserver's default, it dials a
// node's InternalIP before its Hostname: a machine's host name often
// resolves to loopback, which nodes/proxy refuses.
func newKubelets(certs pki.Files, nodes *nodeRef) (*kubeletclient.Getter, error) {
	return kubeletclient.New(nodes.get, kubeletclient.Config{
		CAFile:   certs.CACert(),
		CertFile: certs.KubeletClientCert(),
		KeyFile:  certs.KubeletClientKey(),
		PreferredAddressTypes: []corev1.NodeAddressType{
			corev1.NodeInternalIP, corev1.NodeExternalIP, corev1.NodeHostName, corev1.NodeInternalDNS, corev1.NodeExternalDNS,
		},
	})
}
