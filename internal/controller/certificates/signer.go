package certificates

import (
	"context"
	"fmt"
	"time"

	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	certlisters "k8s.io/client-go/listers/certificates/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// MinExpiration is the shortest validity spec.expirationSeconds may ask
// for, as upstream (600 seconds).
const MinExpiration = 10 * time.Minute

// Signer is the csrsigning controller for the built-in signers.
type Signer struct {
	*controller.Controller
	cfg    Config
	lister certlisters.CertificateSigningRequestLister
}

// NewSigner returns the signer; Run starts it. cfg.Sign is required.
func NewSigner(cfg Config) (*Signer, error) {
	if cfg.Sign == nil {
		return nil, errNoSigner
	}
	cfg.defaults()
	inf := cfg.Factory.Certificates().V1().CertificateSigningRequests()
	s := &Signer{cfg: cfg, lister: inf.Lister()}
	s.Controller = controller.New(controller.Config{
		Name:       "csrsigning",
		Reconciler: controller.Func(s.reconcile),
		Workers:    2,
		Synced:     []cache.InformerSynced{inf.Informer().HasSynced},
		Logger:     cfg.Logger,
	})
	if _, err := controller.AddHandler(cfg.Factory, inf.Informer(), s.Handler()); err != nil {
		return nil, err
	}
	return s, nil
}

// validity is how long a certificate for csr lives: the signer's duration,
// shortened by spec.expirationSeconds, never under MinExpiration.
func (s *Signer) validity(csr *certv1.CertificateSigningRequest) time.Duration {
	d := s.cfg.Duration
	if csr.Spec.ExpirationSeconds != nil {
		asked := time.Duration(*csr.Spec.ExpirationSeconds) * time.Second
		d = min(d, max(asked, MinExpiration))
	}
	return d
}

func (s *Signer) reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	csr, err := s.lister.Get(req.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	validate, ours := signerValidators[csr.Spec.SignerName]
	if !ours || !isTrue(csr, certv1.CertificateApproved) || isTrue(csr, certv1.CertificateDenied) ||
		isTrue(csr, certv1.CertificateFailed) || len(csr.Status.Certificate) > 0 {
		return controller.Result{}, nil
	}
	x509cr, err := parseCSR(csr.Spec.Request)
	if err == nil {
		err = x509cr.CheckSignature()
	}
	if err == nil {
		err = validate(x509cr, csr.Spec.Usages)
	}
	if err != nil {
		return controller.Result{}, s.fail(ctx, csr, err.Error())
	}
	certPEM, err := s.cfg.Sign(x509cr, extKeyUsages(csr.Spec.Usages), s.validity(csr))
	if err != nil {
		return controller.Result{}, fmt.Errorf("sign %s: %w", csr.Name, err)
	}
	csr = csr.DeepCopy()
	csr.Status.Certificate = certPEM
	_, err = s.cfg.Client.CertificatesV1().CertificateSigningRequests().UpdateStatus(ctx, csr, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, fmt.Errorf("write certificate of %s: %w", csr.Name, err)
	}
	s.cfg.Logger.Info("signed certificate", "csr", csr.Name, "signer", csr.Spec.SignerName)
	return controller.Result{}, nil
}

// fail records a Failed condition, as upstream's signer does for a request
// its signer refuses.
func (s *Signer) fail(ctx context.Context, csr *certv1.CertificateSigningRequest, message string) error {
	csr = csr.DeepCopy()
	now := metav1.NewTime(s.cfg.Now())
	csr.Status.Conditions = append(csr.Status.Conditions, certv1.CertificateSigningRequestCondition{
		Type: certv1.CertificateFailed, Status: corev1.ConditionTrue, Reason: "SignerValidationFailure",
		Message: message, LastUpdateTime: now, LastTransitionTime: now,
	})
	_, err := s.cfg.Client.CertificatesV1().CertificateSigningRequests().UpdateStatus(ctx, csr, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
