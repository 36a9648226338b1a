package auth

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// RuleLister lists the rules a user holds in a namespace, for
// SelfSubjectRulesReview. An error means the list may be incomplete.
type RuleLister interface {
	RulesFor(u User, namespace string) ([]rbacv1.PolicyRule, error)
}

// SelfReviews wraps next, answering what a user may learn about itself:
// SelfSubjectReview (authentication.k8s.io/v1, `kubectl auth whoami`:
// the user as authenticated, or as impersonated) and, if rules is not
// nil, SelfSubjectRulesReview (authorization.k8s.io/v1, `kubectl auth
// can-i --list`). Nothing is stored. Put it inside Authorize. now stamps
// creationTimestamp (time.Now if nil).
func SelfReviews(next http.Handler, rules RuleLister, now func() time.Time) http.Handler {
	if now == nil {
		now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		a := requestAttributes(r)
		if a.APIVersion != "v1" || a.Name != "" || a.Namespace != "" {
			next.ServeHTTP(w, r)
			return
		}
		var obj runtime.Object
		var err *apierrors.StatusError
		switch {
		case a.APIGroup == authnv1.GroupName && a.Resource == "selfsubjectreviews":
			obj, err = selfSubjectReview(r, now)
		case a.APIGroup == authzv1.GroupName && a.Resource == "selfsubjectrulesreviews" && rules != nil:
			obj, err = selfSubjectRulesReview(r, rules)
		default:
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			writeStatus(w, err)
			return
		}
		writeCreated(w, obj)
	})
}

func selfSubjectReview(r *http.Request, now func() time.Time) (runtime.Object, *apierrors.StatusError) {
	gvk := authnv1.SchemeGroupVersion.WithKind("SelfSubjectReview")
	rv := &authnv1.SelfSubjectReview{}
	if err := decodeReview(r, rv, gvk); err != nil {
		return nil, err
	}
	u, ok := UserFrom(r.Context())
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("no user on the request"))
	}
	rv.CreationTimestamp = metav1.NewTime(now().Truncate(time.Second))
	rv.Status.UserInfo = authnv1.UserInfo{Username: u.Name, UID: u.UID, Groups: u.Groups}
	if len(u.Extra) > 0 {
		rv.Status.UserInfo.Extra = map[string]authnv1.ExtraValue{}
		for k, v := range u.Extra {
			rv.Status.UserInfo.Extra[k] = authnv1.ExtraValue(v)
		}
	}
	rv.SetGroupVersionKind(gvk)
	return rv, nil
}

func selfSubjectRulesReview(r *http.Request, rules RuleLister) (runtime.Object, *apierrors.StatusError) {
	gvk := authzv1.SchemeGroupVersion.WithKind("SelfSubjectRulesReview")
	rv := &authzv1.SelfSubjectRulesReview{}
	if err := decodeReview(r, rv, gvk); err != nil {
		return nil, err
	}
	u, ok := UserFrom(r.Context())
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("no user on the request"))
	}
	list, err := rules.RulesFor(u, rv.Spec.Namespace)
	rv.Status = authzv1.SubjectRulesReviewStatus{ResourceRules: []authzv1.ResourceRule{}, NonResourceRules: []authzv1.NonResourceRule{}}
	if err != nil {
		rv.Status.Incomplete = true
		rv.Status.EvaluationError = err.Error()
	}
	for _, rule := range list {
		if len(rule.Resources) > 0 {
			rv.Status.ResourceRules = append(rv.Status.ResourceRules, authzv1.ResourceRule{
				Verbs: rule.Verbs, APIGroups: rule.APIGroups, Resources: rule.Resources, ResourceNames: rule.ResourceNames})
		}
		if len(rule.NonResourceURLs) > 0 {
			rv.Status.NonResourceRules = append(rv.Status.NonResourceRules, authzv1.NonResourceRule{
				Verbs: rule.Verbs, NonResourceURLs: rule.NonResourceURLs})
		}
	}
	rv.SetGroupVersionKind(gvk)
	return rv, nil
}

// decodeReview decodes the request body into obj as gvk.
func decodeReview(r *http.Request, obj runtime.Object, gvk schema.GroupVersionKind) *apierrors.StatusError {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxReviewBytes))
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	if len(data) == 0 {
		return nil
	}
	if _, _, err := scheme.Codecs.UniversalDeserializer().Decode(data, &gvk, obj); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("decode %s: %v", gvk.Kind, err))
	}
	return nil
}

// writeCreated writes obj as JSON with 201 Created.
func writeCreated(w http.ResponseWriter, obj runtime.Object) {
	body, err := json.Marshal(obj)
	if err != nil {
		writeStatus(w, apierrors.NewInternalError(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	// A failed write means the client went away; nothing is left to tell it.
	_, _ = w.Write(append(body, '\n'))
}
