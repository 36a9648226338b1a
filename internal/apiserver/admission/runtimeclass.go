package admission

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// RuntimeClass is upstream's plugin of that name for a server that serves
// no RuntimeClasses (node.k8s.io is not served, and the node agent's
// runtimes have one handler): a new pod naming a spec.runtimeClassName
// names one that does not exist, and is refused as upstream refuses it,
// rather than run with the default handler.
type RuntimeClass struct{}

var _ Mutator = RuntimeClass{}

// Name is upstream's plugin name.
func (RuntimeClass) Name() string { return "RuntimeClass" }

// Mutate refuses a pod create that names a RuntimeClass.
func (RuntimeClass) Mutate(_ context.Context, a *Attributes) error {
	if !isPodCreate(a) {
		return nil
	}
	if name := a.Object.(*corev1.Pod).Spec.RuntimeClassName; name != nil && *name != "" {
		return forbidden(a, fmt.Errorf("pod rejected: RuntimeClass %q not found", *name))
	}
	return nil
}
