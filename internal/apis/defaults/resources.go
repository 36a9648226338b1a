package defaults

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// roundResourceList rounds every quantity of rl up to milli precision, as
// upstream does for each ResourceList it decodes (so "100n" CPU becomes
// "1m").
func roundResourceList(rl corev1.ResourceList) {
	for name, q := range rl {
		q.RoundUp(resource.Milli)
		rl[name] = q
	}
}

// roundRequirements rounds the limits and requests of r; nil is ignored.
func roundRequirements(r *corev1.ResourceRequirements) {
	if r == nil {
		return
	}
	roundResourceList(r.Limits)
	roundResourceList(r.Requests)
}
