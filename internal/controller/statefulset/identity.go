package statefulset

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-dev/skiff/internal/controller/history"
)

// Pod labels the controller sets, as upstream.
const (
	podNameLabel  = appsv1.StatefulSetPodNameLabel // statefulset.kubernetes.io/pod-name
	podIndexLabel = appsv1.PodIndexLabel           // apps.kubernetes.io/pod-index
	revisionLabel = history.PodHashLabel           // controller-revision-hash
)

var kind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")

// replicasOf is spec.replicas, 1 when unset.
func replicasOf(set *appsv1.StatefulSet) int {
	if set.Spec.Replicas == nil {
		return 1
	}
	return int(*set.Spec.Replicas)
}

// startOf is spec.ordinals.start, 0 when unset.
func startOf(set *appsv1.StatefulSet) int {
	if set.Spec.Ordinals == nil {
		return 0
	}
	return int(set.Spec.Ordinals.Start)
}

// podName is <set>-<ordinal>.
func podName(set string, ord int) string { return set + "-" + strconv.Itoa(ord) }

// ordinalOf parses the ordinal of a pod named <set>-<i>; -1 when the name
// does not have that form.
func ordinalOf(set, pod string) int {
	rest, ok := strings.CutPrefix(pod, set+"-")
	if !ok || rest == "" || (len(rest) > 1 && rest[0] == '0') {
		return -1
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// claimName is <template>-<set>-<ordinal>.
func claimName(template, set string, ord int) string {
	return fmt.Sprintf("%s-%s-%d", template, set, ord)
}

// revisionOf is the revision a pod was made from.
func revisionOf(p *corev1.Pod) string { return p.Labels[revisionLabel] }

// newPod is the pod for ordinal ord of set made from template at revision.
func newPod(set *appsv1.StatefulSet, template *corev1.PodTemplateSpec, revision string, ord int) *corev1.Pod {
	name := podName(set.Name, ord)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Namespace:       set.Namespace,
			Labels:          maps.Clone(template.Labels),
			Annotations:     maps.Clone(template.Annotations),
			Finalizers:      slices.Clone(template.Finalizers),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, kind)},
		},
		Spec: *template.Spec.DeepCopy(),
	}
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels[podNameLabel] = name
	p.Labels[podIndexLabel] = strconv.Itoa(ord)
	p.Labels[revisionLabel] = revision
	p.Spec.Hostname = name
	if set.Spec.ServiceName != "" {
		p.Spec.Subdomain = set.Spec.ServiceName
	}
	setClaimVolumes(set, p, ord)
	return p
}

// setClaimVolumes points a volume per volumeClaimTemplate at the pod's
// claim, replacing template volumes of the same name.
func setClaimVolumes(set *appsv1.StatefulSet, p *corev1.Pod, ord int) {
	for _, t := range set.Spec.VolumeClaimTemplates {
		v := corev1.Volume{Name: t.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName(t.Name, set.Name, ord)}}}
		i := slices.IndexFunc(p.Spec.Volumes, func(x corev1.Volume) bool { return x.Name == t.Name })
		if i >= 0 {
			p.Spec.Volumes[i] = v
		} else {
			p.Spec.Volumes = append(p.Spec.Volumes, v)
		}
	}
}

// newClaims are the PVCs ordinal ord of set uses, by name.
func newClaims(set *appsv1.StatefulSet, ord int) []*corev1.PersistentVolumeClaim {
	var out []*corev1.PersistentVolumeClaim
	for _, t := range set.Spec.VolumeClaimTemplates {
		c := &corev1.PersistentVolumeClaim{ObjectMeta: *t.ObjectMeta.DeepCopy(), Spec: *t.Spec.DeepCopy()}
		c.Name = claimName(t.Name, set.Name, ord)
		c.Namespace = set.Namespace
		c.ResourceVersion, c.UID = "", ""
		if set.Spec.Selector != nil && len(set.Spec.Selector.MatchLabels) > 0 {
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			maps.Copy(c.Labels, set.Spec.Selector.MatchLabels)
		}
		out = append(out, c)
	}
	return out
}

// identityLabels returns the identity labels p lacks, nil when it has
// them all.
func identityLabels(set *appsv1.StatefulSet, p *corev1.Pod, ord int) map[string]string {
	want := map[string]string{podNameLabel: podName(set.Name, ord), podIndexLabel: strconv.Itoa(ord)}
	for k, v := range want {
		if p.Labels[k] == v {
			delete(want, k)
		}
	}
	if len(want) == 0 {
		return nil
	}
	return want
}
