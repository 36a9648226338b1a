package integration

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func ownerRef(cm *corev1.ConfigMap, block bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: cm.Name, UID: cm.UID, BlockOwnerDeletion: &block}
}

func createOwner(t *testing.T, ns, name string) *corev1.ConfigMap {
	t.Helper()
	cm, err := cs.CoreV1().ConfigMaps(ns).Create(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

func createDependent(t *testing.T, ns, name string, refs ...metav1.OwnerReference) *corev1.Secret {
	t.Helper()
	s, err := cs.CoreV1().Secrets(ns).Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: refs}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func gone(ctx context.Context, get func(ctx context.Context) (metav1.Object, error)) (bool, string, error) {
	o, err := get(ctx)
	if apierrors.IsNotFound(err) {
		return true, "", nil
	}
	if err != nil {
		return false, "", err
	}
	return false, fmt.Sprintf("%s still there: deletionTimestamp %v, finalizers %v, owners %v",
		o.GetName(), o.GetDeletionTimestamp(), o.GetFinalizers(), o.GetOwnerReferences()), nil
}

func secret(ns, name string) func(ctx context.Context) (metav1.Object, error) {
	return func(ctx context.Context) (metav1.Object, error) {
		return cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	}
}

func configMap(ns, name string) func(ctx context.Context) (metav1.Object, error) {
	return func(ctx context.Context) (metav1.Object, error) {
		return cs.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	}
}

func deleteOwner(t *testing.T, ns, name string, policy metav1.DeletionPropagation) {
	t.Helper()
	if err := cs.CoreV1().ConfigMaps(ns).Delete(context.Background(), name, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
		t.Fatal(err)
	}
}

func TestGarbageCollectorBackground(t *testing.T) {
	ns := newNamespace(t, "gc-bg")
	owner := createOwner(t, ns, "owner")
	createDependent(t, ns, "dep", ownerRef(owner, false))
	deleteOwner(t, ns, "owner", metav1.DeletePropagationBackground)
	eventually(t, "dependent collected", func(ctx context.Context) (bool, string, error) { return gone(ctx, secret(ns, "dep")) })
}

func TestGarbageCollectorDangling(t *testing.T) {
	ns := newNamespace(t, "gc-dangling")
	alive := createOwner(t, ns, "alive")
	missing := metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "never", UID: types.UID("00000000-0000-0000-0000-000000000001")}
	createDependent(t, ns, "orphaned", missing)
	createDependent(t, ns, "shared", ownerRef(alive, false), missing)
	eventually(t, "dependent of a missing owner collected", func(ctx context.Context) (bool, string, error) {
		return gone(ctx, secret(ns, "orphaned"))
	})
	eventually(t, "reference to the missing owner removed", func(ctx context.Context) (bool, string, error) {
		s, err := cs.CoreV1().Secrets(ns).Get(ctx, "shared", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		refs := s.OwnerReferences
		return len(refs) == 1 && refs[0].UID == alive.UID, fmt.Sprintf("owners %v", refs), nil
	})
}

// waitSecretsObserved returns once the garbage collector has seen every
// Secret of ns created so far. Upstream's TestOrphaning waits the same way
// (GraphHasUID): when the owner's deletion reaches the collector before
// its dependent's creation, there is nothing to orphan yet, and the
// dependent later looks dangling and is deleted. The barrier is a Secret
// whose owner never existed: the collector deletes it once it sees it,
// and it sees Secrets in the order they were written.
func waitSecretsObserved(t *testing.T, ns string) {
	t.Helper()
	name := fmt.Sprintf("gc-barrier-%d", seq.Add(1))
	createDependent(t, ns, name, metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "never-existed", UID: types.UID("00000000-0000-0000-0000-" + fmt.Sprintf("%012d", seq.Add(1)))})
	eventually(t, "barrier "+name+" collected", func(ctx context.Context) (bool, string, error) { return gone(ctx, secret(ns, name)) })
}

func TestGarbageCollectorOrphan(t *testing.T) {
	ns := newNamespace(t, "gc-orphan")
	owner := createOwner(t, ns, "owner")
	createDependent(t, ns, "dep", ownerRef(owner, true))
	waitSecretsObserved(t, ns)
	deleteOwner(t, ns, "owner", metav1.DeletePropagationOrphan)
	eventually(t, "owner gone", func(ctx context.Context) (bool, string, error) { return gone(ctx, configMap(ns, "owner")) })
	s, err := cs.CoreV1().Secrets(ns).Get(context.Background(), "dep", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("orphaned dependent: %v; want it kept", err)
	}
	if len(s.OwnerReferences) != 0 {
		t.Errorf("orphaned dependent owners = %v; want none", s.OwnerReferences)
	}
}

func TestGarbageCollectorForeground(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "gc-fg")
	owner := createOwner(t, ns, "owner")
	createDependent(t, ns, "blocker", ownerRef(owner, true))
	createDependent(t, ns, "other", ownerRef(owner, false))
	// The blocker holds on through a finalizer of its own, so the owner
	// must be seen waiting for it.
	b, err := cs.CoreV1().Secrets(ns).Get(ctx, "blocker", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.Finalizers = []string{"example.com/hold"}
	if _, err := cs.CoreV1().Secrets(ns).Update(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	deleteOwner(t, ns, "owner", metav1.DeletePropagationForeground)
	eventually(t, "dependents deleted, owner waiting", func(ctx context.Context) (bool, string, error) {
		o, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "owner", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		b, err := cs.CoreV1().Secrets(ns).Get(ctx, "blocker", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		otherGone, _, err := gone(ctx, secret(ns, "other"))
		if err != nil {
			return false, "", err
		}
		return o.DeletionTimestamp != nil && b.DeletionTimestamp != nil && otherGone,
			fmt.Sprintf("owner finalizers %v, blocker deleting %v, other gone %v", o.Finalizers, b.DeletionTimestamp != nil, otherGone), nil
	})
	b, err = cs.CoreV1().Secrets(ns).Get(ctx, "blocker", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.Finalizers = nil
	if _, err := cs.CoreV1().Secrets(ns).Update(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "owner gone after its blocker", func(ctx context.Context) (bool, string, error) { return gone(ctx, configMap(ns, "owner")) })
}
