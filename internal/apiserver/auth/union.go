package auth

import "strings"

// Union asks each authorizer in turn, as upstream's authorizer chain
// (--authorization-mode=Node,RBAC): the first that allows decides; when
// none does the request is denied with their reasons, one a line.
type Union []Authorizer

var _ Authorizer = Union(nil)

// Authorize implements Authorizer.
func (u Union) Authorize(user User, a Attributes) (bool, string) {
	var reasons []string
	for _, az := range u {
		ok, reason := az.Authorize(user, a)
		if ok {
			return true, ""
		}
		if reason != "" {
			reasons = append(reasons, reason)
		}
	}
	return false, strings.Join(reasons, "\n")
}
