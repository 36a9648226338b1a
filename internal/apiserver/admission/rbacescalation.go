package admission

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
	"github.com/skiff-dev/skiff/internal/apiserver/auth/rbac"
)

// RBACEscalation is upstream's escalation prevention of the RBAC storage
// (not an admission plugin upstream, but it runs at the same point: on the
// final object of a create or update): nobody creates or updates a Role,
// ClusterRole or binding granting rights they do not hold, unless they
// may escalate or bind (rbac.Authorizer.CheckWrite). It reads the user
// and the authorizer chain from the request context and finds the RBAC
// authorizer in the chain; writes without them (in-process internals, a
// chain without RBAC) pass.
type RBACEscalation struct{}

var _ Validator = RBACEscalation{}

// Name names the check.
func (RBACEscalation) Name() string { return "RBACEscalation" }

// Validate implements Validator.
func (RBACEscalation) Validate(ctx context.Context, a *Attributes) (func(), error) {
	if a.Resource.Group != "rbac.authorization.k8s.io" || a.Subresource != "" {
		return noop, nil
	}
	u, okUser := auth.UserFrom(ctx)
	az, okAuthz := auth.AuthorizerFrom(ctx)
	if !okUser || !okAuthz {
		return noop, nil
	}
	policy, okPolicy := rbac.In(az)
	if !okPolicy {
		return noop, nil
	}
	if err := policy.CheckWrite(az, u, a.Object, a.OldObject); err != nil {
		if apierrors.IsNotFound(err) {
			// A binding to a missing role, by a user who may not bind
			// it: 404 naming the role, as upstream's storage answers.
			return noop, err
		}
		return noop, forbidden(a, err)
	}
	return noop, nil
}
