package deployment

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/rand"
)

// fenceposts resolves maxSurge (rounded up) and maxUnavailable (rounded
// down) against replicas; when both come to zero, maxUnavailable is 1, as
// upstream, so a rollout can always make progress.
func fenceposts(surge, unavailable *intstr.IntOrString, replicas int32) (int32, int32, error) {
	def := intstr.FromString("25%")
	if surge == nil {
		surge = &def
	}
	if unavailable == nil {
		unavailable = &def
	}
	s, err := intstr.GetScaledValueFromIntOrPercent(surge, int(replicas), true)
	if err != nil {
		return 0, 0, fmt.Errorf("maxSurge: %w", err)
	}
	u, err := intstr.GetScaledValueFromIntOrPercent(unavailable, int(replicas), false)
	if err != nil {
		return 0, 0, fmt.Errorf("maxUnavailable: %w", err)
	}
	if s == 0 && u == 0 {
		u = 1
	}
	return int32(s), int32(u), nil
}

// scaleUpNew returns the replicas the new ReplicaSet should have: more
// only while all ReplicaSets together stay within replicas+maxSurge.
func scaleUpNew(replicas, maxSurge, totalSpec, newSpec int32) int32 {
	if newSpec >= replicas {
		return replicas
	}
	room := replicas + maxSurge - totalSpec
	if room <= 0 {
		return newSpec
	}
	return newSpec + min(room, replicas-newSpec)
}

// oldSet is one old ReplicaSet as the scale-down sees it, oldest first.
type oldSet struct {
	spec, available int32
}

// scaleDownOld returns the new spec of each old ReplicaSet: first unhealthy
// replicas are removed within what the new ReplicaSet's unavailable pods
// leave, then available ones while replicas-maxUnavailable stay available.
func scaleDownOld(olds []oldSet, replicas, maxUnavailable, newSpec, newAvailable int32) []int32 {
	out := make([]int32, len(olds))
	all, available := newSpec, newAvailable
	for i, o := range olds {
		out[i] = o.spec
		all += o.spec
		available += min(o.available, o.spec)
	}
	minAvailable := replicas - maxUnavailable
	budget := all - minAvailable - (newSpec - newAvailable)
	for i, o := range olds {
		if budget <= 0 {
			break
		}
		d := min(max(o.spec-o.available, 0), budget)
		out[i] -= d
		budget -= d
	}
	canDown := available - minAvailable
	for i := range olds {
		if canDown <= 0 {
			break
		}
		d := min(out[i], canDown)
		out[i] -= d
		canDown -= d
	}
	return out
}

// templateHash is the pod-template-hash of a template and collision count.
func templateHash(t *corev1.PodTemplateSpec, collisions *int32) string {
	h := fnv.New32a()
	b, _ := json.Marshal(t) // a PodTemplateSpec always marshals
	h.Write(b)
	if collisions != nil {
		h.Write([]byte(strconv.Itoa(int(*collisions))))
	}
	return rand.SafeEncodeString(strconv.FormatUint(uint64(h.Sum32()), 10))
}

// revision reads the revision annotation of rs; 0 when absent.
func revision(rs *appsv1.ReplicaSet) int64 {
	v, err := strconv.ParseInt(rs.Annotations[revisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return v
}
