package garbagecollector

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ownerState is what became of one owner.
type ownerState int

const (
	// ownerAlive: the owner exists and is not waiting for its dependents.
	ownerAlive ownerState = iota
	// ownerGone: no object with the owner's UID exists (dangling).
	ownerGone
	// ownerWaiting: the owner is being deleted in the foreground and
	// waits for its dependents.
	ownerWaiting
)

// verdict is what to do with a dependent, given its owners.
type verdict struct {
	// delete, with policy, when no owner is alive.
	delete bool
	policy metav1.DeletionPropagation
	// patch, with owners as the new owner references, when some owners
	// are alive and others gone or waiting.
	patch  bool
	owners []metav1.OwnerReference
}

// judge decides the fate of a dependent from the state of each of its
// owners (states[i] belongs to owners[i]) and whether it has dependents of
// its own.
func judge(owners []metav1.OwnerReference, states []ownerState, hasDependents bool) verdict {
	alive, waiting, gone := 0, 0, 0
	for _, s := range states {
		switch s {
		case ownerAlive:
			alive++
		case ownerWaiting:
			waiting++
		case ownerGone:
			gone++
		}
	}
	if gone+waiting == 0 {
		return verdict{}
	}
	if alive == 0 {
		if waiting > 0 && hasDependents {
			return verdict{delete: true, policy: metav1.DeletePropagationForeground}
		}
		return verdict{delete: true, policy: metav1.DeletePropagationBackground}
	}
	var kept []metav1.OwnerReference
	changed := false
	for i, o := range owners {
		switch states[i] {
		case ownerGone:
			changed = true
			continue
		case ownerWaiting:
			if o.BlockOwnerDeletion != nil && *o.BlockOwnerDeletion {
				o = *o.DeepCopy()
				f := false
				o.BlockOwnerDeletion = &f
				changed = true
			}
		}
		kept = append(kept, o)
	}
	if !changed {
		return verdict{}
	}
	return verdict{patch: true, owners: kept}
}

// blocking reports whether dependent d holds back the foreground deletion
// of owner: it names owner with blockOwnerDeletion.
func blocking(d node, owner node) bool {
	for _, o := range d.owners {
		if o.UID == owner.uid && o.BlockOwnerDeletion != nil && *o.BlockOwnerDeletion {
			return true
		}
	}
	return false
}

// withoutOwner returns refs without the reference to owner uid.
func withoutOwner(refs []metav1.OwnerReference, owner node) []metav1.OwnerReference {
	var out []metav1.OwnerReference
	for _, r := range refs {
		if r.UID != owner.uid {
			out = append(out, r)
		}
	}
	return out
}

// hasFinalizer reports whether n carries finalizer f.
func hasFinalizer(n node, f string) bool { return slices.Contains(n.finalizers, f) }

// without returns fs without f.
func without(fs []string, f string) []string {
	var out []string
	for _, x := range fs {
		if x != f {
			out = append(out, x)
		}
	}
	return out
}
