// Package agent joins this machine to a skiff cluster as a node: it
// proves itself with a bootstrap token, asks the cluster for its kubelet
// client and serving certificates through CertificateSigningRequests
// (approved and signed by skiff's controllers, as kube-controller-manager
// does for kubelets' TLS bootstrap), then runs the kubelet and its
// container runtime as `skiff server` does for its own node.
package agent

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	restclient "k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	certutil "k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/certificate/csr"
	"k8s.io/client-go/util/keyutil"
	"k8s.io/klog/v2"

	"github.com/skiff-k8s/skiff/kubelet"
	"github.com/skiff-k8s/skiff/server"
)

// Options say how to reach the cluster and what node to be.
type Options struct {
	// Server is the API server's URL; Token a bootstrap token
	// ("<id>.<secret>", from `skiff token create`); CACert the cluster
	// CA to trust it by.
	Server, Token, CACert string
	// Kubeconfig, instead of Server/Token/CACert, gives the kubelet a
	// ready identity (e.g. the admin kubeconfig, for benchmarks).
	Kubeconfig string
	// DataDir holds the node's certificates, kubelet and containerd.
	DataDir string
	Node    server.KubeletOptions
}

// Run joins and runs the node until ctx ends.
func Run(ctx context.Context, o Options) (*kubelet.Kubelet, error) {
	node := o.Node.Defaults()
	pkiDir := filepath.Join(o.DataDir, "pki")
	if err := os.MkdirAll(pkiDir, 0o700); err != nil {
		return nil, err
	}
	var cfg *restclient.Config
	var caFile string
	var err error
	if o.Kubeconfig != "" {
		if cfg, err = clientcmd.BuildConfigFromFlags("", o.Kubeconfig); err != nil {
			return nil, err
		}
		caFile = filepath.Join(pkiDir, "ca.crt")
		if err := writeCA(cfg, caFile); err != nil {
			return nil, err
		}
	} else {
		if o.Server == "" || o.CACert == "" {
			return nil, fmt.Errorf("--server and --ca-cert (with --token), or --kubeconfig, are required")
		}
		caFile = o.CACert
		if cfg, err = clientIdentity(ctx, o, pkiDir, node.NodeName); err != nil {
			return nil, err
		}
	}
	// An identity given by kubeconfig is no node, so nothing approves
	// its serving request: it approves its own.
	servingCert, servingKey, err := servingIdentity(ctx, cfg, pkiDir, node, o.Kubeconfig != "")
	if err != nil {
		return nil, err
	}
	return server.StartNode(ctx, cfg, o.DataDir, caFile, servingCert, servingKey, node)
}

// clientIdentity returns a client config that authenticates as
// system:node:<name>: the certificate from an earlier join if it is still
// good, else a new one asked for with the bootstrap token.
func clientIdentity(ctx context.Context, o Options, pkiDir, name string) (*restclient.Config, error) {
	certFile, keyFile := filepath.Join(pkiDir, "kubelet-client.crt"), filepath.Join(pkiDir, "kubelet-client.key")
	cfg := &restclient.Config{Host: o.Server, TLSClientConfig: restclient.TLSClientConfig{CAFile: o.CACert, CertFile: certFile, KeyFile: keyFile}}
	if valid(certFile) {
		return cfg, nil
	}
	if o.Token == "" {
		return nil, fmt.Errorf("no valid node certificate in %s: --token is required to join", pkiDir)
	}
	boot := &restclient.Config{Host: o.Server, BearerToken: o.Token, TLSClientConfig: restclient.TLSClientConfig{CAFile: o.CACert}}
	subject := &pkix.Name{CommonName: "system:node:" + name, Organization: []string{"system:nodes"}}
	usages := []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth}
	if err := request(ctx, boot, certificatesv1.KubeAPIServerClientKubeletSignerName, subject, nil, nil, usages, certFile, keyFile, false); err != nil {
		return nil, fmt.Errorf("node client certificate: %w", err)
	}
	return cfg, nil
}

// servingIdentity makes sure the kubelet has a serving certificate of the
// cluster CA for its names and address (signer kubelet-serving).
func servingIdentity(ctx context.Context, cfg *restclient.Config, pkiDir string, node server.KubeletOptions, selfApprove bool) (string, string, error) {
	certFile, keyFile := filepath.Join(pkiDir, "kubelet-serving.crt"), filepath.Join(pkiDir, "kubelet-serving.key")
	if valid(certFile) {
		return certFile, keyFile, nil
	}
	subject := &pkix.Name{CommonName: "system:node:" + node.NodeName, Organization: []string{"system:nodes"}}
	usages := []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageServerAuth}
	if err := request(ctx, cfg, certificatesv1.KubeletServingSignerName, subject, node.ServingNames(), node.ServingIPs(), usages, certFile, keyFile, selfApprove); err != nil {
		return "", "", fmt.Errorf("kubelet serving certificate: %w", err)
	}
	return certFile, keyFile, nil
}

// request creates a CSR, waits (up to 2 minutes) for it to be approved
// and signed, and writes the key and certificate.
func request(ctx context.Context, cfg *restclient.Config, signer string, subject *pkix.Name, dns []string, ips []net.IP, usages []certificatesv1.KeyUsage, certFile, keyFile string, selfApprove bool) error {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := certutil.MakeCSR(key, subject, dns, ips)
	if err != nil {
		return err
	}
	name, uid, err := csr.RequestCertificateWithContext(ctx, client, der, "", signer, nil, usages, key)
	if err != nil {
		return err
	}
	if selfApprove {
		req, err := client.CertificatesV1().CertificateSigningRequests().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		req.Status.Conditions = append(req.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
			Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "AgentApproved",
			Message: "Approved by skiff agent with its kubeconfig's identity.",
		})
		if _, err := client.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, name, req, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	klog.FromContext(ctx).Info("Waiting for the certificate", "csr", name, "signer", signer)
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cert, err := csr.WaitForCertificate(wctx, client, name, uid)
	if err != nil {
		return fmt.Errorf("CSR %s: %w", name, err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := keyutil.WriteKey(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})); err != nil {
		return err
	}
	return certutil.WriteCert(certFile, cert)
}

// valid says the PEM certificate exists and has more than a day left.
func valid(certFile string) bool {
	certs, err := certutil.CertsFromFile(certFile)
	return err == nil && len(certs) > 0 && time.Now().Add(24*time.Hour).Before(certs[0].NotAfter)
}

func writeCA(cfg *restclient.Config, path string) error {
	data := cfg.CAData
	if len(data) == 0 && cfg.CAFile != "" {
		var err error
		if data, err = os.ReadFile(cfg.CAFile); err != nil {
			return err
		}
	}
	if len(data) == 0 {
		return fmt.Errorf("the kubeconfig names no certificate authority")
	}
	return os.WriteFile(path, data, 0o644)
}
