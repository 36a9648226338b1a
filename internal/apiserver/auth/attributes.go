package auth

import (
	"net/http"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/fields"
)

// Attributes are what an authorizer decides on, read from a request as
// upstream's RequestInfoFactory reads them.
type Attributes struct {
	// ResourceRequest is true for /api/{version}/... and
	// /apis/{group}/{version}/... paths that name a resource; every other
	// path is a non-resource request decided on Path and Verb.
	ResourceRequest bool
	// Verb is get list watch create update patch delete deletecollection
	// for resources, and the lower-case HTTP method for non-resource paths.
	Verb        string
	APIGroup    string
	APIVersion  string
	Namespace   string
	Resource    string
	Subresource string
	Name        string
	// Path is the request path, for non-resource requests.
	Path string
	// FieldSelector is the raw field selector of a list or watch, which
	// the node authorizer reads (spec.nodeName=<node>).
	FieldSelector string
}

// namespaceSubresources follow /namespaces/{name}: they are subresources
// of the namespace object, not resources inside the namespace.
var namespaceSubresources = map[string]bool{"status": true, "finalize": true}

// AttributesFrom reads the authorization attributes of r.
func AttributesFrom(r *http.Request) Attributes {
	a := Attributes{Path: r.URL.Path, Verb: strings.ToLower(r.Method)}
	var buf [8]string
	parts := splitPath(r.URL.Path, buf[:0])
	if len(parts) < 3 {
		return a
	}
	switch parts[0] {
	case "api":
		parts = parts[1:]
	case "apis":
		if len(parts) < 4 {
			return a
		}
		a.APIGroup = parts[1]
		parts = parts[2:]
	default:
		return a
	}
	a.ResourceRequest = true
	a.APIVersion = parts[0]
	parts = parts[1:]

	if parts[0] == "watch" {
		a.Verb = "watch"
		parts = parts[1:]
	} else {
		a.Verb = methodVerb(r.Method)
	}
	if len(parts) > 0 && parts[0] == "namespaces" {
		if len(parts) > 1 {
			a.Namespace = parts[1]
			if len(parts) > 2 && !namespaceSubresources[parts[2]] {
				parts = parts[2:]
			}
		}
	}
	if len(parts) > 0 {
		a.Resource = parts[0]
	}
	if len(parts) > 1 {
		a.Name = parts[1]
	}
	if len(parts) > 2 {
		a.Subresource = parts[2]
	}
	if a.Name == "" && a.Verb == "get" {
		a.Verb, a.Name = collectionVerb(r)
		a.FieldSelector = r.URL.Query().Get("fieldSelector")
	}
	if a.Name == "" && a.Verb == "delete" {
		a.Verb = "deletecollection"
	}
	return a
}

func methodVerb(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		return "get"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		return "delete"
	}
	return ""
}

// collectionVerb is list or watch for a GET on a collection, with the
// name a metadata.name field selector pins, as upstream.
func collectionVerb(r *http.Request) (verb, name string) {
	q := r.URL.Query()
	verb = "list"
	if w, err := strconv.ParseBool(q.Get("watch")); err == nil && w {
		verb = "watch"
	}
	if fs := q.Get("fieldSelector"); fs != "" {
		if sel, err := fields.ParseSelector(fs); err == nil {
			if n, ok := sel.RequiresExactMatch("metadata.name"); ok && validPathSegment(n) {
				name = n
			}
		}
	}
	return verb, name
}

func validPathSegment(s string) bool {
	return s != "." && s != ".." && !strings.ContainsAny(s, "/%")
}

// splitPath splits p into its segments, appended to buf (so a caller's
// array holds them when they fit), as strings.Split does: "a//b" has an
// empty segment.
func splitPath(p string, buf []string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	for {
		i := strings.IndexByte(p, '/')
		if i < 0 {
			return append(buf, p)
		}
		buf = append(buf, p[:i])
		p = p[i+1:]
	}
}
