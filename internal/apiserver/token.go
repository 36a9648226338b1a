package apiserver

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TokenIssuer signs service account tokens for the TokenRequest API
// (serviceaccounts/token).
type TokenIssuer interface {
	// Audiences are the API server's own: a request naming none gets them.
	Audiences() []string
	// IssueToken signs a token for sa, valid from now for lifetime, bound
	// to the named object (with its UID) if bound is not nil.
	IssueToken(sa *corev1.ServiceAccount, audiences []string, lifetime time.Duration, bound *authnv1.BoundObjectReference) (token string, expires time.Time, err error)
}

// Upstream's bounds on a TokenRequest's expirationSeconds.
const (
	defaultTokenSeconds = 3600
	minTokenSeconds     = 600
	maxTokenSeconds     = math.MaxUint32
)

var (
	podsGVR    = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	secretsGVR = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
)

// handleTokenRequest is serviceaccounts/token: it answers a TokenRequest
// with a signed token for the service account, bound to a pod or secret
// if the request names one. Nothing is stored.
func (s *Server) handleTokenRequest(ctx context.Context, w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) error {
	issuer := s.cfg.TokenIssuer
	if issuer == nil {
		return errMethodNotSupported(ep.res.GVR.GroupResource().String(), "create")
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	req := &authnv1.TokenRequest{}
	if err := s.decodeOptions(body, req, authnv1.SchemeGroupVersion.WithKind("TokenRequest")); err != nil {
		return err
	}
	if err := validateTokenRequest(req, info.Name); err != nil {
		return err
	}
	obj, err := ep.store.Get(ctx, info.Namespace, info.Name, "")
	if err != nil {
		return err
	}
	sa := obj.(*corev1.ServiceAccount)
	if req.Spec.BoundObjectRef != nil {
		if err := s.resolveBoundObject(ctx, sa, req.Spec.BoundObjectRef); err != nil {
			return err
		}
	}
	if len(req.Spec.Audiences) == 0 {
		req.Spec.Audiences = issuer.Audiences()
	}
	token, exp, err := issuer.IssueToken(sa, req.Spec.Audiences, time.Duration(*req.Spec.ExpirationSeconds)*time.Second, req.Spec.BoundObjectRef)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	req.Name, req.Namespace = sa.Name, sa.Namespace
	req.CreationTimestamp = metav1.NewTime(s.now().Truncate(time.Second))
	req.Status = authnv1.TokenRequestStatus{Token: token, ExpirationTimestamp: metav1.NewTime(exp)}
	setGVK(req, authnv1.SchemeGroupVersion.WithKind("TokenRequest"))
	s.writeObject(w, r, http.StatusCreated, req)
	return nil
}

// validateTokenRequest defaults expirationSeconds and checks it as
// upstream does.
func validateTokenRequest(req *authnv1.TokenRequest, name string) error {
	if req.Spec.ExpirationSeconds == nil {
		d := int64(defaultTokenSeconds)
		req.Spec.ExpirationSeconds = &d
	}
	var errs field.ErrorList
	p := field.NewPath("spec", "expirationSeconds")
	switch secs := *req.Spec.ExpirationSeconds; {
	case secs < minTokenSeconds:
		errs = append(errs, field.Invalid(p, secs, "may not specify a duration less than 10 minutes"))
	case secs > maxTokenSeconds:
		errs = append(errs, field.TooLong(p, secs, maxTokenSeconds))
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(schema.GroupKind{Group: authnv1.GroupName, Kind: "TokenRequest"}, name, errs)
	}
	return nil
}

// resolveBoundObject checks the pod or secret a token is to be bound to
// and fills in its UID.
func (s *Server) resolveBoundObject(ctx context.Context, sa *corev1.ServiceAccount, ref *authnv1.BoundObjectReference) error {
	if ref.APIVersion != "" && ref.APIVersion != "v1" {
		return apierrors.NewBadRequest(fmt.Sprintf("cannot bind token to object of API version %q", ref.APIVersion))
	}
	var gvr schema.GroupVersionResource
	switch ref.Kind {
	case "Pod":
		gvr = podsGVR
	case "Secret":
		gvr = secretsGVR
	default:
		return apierrors.NewBadRequest(fmt.Sprintf("cannot bind token for serviceaccount %q to object of kind %q", sa.Name, ref.Kind))
	}
	ep := s.endpoints[gvr]
	if ep == nil {
		return apierrors.NewInternalError(fmt.Errorf("%s are not served", gvr.Resource))
	}
	obj, err := ep.store.Get(ctx, sa.Namespace, ref.Name, "")
	if err != nil {
		return err
	}
	var uid types.UID
	switch o := obj.(type) {
	case *corev1.Pod:
		if o.Spec.ServiceAccountName != "" && o.Spec.ServiceAccountName != sa.Name {
			return apierrors.NewBadRequest(fmt.Sprintf("cannot bind token for serviceaccount %q to pod running with different serviceaccount name.", sa.Name))
		}
		uid = o.UID
	case *corev1.Secret:
		uid = o.UID
	}
	if ref.UID != "" && ref.UID != uid {
		return apierrors.NewConflict(schema.GroupResource{Resource: gvr.Resource}, ref.Name,
			fmt.Errorf("the UID in the bound object reference (%s) does not match the UID in record. The object might have been deleted and then recreated", ref.UID))
	}
	ref.APIVersion, ref.UID = "v1", uid
	return nil
}
