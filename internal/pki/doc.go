// Package pki owns the certificates of `skiff server`: one certificate
// authority, the HTTPS serving certificate of the API server and the admin
// client certificate, all kept as PEM files in one directory
// (<data-dir>/server/tls). It also writes the admin kubeconfig and signs
// certificates for later CSR approval.
//
// # Trust model
//
// Skiff uses a single CA, unlike k3s which keeps a separate client CA. The
// same CA signs the serving certificate (ExtKeyUsage ServerAuth) and client
// certificates (ExtKeyUsage ClientAuth); Go's TLS stack checks the extended
// key usage, so a serving certificate is never accepted as a client
// identity. Bundle.ClientCA is therefore a pool holding that one CA. Keeping
// one CA means a kubeconfig needs one certificate-authority-data, and an
// agent that trusts the CA can verify the server and present a client
// certificate signed by it.
//
// # Files
//
//	ca.crt, ca.key                                   the CA (ECDSA P-256, 10 years)
//	serving-kube-apiserver.crt, serving-kube-apiserver.key   HTTPS serving certificate (1 year)
//	client-admin.crt, client-admin.key               CN=skiff-admin, O=system:masters (1 year)
//
// Keys are written with mode 0600, certificates 0644, the directory 0700.
// Every file is replaced atomically (write to a temporary file, rename).
//
// # Ensure
//
// Ensure is called once at server start, before the HTTPS listener opens:
//
//	b, err := pki.Ensure(pki.Config{Dir: filepath.Join(dataDir, "server", "tls"), ServiceIP: firstServiceIP})
//	if err != nil { return fmt.Errorf("ensure certificates: %w", err) }
//	ln := tls.NewListener(l, &tls.Config{
//		Certificates: []tls.Certificate{b.ServingCert},
//		ClientCAs:    b.ClientCA,
//		ClientAuth:   tls.VerifyClientCertIfGiven,
//	})
//	err = pki.WriteKubeconfig("/etc/skiff/skiff.yaml", "https://127.0.0.1:6443", b)
//
// On a fresh directory it creates everything. On restart it reuses the CA and
// every leaf certificate that is still good, so kubeconfigs written earlier
// keep working. A leaf is reissued (new key, new serial) when it is missing,
// unreadable, not signed by the CA, within 90 days of expiry, or, for the
// serving certificate, when a wanted subject alternative name is missing.
// A certificate carrying extra names is kept: names are only ever added by a
// reissue, so an interface that is briefly down does not cause churn.
//
// The serving certificate names os.Hostname(), "localhost", 127.0.0.1, ::1,
// every non-loopback, non-link-local address of the machine's interfaces,
// the in-cluster names of the kubernetes Service, Config.ServiceIP and the
// extras in Config.
//
// The CA is created once and never rotated automatically while it is valid;
// an expired CA is replaced (nothing it signed works anymore). A CA
// certificate without its key, or a key that does not match, is an error:
// Ensure never silently replaces a CA that clients may trust. To share one
// CA between several servers, place the same ca.crt and ca.key in each
// server's directory before the first start.
//
// Ensure with existing, valid files does no key generation and is fast (well
// under 20 ms); it is not safe to call concurrently on the same directory
// from several processes.
package pki
