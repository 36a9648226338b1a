package integration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// nodeClient is a clientset authenticating as system:node:<name> with a
// client certificate signed by the shared server's CA.
func nodeClient(t *testing.T, ts *testServer, name string) kubernetes.Interface {
	t.Helper()
	certPEM, keyPEM := signedClientCert(t, ts.dataDir, "system:node:"+name, "system:nodes")
	cfg := rest.AnonymousClientConfig(ts.cfg)
	cfg.CertData, cfg.KeyData = certPEM, keyPEM
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// signedClientCert issues a client certificate CN=user, O=groups with the
// CA of the server in dataDir.
func signedClientCert(t *testing.T, dataDir, user string, groups ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	dir := filepath.Join(dataDir, "server", "tls")
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	caKeyPEM, err := os.ReadFile(filepath.Join(dir, "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := pem.Decode(caPEM)
	ca, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := pem.Decode(caKeyPEM)
	caKey, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		caAny, err2 := x509.ParsePKCS8PrivateKey(kb.Bytes)
		if err2 != nil {
			t.Fatalf("ca key: %v / %v", err, err2)
		}
		caKey = caAny.(*ecdsa.PrivateKey)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: user, Organization: groups},
		NotBefore:    time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// TestNodeAuthorizer checks what a node identity may and may not do, as
// upstream's Node authorizer and NodeRestriction admission decide.
func TestNodeAuthorizer(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	admin := shared.cs
	nodeA, nodeB := uniqueName("na"), uniqueName("nb")
	a := nodeClient(t, shared, nodeA)
	for _, s := range []string{"used", "unused"} {
		if _, err := admin.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: s}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := admin.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "env"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := func(name, node string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{
			NodeName: node,
			Volumes:  []corev1.Volume{{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "used"}}}},
			Containers: []corev1.Container{{Name: "c", Image: "busybox", EnvFrom: []corev1.EnvFromSource{
				{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "env"}}}}}},
		}}
	}
	for _, p := range []*corev1.Pod{pod("on-a", nodeA), pod("on-b", nodeB)} {
		if _, err := admin.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	statusPatch := []byte(`{"status":{"phase":"Running"}}`)
	// The authorizer learns of pods through its informer: wait for it.
	eventually(t, "node sees its pod", func() error {
		_, err := a.CoreV1().Pods(ns).Get(ctx, "on-a", metav1.GetOptions{})
		return err
	})
	tests := []struct {
		name    string
		do      func() error
		allowed bool
		reason  string
	}{
		{"create own node", func() error {
			_, err := a.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: nodeA}}, metav1.CreateOptions{})
			return err
		}, true, ""},
		{"create another node", func() error {
			_, err := a.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: nodeB}}, metav1.CreateOptions{})
			return err
		}, false, "is not allowed to modify node"},
		{"get own node", func() error { _, err := a.CoreV1().Nodes().Get(ctx, nodeA, metav1.GetOptions{}); return err }, true, ""},
		{"list all nodes", func() error { _, err := a.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); return err }, false, "only its own Node object"},
		{"list own node by name", func() error {
			_, err := a.CoreV1().Nodes().List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + nodeA})
			return err
		}, true, ""},
		{"get secret its pod uses", func() error { _, err := a.CoreV1().Secrets(ns).Get(ctx, "used", metav1.GetOptions{}); return err }, true, ""},
		{"get configmap its pod uses", func() error { _, err := a.CoreV1().ConfigMaps(ns).Get(ctx, "env", metav1.GetOptions{}); return err }, true, ""},
		{"get secret no pod of it uses", func() error { _, err := a.CoreV1().Secrets(ns).Get(ctx, "unused", metav1.GetOptions{}); return err }, false, "no relationship found between node"},
		{"list secrets", func() error { _, err := a.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{}); return err }, false, "can only read namespaced object of this type"},
		{"update own pod status", func() error {
			_, err := a.CoreV1().Pods(ns).Patch(ctx, "on-a", types.MergePatchType, statusPatch, metav1.PatchOptions{}, "status")
			return err
		}, true, ""},
		{"update another node's pod status", func() error {
			_, err := a.CoreV1().Pods(ns).Patch(ctx, "on-b", types.MergePatchType, statusPatch, metav1.PatchOptions{}, "status")
			return err
		}, false, ""},
		{"get another node's pod", func() error { _, err := a.CoreV1().Pods(ns).Get(ctx, "on-b", metav1.GetOptions{}); return err }, false, "no relationship found"},
		{"list all pods", func() error { _, err := a.CoreV1().Pods("").List(ctx, metav1.ListOptions{}); return err }, false, "can only list/watch pods with spec.nodeName field selector"},
		{"list own pods", func() error {
			_, err := a.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + nodeA})
			return err
		}, true, ""},
		{"create a pod that is not a mirror pod", func() error {
			_, err := a.CoreV1().Pods(ns).Create(ctx, pod("by-node", nodeA), metav1.CreateOptions{})
			return err
		}, false, "can only create mirror pods"},
		{"create own lease", func() error {
			_, err := a.CoordinationV1().Leases("kube-node-lease").Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: nodeA}}, metav1.CreateOptions{})
			return err
		}, true, ""},
		{"create another node's lease", func() error {
			_, err := a.CoordinationV1().Leases("kube-node-lease").Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: nodeB}}, metav1.CreateOptions{})
			return err
		}, false, "can only access node lease with the same name as the requesting node"},
		{"get another node's lease", func() error {
			_, err := a.CoordinationV1().Leases("kube-node-lease").Get(ctx, nodeB, metav1.GetOptions{})
			return err
		}, false, "can only access node lease"},
		{"create event", func() error {
			_, err := a.CoreV1().Events(ns).Create(ctx, &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e1"},
				InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "on-a"}, Reason: "Test"}, metav1.CreateOptions{})
			return err
		}, true, ""},
		{"read deployments", func() error { _, err := a.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{}); return err }, false, ""},
		{"delete another node's pod", func() error { return a.CoreV1().Pods(ns).Delete(ctx, "on-b", metav1.DeleteOptions{}) }, false, "no relationship found"},
		{"delete own pod", func() error { return a.CoreV1().Pods(ns).Delete(ctx, "on-a", metav1.DeleteOptions{}) }, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if tc.allowed {
				if err != nil {
					t.Fatalf("got %v, want allowed", err)
				}
				return
			}
			if !apierrors.IsForbidden(err) {
				t.Fatalf("got %v, want 403 Forbidden", err)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("got %q, want it to contain %q", err.Error(), tc.reason)
			}
		})
	}
}
