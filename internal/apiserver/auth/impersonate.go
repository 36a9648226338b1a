package auth

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Impersonation headers, as upstream.
const (
	ImpersonateUserHeader        = "Impersonate-User"
	ImpersonateGroupHeader       = "Impersonate-Group"
	ImpersonateUIDHeader         = "Impersonate-Uid"
	ImpersonateExtraHeaderPrefix = "Impersonate-Extra-"
)

const serviceAccountPrefix = "system:serviceaccount:"

// Impersonate wraps next: a request with Impersonate-* headers proceeds
// as the user they name, if az allows the real user to impersonate that
// user (or service account), each group, the UID and each extra value;
// otherwise it gets upstream's 403 naming the first thing denied. Put it
// inside Authenticate and outside Authorize.
func Impersonate(next http.Handler, az Authorizer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want, checks, err := impersonation(r.Header)
		if err != nil {
			writeStatus(w, err)
			return
		}
		if checks == nil {
			next.ServeHTTP(w, r)
			return
		}
		real, ok := UserFrom(r.Context())
		if !ok {
			writeStatus(w, apierrors.NewInternalError(fmt.Errorf("no user on the request")))
			return
		}
		for _, a := range checks {
			if allowed, reason := az.Authorize(real, a); !allowed {
				writeStatus(w, Forbidden(real, a, reason))
				return
			}
		}
		for k := range r.Header {
			if isImpersonationHeader(k) {
				r.Header.Del(k)
			}
		}
		next.ServeHTTP(w, r.WithContext(WithUser(r.Context(), want)))
	})
}

func isImpersonationHeader(k string) bool {
	k = http.CanonicalHeaderKey(k)
	return k == ImpersonateUserHeader || k == ImpersonateGroupHeader || k == ImpersonateUIDHeader ||
		strings.HasPrefix(k, ImpersonateExtraHeaderPrefix)
}

// impersonation reads the headers into the user asked for and the
// attributes the real user must be allowed, in upstream's order: user
// (or service account), groups, extra, UID. checks is nil when the
// request impersonates nobody.
func impersonation(h http.Header) (User, []Attributes, *apierrors.StatusError) {
	var u User
	var checks []Attributes
	name := h.Get(ImpersonateUserHeader)
	if name != "" {
		u.Name = name
		if ns, sa, ok := splitServiceAccount(name); ok {
			checks = append(checks, impersonates("", "serviceaccounts", ns, sa))
			u.Groups = []string{"system:serviceaccounts", "system:serviceaccounts:" + ns}
		} else {
			checks = append(checks, impersonates("", "users", "", name))
		}
	}
	for _, g := range h.Values(ImpersonateGroupHeader) {
		u.Groups = append(u.Groups, g)
		checks = append(checks, impersonates("", "groups", "", g))
	}
	for k, vs := range h {
		key, ok := strings.CutPrefix(http.CanonicalHeaderKey(k), ImpersonateExtraHeaderPrefix)
		if !ok {
			continue
		}
		key, err := url.PathUnescape(strings.ToLower(key))
		if err != nil {
			return User{}, nil, apierrors.NewBadRequest(fmt.Sprintf("invalid impersonation extra key %q: %v", key, err))
		}
		if u.Extra == nil {
			u.Extra = map[string][]string{}
		}
		for _, v := range vs {
			u.Extra[key] = append(u.Extra[key], v)
			checks = append(checks, Attributes{ResourceRequest: true, Verb: "impersonate", APIGroup: "authentication.k8s.io",
				Resource: "userextras", Subresource: key, Name: v})
		}
	}
	if uid := h.Get(ImpersonateUIDHeader); uid != "" {
		u.UID = uid
		checks = append(checks, impersonates("authentication.k8s.io", "uids", "", uid))
	}
	if name == "" && len(checks) > 0 {
		return User{}, nil, apierrors.NewBadRequest("requested impersonation of groups, extra or uid without impersonating a user")
	}
	if len(checks) == 0 {
		return User{}, nil, nil
	}
	u.Groups = impersonatedGroups(u.Name, u.Groups)
	return u, checks, nil
}

func impersonates(group, resource, namespace, name string) Attributes {
	return Attributes{ResourceRequest: true, Verb: "impersonate", APIGroup: group, Resource: resource, Namespace: namespace, Name: name}
}

// impersonatedGroups adds system:authenticated (system:unauthenticated
// for system:anonymous), as upstream, unless the groups have it.
func impersonatedGroups(name string, groups []string) []string {
	add := AuthenticatedGroup
	if name == AnonymousUser {
		add = UnauthenticatedGroup
	}
	for _, g := range groups {
		if g == add {
			return groups
		}
	}
	return append(groups, add)
}

func splitServiceAccount(user string) (ns, name string, ok bool) {
	rest, found := strings.CutPrefix(user, serviceAccountPrefix)
	if !found {
		return "", "", false
	}
	ns, name, ok = strings.Cut(rest, ":")
	if !ok || ns == "" || name == "" || strings.Contains(name, ":") {
		return "", "", false
	}
	return ns, name, true
}
