package rbac

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

const fieldManager = "skiff-rbac-bootstrap"

// EnsurePolicy creates the default cluster roles and bindings and
// reconciles those that exist, as upstream's auto-reconcile at start: a
// role gains the default rules, aggregation selectors, labels and
// annotations it lacks (extra rules stay); a binding gains the missing
// subjects and is recreated if it names another role. Objects annotated
// rbac.authorization.kubernetes.io/autoupdate=false are left alone. Last,
// it brings every aggregating cluster role's rules up to date, so the
// policy is complete when it returns. It is idempotent.
func EnsurePolicy(ctx context.Context, client kubernetes.Interface) error {
	for _, want := range DefaultClusterRoles() {
		if err := retryWrite(func() error { return ensureClusterRole(ctx, client, want) }); err != nil {
			return fmt.Errorf("cluster role %s: %w", want.Name, err)
		}
	}
	for _, want := range DefaultClusterRoleBindings() {
		if err := retryWrite(func() error { return ensureClusterRoleBinding(ctx, client, want) }); err != nil {
			return fmt.Errorf("cluster role binding %s: %w", want.Name, err)
		}
	}
	return retryWrite(func() error { return aggregateStored(ctx, client) })
}

// retryWrite retries fn when a concurrent writer (another server on the
// same etcd) got there first.
func retryWrite(fn func() error) error {
	return retry.OnError(retry.DefaultRetry, func(err error) bool {
		return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) || apierrors.IsNotFound(err)
	}, fn)
}

func autoUpdate(m metav1.ObjectMeta) bool { return m.Annotations[AutoUpdateKey] != "false" }

func ensureClusterRole(ctx context.Context, client kubernetes.Interface, want *rbacv1.ClusterRole) error {
	roles := client.RbacV1().ClusterRoles()
	cur, err := roles.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = roles.Create(ctx, want, metav1.CreateOptions{FieldManager: fieldManager})
		return err
	}
	if err != nil || !autoUpdate(cur.ObjectMeta) {
		return err
	}
	got := reconcileClusterRole(cur, want)
	if equality.Semantic.DeepEqual(got, cur) {
		return nil
	}
	_, err = roles.Update(ctx, got, metav1.UpdateOptions{FieldManager: fieldManager})
	return err
}

// reconcileClusterRole returns cur with what want has and cur lacks.
func reconcileClusterRole(cur, want *rbacv1.ClusterRole) *rbacv1.ClusterRole {
	got := cur.DeepCopy()
	got.Labels = mergeMaps(want.Labels, got.Labels)
	got.Annotations = mergeMaps(want.Annotations, got.Annotations)
	if want.AggregationRule != nil {
		if got.AggregationRule == nil {
			got.AggregationRule = &rbacv1.AggregationRule{}
		}
		for _, sel := range want.AggregationRule.ClusterRoleSelectors {
			if !hasSelector(got.AggregationRule.ClusterRoleSelectors, sel) {
				got.AggregationRule.ClusterRoleSelectors = append(got.AggregationRule.ClusterRoleSelectors, sel)
			}
		}
	}
	// An aggregated role's rules belong to the aggregation.
	if want.AggregationRule == nil || got.AggregationRule == nil {
		for _, r := range want.Rules {
			if !hasRule(got.Rules, r) {
				got.Rules = append(got.Rules, r)
			}
		}
	}
	return got
}

func hasSelector(sels []metav1.LabelSelector, s metav1.LabelSelector) bool {
	for i := range sels {
		if equality.Semantic.DeepEqual(sels[i], s) {
			return true
		}
	}
	return false
}

// mergeMaps is want overlaid by have: existing values win.
func mergeMaps(want, have map[string]string) map[string]string {
	if len(want) == 0 && have == nil {
		return nil
	}
	out := make(map[string]string, len(want)+len(have))
	for k, v := range want {
		out[k] = v
	}
	for k, v := range have {
		out[k] = v
	}
	return out
}

func ensureClusterRoleBinding(ctx context.Context, client kubernetes.Interface, want *rbacv1.ClusterRoleBinding) error {
	bindings := client.RbacV1().ClusterRoleBindings()
	cur, err := bindings.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = bindings.Create(ctx, want, metav1.CreateOptions{FieldManager: fieldManager})
		return err
	}
	if err != nil || !autoUpdate(cur.ObjectMeta) {
		return err
	}
	got := cur.DeepCopy()
	got.Labels = mergeMaps(want.Labels, got.Labels)
	got.Annotations = mergeMaps(want.Annotations, got.Annotations)
	for _, s := range want.Subjects {
		if !hasSubject(got.Subjects, s) {
			got.Subjects = append(got.Subjects, s)
		}
	}
	if got.RoleRef != want.RoleRef {
		// The role reference is immutable: replace the binding.
		if err := bindings.Delete(ctx, cur.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &cur.UID}}); err != nil {
			return err
		}
		got.RoleRef = want.RoleRef
		got.ResourceVersion, got.UID = "", ""
		_, err = bindings.Create(ctx, got, metav1.CreateOptions{FieldManager: fieldManager})
		return err
	}
	if equality.Semantic.DeepEqual(got, cur) {
		return nil
	}
	_, err = bindings.Update(ctx, got, metav1.UpdateOptions{FieldManager: fieldManager})
	return err
}

func hasSubject(subjects []rbacv1.Subject, s rbacv1.Subject) bool {
	for _, have := range subjects {
		if have.Kind == s.Kind && have.Name == s.Name && have.Namespace == s.Namespace {
			return true
		}
	}
	return false
}

// aggregateStored computes the rules of every aggregating cluster role
// in storage and writes those that changed.
func aggregateStored(ctx context.Context, client kubernetes.Interface) error {
	list, err := client.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	roles := make([]*rbacv1.ClusterRole, len(list.Items))
	for i := range list.Items {
		roles[i] = &list.Items[i]
	}
	for i, got := range aggregateAll(roles) {
		if equality.Semantic.DeepEqual(got.Rules, roles[i].Rules) {
			continue
		}
		if _, err := client.RbacV1().ClusterRoles().Update(ctx, got, metav1.UpdateOptions{FieldManager: fieldManager}); err != nil {
			return err
		}
	}
	return nil
}
