package certificates

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"time"

	authzv1 "k8s.io/api/authorization/v1"
	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	certlisters "k8s.io/client-go/listers/certificates/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// Config is what the controllers need.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// Sign issues a certificate (PEM) for req with the cluster CA; the
	// Signer requires it.
	Sign func(req *x509.CertificateRequest, usages []x509.ExtKeyUsage, validity time.Duration) ([]byte, error)
	// Duration is the signer's validity, one year when zero.
	Duration time.Duration
	// Now stamps conditions; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Duration <= 0 {
		c.Duration = 365 * 24 * time.Hour
	}
}

// recognizer is one kind of request the approver approves, with the
// permission the requester needs and the condition message, as upstream's
// sarapprove recognizers.
type recognizer struct {
	matches     func(csr *certv1.CertificateSigningRequest, req *x509.CertificateRequest) bool
	subresource string
	message     string
}

var recognizers = []recognizer{
	{
		matches: func(csr *certv1.CertificateSigningRequest, req *x509.CertificateRequest) bool {
			return isNodeClient(csr, req) && csr.Spec.Username == req.Subject.CommonName
		},
		subresource: "selfnodeclient",
		message:     "Auto approving self kubelet client certificate after SubjectAccessReview.",
	},
	{
		matches:     isNodeClient,
		subresource: "nodeclient",
		message:     "Auto approving kubelet client certificate after SubjectAccessReview.",
	},
}

func isNodeClient(csr *certv1.CertificateSigningRequest, req *x509.CertificateRequest) bool {
	return csr.Spec.SignerName == SignerKubeAPIServerClientKubelet && validateKubeletClient(req, csr.Spec.Usages) == nil
}

// Approver is the csrapproving controller.
type Approver struct {
	*controller.Controller
	cfg    Config
	lister certlisters.CertificateSigningRequestLister
}

// NewApprover returns the approver; Run starts it.
func NewApprover(cfg Config) *Approver {
	cfg.defaults()
	inf := cfg.Factory.Certificates().V1().CertificateSigningRequests()
	a := &Approver{cfg: cfg, lister: inf.Lister()}
	a.Controller = controller.New(controller.Config{
		Name:       "csrapproving",
		Reconciler: controller.Func(a.reconcile),
		Workers:    2,
		Synced:     []cache.InformerSynced{inf.Informer().HasSynced},
		Logger:     cfg.Logger,
	})
	// Registration only fails on a stopped informer.
	_, _ = controller.AddHandler(cfg.Factory, inf.Informer(), a.Handler())
	return a
}

func (a *Approver) reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	csr, err := a.lister.Get(req.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	if approvedOrDenied(csr) || len(csr.Status.Certificate) > 0 {
		return controller.Result{}, nil
	}
	x509cr, err := parseCSR(csr.Spec.Request)
	if err != nil {
		return controller.Result{}, controller.TerminalError(fmt.Errorf("unable to parse csr %q: %w", csr.Name, err))
	}
	for _, r := range recognizers {
		if !r.matches(csr, x509cr) {
			continue
		}
		ok, err := a.authorized(ctx, csr, r.subresource)
		if err != nil {
			return controller.Result{}, err
		}
		if !ok {
			continue
		}
		return controller.Result{}, a.approve(ctx, csr, r.message)
	}
	return controller.Result{}, nil
}

// authorized asks a SubjectAccessReview whether the requester may create
// certificatesigningrequests/<subresource>.
func (a *Approver) authorized(ctx context.Context, csr *certv1.CertificateSigningRequest, subresource string) (bool, error) {
	extra := map[string]authzv1.ExtraValue{}
	for k, v := range csr.Spec.Extra {
		extra[k] = authzv1.ExtraValue(v)
	}
	sar := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
		User: csr.Spec.Username, UID: csr.Spec.UID, Groups: csr.Spec.Groups, Extra: extra,
		ResourceAttributes: &authzv1.ResourceAttributes{
			Group: certv1.GroupName, Resource: "certificatesigningrequests", Subresource: subresource, Verb: "create",
		},
	}}
	out, err := a.cfg.Client.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("subject access review: %w", err)
	}
	return out.Status.Allowed, nil
}

func (a *Approver) approve(ctx context.Context, csr *certv1.CertificateSigningRequest, message string) error {
	csr = csr.DeepCopy()
	csr.Status.Conditions = append(csr.Status.Conditions, certv1.CertificateSigningRequestCondition{
		Type: certv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "AutoApproved", Message: message,
		LastUpdateTime: metav1.NewTime(a.cfg.Now()), LastTransitionTime: metav1.NewTime(a.cfg.Now()),
	})
	_, err := a.cfg.Client.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, csr.Name, csr, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		// A newer version is on its way through the informer, or it is gone.
		return nil
	}
	if err != nil {
		return fmt.Errorf("approve %s: %w", csr.Name, err)
	}
	a.cfg.Logger.Info("approved certificate signing request", "csr", csr.Name, "user", csr.Spec.Username)
	return nil
}

var errNoSigner = errors.New("certificates: Config.Sign is required for the signer")
