package bench

import (
	"context"
	"fmt"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Names of the RBAC set-up of a run with Config.RBACObjects >= 0.
const (
	benchUser      = "skiff-bench"
	benchRole      = "skiff-bench"
	rbacNamespace  = "bench-rbac"
	rbacObjectName = "bench-role-%d"
)

// setupRBAC makes the bench a non-admin user, so that RBAC decides every
// request of the rows (system:masters is allowed without looking at any
// role): a ClusterRole granting what the rows do (configmaps, pods,
// namespaces), bound to user skiff-bench by a ClusterRoleBinding; then n
// Roles and n RoleBindings in namespace bench-rbac, each binding role i to
// user bench-user-<i>, the policy the authorizer holds while the rows run.
// admin writes them; the rows then impersonate skiff-bench.
func setupRBAC(ctx context.Context, admin kubernetes.Interface, n int, progress func(string)) error {
	progress(fmt.Sprintf("bench: %d roles and role bindings; the client is user %s", n, benchUser))
	rbac := admin.RbacV1()
	all := []string{"create", "get", "list", "watch", "update", "patch", "delete", "deletecollection"}
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: benchRole}, Rules: []rbacv1.PolicyRule{
		{Verbs: all, APIGroups: []string{""}, Resources: []string{"configmaps", "pods", "namespaces"}},
	}}
	if _, err := rbac.ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("bench cluster role: %w", err)
	}
	bind := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: benchRole},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: benchRole},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: benchUser}}}
	if _, err := rbac.ClusterRoleBindings().Create(ctx, bind, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("bench cluster role binding: %w", err)
	}
	// The authorizer learns of bindings through its informers, a moment
	// after they are written (as upstream's): wait until it applies them.
	if err := waitAllowed(ctx, admin, authorizationv1.ResourceAttributes{Verb: "create", Resource: "namespaces"}, benchUser); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	if err := createNamespace(ctx, admin, rbacNamespace); err != nil {
		return err
	}
	res := run(ctx, plan{workers: 8, count: n}, func(ctx context.Context, i int) error {
		name := fmt.Sprintf(rbacObjectName, i)
		r := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: []rbacv1.PolicyRule{
			{Verbs: []string{"get", "list"}, APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{name}},
		}}
		if _, err := rbac.Roles(rbacNamespace).Create(ctx, r, metav1.CreateOptions{}); err != nil {
			return err
		}
		b := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: fmt.Sprintf("bench-user-%d", i)}}}
		_, err := rbac.RoleBindings(rbacNamespace).Create(ctx, b, metav1.CreateOptions{})
		return err
	})
	if res.firstErr != nil {
		return fmt.Errorf("create %d roles and bindings: %w", n, res.firstErr)
	}
	last := fmt.Sprintf(rbacObjectName, n-1)
	return waitAllowed(ctx, admin, authorizationv1.ResourceAttributes{Namespace: rbacNamespace, Verb: "get", Resource: "configmaps", Name: last},
		fmt.Sprintf("bench-user-%d", n-1))
}

// waitAllowed polls SubjectAccessReviews until user may do attrs (10 s at
// most).
func waitAllowed(ctx context.Context, admin kubernetes.Interface, attrs authorizationv1.ResourceAttributes, user string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user, ResourceAttributes: &attrs}}
		got, err := admin.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
		if err == nil && got.Status.Allowed {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bench: the authorizer never allowed %s to %s %s (%v)", user, attrs.Verb, attrs.Resource, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
