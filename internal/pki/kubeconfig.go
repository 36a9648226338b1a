package pki

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// kubeconfigName names the cluster, user and context, as k3s does.
const kubeconfigName = "default"

// WriteKubeconfig writes an admin kubeconfig for serverURL to path, with the
// CA and the admin client certificate embedded. The cluster, user and
// context are all named "default". Parent directories are created (0755)
// and the file is replaced atomically with mode 0600.
func WriteKubeconfig(path, serverURL string, b *Bundle) error {
	if b == nil || len(b.CACertPEM) == 0 || len(b.AdminCertPEM) == 0 || len(b.AdminKeyPEM) == 0 {
		return errors.New("pki: kubeconfig needs a bundle with CA and admin certificate")
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[kubeconfigName] = &clientcmdapi.Cluster{
		Server:                   serverURL,
		CertificateAuthorityData: b.CACertPEM,
	}
	cfg.AuthInfos[kubeconfigName] = &clientcmdapi.AuthInfo{
		ClientCertificateData: b.AdminCertPEM,
		ClientKeyData:         b.AdminKeyPEM,
	}
	cfg.Contexts[kubeconfigName] = &clientcmdapi.Context{
		Cluster:  kubeconfigName,
		AuthInfo: kubeconfigName,
	}
	cfg.CurrentContext = kubeconfigName
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return fmt.Errorf("pki: encode kubeconfig: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("pki: kubeconfig dir: %w", err)
	}
	if err := writeFileAtomic(path, data, 0o600); err != nil {
		return fmt.Errorf("pki: write kubeconfig: %w", err)
	}
	return nil
}
