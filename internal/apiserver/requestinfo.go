package apiserver

import (
	"net/http"
	"strings"
)

// requestInfo is what the path and method of a request name.
type requestInfo struct {
	IsResource  bool
	Verb        string // get list watch create update patch delete deletecollection
	Group       string
	Version     string
	Namespace   string
	Resource    string
	Name        string
	Subresource string
	// Parts are the path segments after the group version.
	Parts []string
}

// namespaceSubresources are the subresources of a namespace object: in
// /namespaces/{name}/status and /namespaces/{name}/finalize the segment after
// the name is not a resource inside the namespace.
var namespaceSubresources = map[string]bool{"status": true, "finalize": true}

// parseRequestInfo reads the request path as upstream's RequestInfoFactory
// does for /api and /apis paths. ok is false for other paths.
func parseRequestInfo(r *http.Request) (requestInfo, bool) {
	var info requestInfo
	segs := splitPath(r.URL.Path)
	switch {
	case len(segs) >= 2 && segs[0] == "api":
		info.Version = segs[1]
		segs = segs[2:]
	case len(segs) >= 3 && segs[0] == "apis":
		info.Group, info.Version = segs[1], segs[2]
		segs = segs[3:]
	default:
		return info, false
	}
	if len(segs) == 0 {
		return info, true
	}
	info.IsResource = true
	legacyWatch := false
	if segs[0] == "watch" {
		legacyWatch = true
		segs = segs[1:]
	}
	if len(segs) >= 3 && segs[0] == "namespaces" && !namespaceSubresources[segs[2]] {
		info.Namespace = segs[1]
		segs = segs[2:]
	} else if len(segs) >= 1 && segs[0] == "namespaces" {
		// /namespaces or /namespaces/{name}: the namespace object itself.
		if len(segs) >= 2 {
			info.Namespace = segs[1]
		}
	}
	info.Parts = segs
	if len(segs) > 0 {
		info.Resource = segs[0]
	}
	if len(segs) > 1 {
		info.Name = segs[1]
	}
	if len(segs) > 2 {
		info.Subresource = segs[2]
	}
	info.Verb = verbFor(r, info.Name != "", legacyWatch)
	return info, true
}

func verbFor(r *http.Request, named, legacyWatch bool) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if legacyWatch || isWatch(r) {
			return "watch"
		}
		if named {
			return "get"
		}
		return "list"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if named {
			return "delete"
		}
		return "deletecollection"
	}
	return ""
}

func isWatch(r *http.Request) bool {
	v := queryValue(r, "watch")
	return v == "true" || v == "1"
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
