package admission

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
)

// NamespaceLifecycle refuses the creation of namespaced objects in a
// namespace that does not exist (404) or is being terminated (403 with the
// NamespaceTerminating cause), as upstream's plugin of that name.
type NamespaceLifecycle struct {
	store Store
}

// NamespaceLifecycle runs first in the mutating phase, as upstream (its
// Admit), so no other plugin looks up objects of a missing namespace.
var _ Mutator = (*NamespaceLifecycle)(nil)

// Name is upstream's plugin name.
func (*NamespaceLifecycle) Name() string { return "NamespaceLifecycle" }

// Mutate checks the namespace of a create; it changes nothing.
func (p *NamespaceLifecycle) Mutate(ctx context.Context, a *Attributes) error {
	if a.Operation != Create || a.Namespace == "" || a.Resource == namespacesGR {
		return nil
	}
	got, err := p.store.Get(ctx, namespacesGR, "", a.Namespace)
	if err != nil {
		return err
	}
	ns := got.(*corev1.Namespace)
	if ns.DeletionTimestamp == nil && ns.Status.Phase != corev1.NamespaceTerminating {
		return nil
	}
	err = forbidden(a, fmt.Errorf("unable to create new content in namespace %s because it is being terminated", a.Namespace))
	if se, ok := err.(*apierrors.StatusError); ok && se.ErrStatus.Details != nil {
		se.ErrStatus.Details.Causes = append(se.ErrStatus.Details.Causes, metav1.StatusCause{
			Type:    corev1.NamespaceTerminatingCause,
			Message: fmt.Sprintf("namespace %s is being terminated", a.Namespace),
			Field:   "metadata.namespace",
		})
	}
	return err
}

// randSuffix is the random part of generated names, as upstream's.
func randSuffix() string { return rand.String(5) }
