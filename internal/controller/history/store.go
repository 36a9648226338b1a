package history

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
)

// Store reads a parent's ControllerRevisions from an informer cache and
// writes them through the API. It is safe for concurrent use.
type Store struct {
	client kubernetes.Interface
	lister appslisters.ControllerRevisionLister
	// HashLabel is the label that carries a revision's hash.
	HashLabel string
}

// NewStore returns a Store whose revisions carry their hash in hashLabel.
func NewStore(client kubernetes.Interface, lister appslisters.ControllerRevisionLister, hashLabel string) *Store {
	return &Store{client: client, lister: lister, HashLabel: hashLabel}
}

// List returns parent's revisions sorted by Sort: those it controls, and
// orphans its selector matches, which it adopts (unless parent is being
// deleted). Owned revisions the selector no longer matches are released.
func (s *Store) List(ctx context.Context, parent metav1.Object, gvk schema.GroupVersionKind, sel labels.Selector) ([]*appsv1.ControllerRevision, error) {
	all, err := s.lister.ControllerRevisions(parent.GetNamespace()).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var out []*appsv1.ControllerRevision
	for _, r := range all {
		matches := !sel.Empty() && sel.Matches(labels.Set(r.Labels))
		ref := metav1.GetControllerOfNoCopy(r)
		switch {
		case ref != nil && ref.UID != parent.GetUID():
		case ref != nil && matches:
			out = append(out, r)
		case ref != nil:
			refs := slices.DeleteFunc(slices.Clone(r.OwnerReferences), func(o metav1.OwnerReference) bool { return o.UID == parent.GetUID() })
			if err := s.patchOwners(ctx, r, refs); err != nil {
				return nil, err
			}
		case matches && parent.GetDeletionTimestamp() == nil:
			refs := append(slices.Clone(r.OwnerReferences), *metav1.NewControllerRef(parent, gvk))
			if err := s.patchOwners(ctx, r, refs); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	Sort(out)
	return out, nil
}

func (s *Store) patchOwners(ctx context.Context, r *appsv1.ControllerRevision, refs []metav1.OwnerReference) error {
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{"ownerReferences": refs, "resourceVersion": r.ResourceVersion}})
	if err != nil {
		return err
	}
	_, err = s.client.AppsV1().ControllerRevisions(r.Namespace).Patch(ctx, r.Name, types.MergePatchType, data, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// Create creates rev for parent. When a different revision already holds
// its name (a hash collision), it increments *collisionCount, renames rev
// and tries again; when an equal one does, it returns that one.
func (s *Store) Create(ctx context.Context, parent metav1.Object, rev *appsv1.ControllerRevision, collisionCount *int32) (*appsv1.ControllerRevision, error) {
	if collisionCount == nil {
		return nil, fmt.Errorf("controllerrevision of %s: collision count is nil", parent.GetName())
	}
	for {
		c := rev.DeepCopy()
		hash := Hash(c.Data.Raw, collisionCount)
		c.Name = Name(parent.GetName(), hash)
		c.Namespace = parent.GetNamespace()
		c.Labels = maps.Clone(c.Labels)
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		c.Labels[s.HashLabel] = hash
		created, err := s.client.AppsV1().ControllerRevisions(c.Namespace).Create(ctx, c, metav1.CreateOptions{})
		if !apierrors.IsAlreadyExists(err) {
			return created, err
		}
		exists, err := s.client.AppsV1().ControllerRevisions(c.Namespace).Get(ctx, c.Name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if bytes.Equal(exists.Data.Raw, c.Data.Raw) {
			return exists, nil
		}
		*collisionCount++
	}
}

// Renumber sets rev's revision number to n.
func (s *Store) Renumber(ctx context.Context, rev *appsv1.ControllerRevision, n int64) (*appsv1.ControllerRevision, error) {
	if rev.Revision == n {
		return rev, nil
	}
	c := rev.DeepCopy()
	c.Revision = n
	return s.client.AppsV1().ControllerRevisions(c.Namespace).Update(ctx, c, metav1.UpdateOptions{})
}

// Delete deletes rev; a revision already gone is no error.
func (s *Store) Delete(ctx context.Context, rev *appsv1.ControllerRevision) error {
	err := s.client.AppsV1().ControllerRevisions(rev.Namespace).Delete(ctx, rev.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &rev.UID}})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
