package history

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/rand"
)

const (
	// StatefulSetHashLabel is the label upstream's controller history puts
	// on a StatefulSet's ControllerRevisions: controller.kubernetes.io/hash.
	StatefulSetHashLabel = "controller.kubernetes.io/hash"
	// PodHashLabel is controller-revision-hash: on pods it names their
	// revision (StatefulSet: the revision name; DaemonSet: the hash), and
	// it labels a DaemonSet's ControllerRevisions.
	PodHashLabel = appsv1.ControllerRevisionHashLabelKey
	// maxPrefix keeps <parent>-<hash> within a DNS subdomain, as upstream.
	maxPrefix = 223
)

// Hash is the hash of a revision's data and the parent's collision count:
// fnv-32a, encoded with the alphabet Kubernetes uses for generated names.
func Hash(data []byte, collisionCount *int32) string {
	h := fnv.New32a()
	_, _ = h.Write(data)
	if collisionCount != nil {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], uint32(*collisionCount))
		_, _ = h.Write(b[:])
	}
	return rand.SafeEncodeString(strconv.FormatUint(uint64(h.Sum32()), 10))
}

// Name is <parent>-<hash>, the parent name cut to 223 characters.
func Name(parent, hash string) string {
	if len(parent) > maxPrefix {
		parent = parent[:maxPrefix]
	}
	return parent + "-" + hash
}

// TemplatePatch is the revision data of a pod template: a strategic merge
// patch that replaces spec.template whole.
func TemplatePatch(t *corev1.PodTemplateSpec) ([]byte, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	var tmpl map[string]any
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		return nil, err
	}
	tmpl["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": tmpl}})
}

// Template decodes the pod template a revision made by TemplatePatch
// holds.
func Template(rev *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
	var patch struct {
		Spec struct {
			Template *corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(rev.Data.Raw, &patch); err != nil {
		return nil, fmt.Errorf("controllerrevision %s: %w", rev.Name, err)
	}
	if patch.Spec.Template == nil {
		return nil, fmt.Errorf("controllerrevision %s holds no pod template", rev.Name)
	}
	return patch.Spec.Template, nil
}

// New is a revision of parent (of kind gvk) holding data, named and
// labelled (hashLabel) with Hash(data, collisionCount); labels are the
// template's labels, annotations the parent's.
func New(parent metav1.Object, gvk schema.GroupVersionKind, labels map[string]string, data []byte, revision int64, collisionCount *int32, hashLabel string) *appsv1.ControllerRevision {
	hash := Hash(data, collisionCount)
	l := maps.Clone(labels)
	if l == nil {
		l = map[string]string{}
	}
	l[hashLabel] = hash
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name:            Name(parent.GetName(), hash),
			Namespace:       parent.GetNamespace(),
			Labels:          l,
			Annotations:     maps.Clone(parent.GetAnnotations()),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(parent, gvk)},
		},
		Data:     runtime.RawExtension{Raw: data},
		Revision: revision,
	}
}

// Equal reports whether two revisions snapshot the same template: equal
// data, and equal hash labels where both have one.
func Equal(a, b *appsv1.ControllerRevision, hashLabel string) bool {
	if a == nil || b == nil {
		return a == b
	}
	ha, oka := a.Labels[hashLabel]
	hb, okb := b.Labels[hashLabel]
	if oka && okb && ha != hb {
		return false
	}
	return bytes.Equal(a.Data.Raw, b.Data.Raw)
}

// FindEqual returns the revisions of revs Equal to needle, in revs' order.
func FindEqual(revs []*appsv1.ControllerRevision, needle *appsv1.ControllerRevision, hashLabel string) []*appsv1.ControllerRevision {
	var out []*appsv1.ControllerRevision
	for _, r := range revs {
		if Equal(r, needle, hashLabel) {
			out = append(out, r)
		}
	}
	return out
}

// Sort orders revs by revision number, then creation time, then name.
func Sort(revs []*appsv1.ControllerRevision) {
	sort.SliceStable(revs, func(i, j int) bool {
		a, b := revs[i], revs[j]
		if a.Revision != b.Revision {
			return a.Revision < b.Revision
		}
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return a.Name < b.Name
	})
}

// Next is the revision number after the highest of revs (1 for none).
func Next(revs []*appsv1.ControllerRevision) int64 {
	var n int64
	for _, r := range revs {
		n = max(n, r.Revision)
	}
	return n + 1
}

// ToTrim returns the revisions to delete so that at most limit revisions
// not named in live remain: the oldest ones. revs must be sorted.
func ToTrim(revs []*appsv1.ControllerRevision, live map[string]bool, limit int) []*appsv1.ControllerRevision {
	var dead []*appsv1.ControllerRevision
	for _, r := range revs {
		if !live[r.Name] {
			dead = append(dead, r)
		}
	}
	if excess := len(dead) - max(limit, 0); excess > 0 {
		return dead[:excess]
	}
	return nil
}
