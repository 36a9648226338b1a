// Package dedup owns the sharing of equal parts between cached objects.
//
// Pods made from one template are mostly the same: their labels, owner
// references, container resources, ports, env, probes, tolerations and
// the projected service account volume are equal field for field, yet an
// informer decodes a fresh copy of each for every pod. A Sharer replaces
// such a part of a pod with an equal one it has seen before, so that ten
// thousand pods of one Deployment hold one requests map, not ten
// thousand.
//
// Sharing is safe only because informer caches are read-only by contract:
// a reader that changes a cached object must DeepCopy it first, and a
// DeepCopy copies the shared parts too. A Sharer is meant for informer
// transforms and nothing else.
//
// Parts are compared by their protobuf encoding. The tables that hold the
// parts seen are bounded: a full table is emptied and starts again, which
// costs some sharing, never correctness.
package dedup
