package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	bootstraptoken "github.com/skiff-dev/skiff/internal/apiserver/auth/bootstrap"
	"github.com/skiff-dev/skiff/internal/controller/certificates"
	"github.com/skiff-dev/skiff/internal/pki"
)

// joinTokenDescription marks the Secret of the server's join token.
const joinTokenDescription = "skiff server join token (<data-dir>/server/token)"

// JoinTokenPath is where the server keeps its join token.
func JoinTokenPath(dataDir string) string { return filepath.Join(dataDir, "server", "token") }

// loadJoinToken returns the join token: --token when given (written to
// <data-dir>/server/token), else the one in that file, else a new random
// one written there (0600). It is a bootstrap token, <id>.<secret>.
func loadJoinToken(cfg ServerConfig) (string, error) {
	path := JoinTokenPath(cfg.DataDir)
	token := cfg.Token
	if token == "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			token = strings.TrimSpace(string(data))
			if err := bootstraptoken.Validate(token); err != nil {
				return "", fmt.Errorf("%s: %w", path, err)
			}
			return token, nil
		case !errors.Is(err, os.ErrNotExist):
			return "", fmt.Errorf("read join token: %w", err)
		}
		if token, err = bootstraptoken.Generate(); err != nil {
			return "", err
		}
	}
	if err := bootstraptoken.Validate(token); err != nil {
		return "", fmt.Errorf("--token: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("join token: %w", err)
	}
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write join token: %w", err)
	}
	return token, nil
}

// ensureJoinTokenSecret stores token as the bootstrap-token Secret in
// kube-system and removes the Secrets of earlier join tokens of this
// server (the ones carrying joinTokenDescription), so a changed --token
// retires the old one.
func ensureJoinTokenSecret(ctx context.Context, cs kubernetes.Interface, token string) error {
	want, err := bootstraptoken.Secret(token, joinTokenDescription)
	if err != nil {
		return err
	}
	secrets := cs.CoreV1().Secrets(bootstraptoken.Namespace)
	list, err := secrets.List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, s := range list.Items {
		if s.Name != want.Name && s.Type == bootstraptoken.SecretType && string(s.Data[bootstraptoken.KeyDescription]) == joinTokenDescription {
			if err := secrets.Delete(ctx, s.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
	}
	cur, err := secrets.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = secrets.Create(ctx, want, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	if cur.Type != want.Type {
		// The type is immutable: replace the Secret.
		if err := secrets.Delete(ctx, cur.Name, metav1.DeleteOptions{}); err != nil {
			return err
		}
		_, err = secrets.Create(ctx, want, metav1.CreateOptions{})
		return err
	}
	cur.Data, cur.StringData = nil, want.StringData
	_, err = secrets.Update(ctx, cur, metav1.UpdateOptions{})
	return err
}

// startCertificateControllers runs csrapproving and csrsigning (what
// upstream's kube-controller-manager runs for CSRs) with the cluster CA;
// stop ends them and waits.
func startCertificateControllers(ctx context.Context, loopback *rest.Config, bundle *pki.Bundle, log *slog.Logger) (func(), error) {
	cs, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return nil, err
	}
	f := informers.NewSharedInformerFactory(cs, 0)
	log = log.With("component", "controller-manager")
	cfg := certificates.Config{Client: cs, Factory: f, Logger: log, Sign: signWith(bundle)}
	approver := certificates.NewApprover(cfg)
	signer, err := certificates.NewSigner(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	f.StartWithContext(ctx)
	done := make(chan struct{}, 2)
	for _, c := range []runnable{approver, signer} {
		go func() {
			defer func() { done <- struct{}{} }()
			if err := c.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error(fmt.Sprintf("controller %s stopped", c.Name()), "err", err)
			}
		}()
	}
	return func() {
		cancel()
		<-done
		<-done
		f.Shutdown()
	}, nil
}
