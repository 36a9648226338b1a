package auth

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	authzv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/kubernetes/scheme"
)

// maxReviewBytes bounds a review body; reviews are small.
const maxReviewBytes = 1 << 20

// Reviews wraps next, answering the create-only virtual resources of
// authorization.k8s.io/v1 with az's decision: SelfSubjectAccessReview (the
// requesting user, what `kubectl auth can-i` asks), SubjectAccessReview
// (any user) and LocalSubjectAccessReview (any user, in the namespace of
// the path). Nothing is stored. Put it inside Authorize, which decides who
// may create reviews.
func Reviews(next http.Handler, az Authorizer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		a := requestAttributes(r)
		if a.APIGroup != authzv1.GroupName || a.APIVersion != "v1" || a.Name != "" {
			next.ServeHTTP(w, r)
			return
		}
		switch {
		case a.Resource == "selfsubjectaccessreviews" && a.Namespace == "":
		case a.Resource == "subjectaccessreviews" && a.Namespace == "":
		case a.Resource == "localsubjectaccessreviews" && a.Namespace != "":
		default:
			next.ServeHTTP(w, r)
			return
		}
		obj, err := review(r, az, a)
		if err != nil {
			writeStatus(w, err)
			return
		}
		body, mErr := json.Marshal(obj)
		if mErr != nil {
			writeStatus(w, apierrors.NewInternalError(mErr))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		// A failed write means the client went away; nothing is left to tell it.
		_, _ = w.Write(append(body, '\n'))
	})
}

func review(r *http.Request, az Authorizer, a Attributes) (runtime.Object, *apierrors.StatusError) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxReviewBytes))
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	gvk := authzv1.SchemeGroupVersion.WithKind(reviewKinds[a.Resource])
	obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(data, &gvk, nil)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("decode %s: %v", gvk.Kind, err))
	}
	switch rv := obj.(type) {
	case *authzv1.SelfSubjectAccessReview:
		u, ok := UserFrom(r.Context())
		if !ok {
			return nil, apierrors.NewInternalError(fmt.Errorf("no user on the request"))
		}
		rv.Status, err = decide(az, u, rv.Spec.ResourceAttributes, rv.Spec.NonResourceAttributes)
	case *authzv1.SubjectAccessReview:
		rv.Status, err = decide(az, User{Name: rv.Spec.User, Groups: rv.Spec.Groups}, rv.Spec.ResourceAttributes, rv.Spec.NonResourceAttributes)
	case *authzv1.LocalSubjectAccessReview:
		if rv.Spec.ResourceAttributes == nil || rv.Spec.ResourceAttributes.Namespace != a.Namespace {
			return nil, invalid(gvk.Kind, field.Invalid(field.NewPath("spec", "resourceAttributes", "namespace"), a.Namespace, "must match metadata.namespace"))
		}
		rv.Namespace = a.Namespace
		rv.Status, err = decide(az, User{Name: rv.Spec.User, Groups: rv.Spec.Groups}, rv.Spec.ResourceAttributes, rv.Spec.NonResourceAttributes)
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a %s: %T", gvk.Kind, obj))
	}
	if err != nil {
		return nil, invalid(gvk.Kind, field.Invalid(field.NewPath("spec"), "", err.Error()))
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	return obj, nil
}

var reviewKinds = map[string]string{
	"selfsubjectaccessreviews":  "SelfSubjectAccessReview",
	"subjectaccessreviews":      "SubjectAccessReview",
	"localsubjectaccessreviews": "LocalSubjectAccessReview",
}

// decide answers a review: allowed, or not with the authorizer's reason.
// RBAC has no explicit denials, so Denied stays false, as upstream.
func decide(az Authorizer, u User, res *authzv1.ResourceAttributes, nonRes *authzv1.NonResourceAttributes) (authzv1.SubjectAccessReviewStatus, error) {
	var a Attributes
	switch {
	case (res == nil) == (nonRes == nil):
		return authzv1.SubjectAccessReviewStatus{}, fmt.Errorf("exactly one of nonResourceAttributes or resourceAttributes must be specified")
	case res != nil:
		a = Attributes{ResourceRequest: true, Verb: res.Verb, APIGroup: res.Group, APIVersion: res.Version,
			Namespace: res.Namespace, Resource: res.Resource, Subresource: res.Subresource, Name: res.Name}
	default:
		a = Attributes{Verb: nonRes.Verb, Path: nonRes.Path}
	}
	allowed, reason := az.Authorize(u, a)
	return authzv1.SubjectAccessReviewStatus{Allowed: allowed, Reason: reason}, nil
}

func invalid(kind string, err *field.Error) *apierrors.StatusError {
	return apierrors.NewInvalid(schema.GroupKind{Group: authzv1.GroupName, Kind: kind}, "", field.ErrorList{err})
}
