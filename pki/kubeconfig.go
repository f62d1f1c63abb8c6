package pki

import (
	"os"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// WriteKubeconfig writes an admin kubeconfig for server (https://host:port)
// that embeds the CA and the admin client certificate, so it can be copied
// elsewhere as one file.
func WriteKubeconfig(path, server string, f Files) error {
	ca, err := os.ReadFile(f.CACert())
	if err != nil {
		return err
	}
	cert, err := os.ReadFile(f.AdminCert())
	if err != nil {
		return err
	}
	key, err := os.ReadFile(f.AdminKey())
	if err != nil {
		return err
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["skiff"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	cfg.AuthInfos["skiff-admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cert, ClientKeyData: key}
	cfg.Contexts["skiff"] = &clientcmdapi.Context{Cluster: "skiff", AuthInfo: "skiff-admin", Namespace: "default"}
	cfg.CurrentContext = "skiff"
	return clientcmd.WriteToFile(*cfg, path)
}
