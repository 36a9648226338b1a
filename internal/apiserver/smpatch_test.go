package apiserver

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// strategicPatchPod is mergePatchPod with more lists: two conditions,
// two containers with env, an owner reference and a finalizer.
func strategicPatchPod() *corev1.Pod {
	p := mergePatchPod()
	p.Finalizers = []string{"f1"}
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "rs-uid"}}
	p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}}
	p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "side", Image: "s"})
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse})
	return p
}

// strategicPatchCases are strategic merge patches of the pod above: fast
// says whether strategicPatchTyped takes them.
var strategicPatchCases = []struct {
	name, patch string
	fast        bool
}{
	{"scheduler's condition, existing", `{"status":{"conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/3 nodes are available","lastProbeTime":null,"lastTransitionTime":"2024-01-02T03:04:05Z"}]}}`, true},
	{"condition merged, fields nulled", `{"status":{"conditions":[{"type":"Ready","status":"True","reason":null}]}}`, true},
	{"two conditions in the list's order", `{"status":{"conditions":[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"True"}]}}`, true},
	{"two conditions out of order", `{"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"PodScheduled","status":"True"}]}}`, false},
	{"a new condition", `{"status":{"conditions":[{"type":"Initialized","status":"True"}]}}`, false},
	{"conditions on an empty list", `{"status":{"containerStatuses":[{"name":"c","ready":true,"restartCount":0,"image":"i","imageID":""}]}}`, true},
	{"empty list patch keeps the list", `{"status":{"conditions":[]}}`, true},
	{"duplicate keys", `{"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Ready","status":"False"}]}}`, false},
	{"element without its key", `{"status":{"conditions":[{"status":"True"}]}}`, false},
	{"empty key", `{"status":{"conditions":[{"type":"","status":"True"}]}}`, false},
	{"null element", `{"status":{"conditions":[null]}}`, false},
	{"set image", `{"spec":{"containers":[{"name":"side","image":"s2"}]}}`, true},
	{"env merged in a container", `{"spec":{"containers":[{"name":"c","env":[{"name":"B","value":"3"}]}]}}`, true},
	{"env var added", `{"spec":{"containers":[{"name":"c","env":[{"name":"C","value":"3"}]}]}}`, false},
	{"ports keyed by a number", `{"spec":{"containers":[{"name":"c","ports":[{"containerPort":80}]}]}}`, false},
	{"tolerations replaced", `{"spec":{"tolerations":[{"key":"k","operator":"Exists"}]}}`, true},
	{"finalizers merged as scalars", `{"metadata":{"finalizers":["f2"]}}`, false},
	{"owner reference merged", `{"metadata":{"ownerReferences":[{"uid":"rs-uid","controller":true,"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs"}]}}`, true},
	{"labels", `{"metadata":{"labels":{"app":null,"new":"x"}}}`, true},
	{"pointer struct merged", `{"spec":{"securityContext":{"runAsUser":5,"runAsGroup":null}}}`, true},
	{"pointer struct with a merged list", `{"spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"a","operator":"Exists"}]}]}}}}}`, true},
	{"quantity map", `{"spec":{"overhead":{"cpu":"1","memory":null}}}`, true},
	{"nominated node", `{"status":{"nominatedNodeName":"n2"}}`, true},
	{"directive $patch", `{"status":{"conditions":[{"type":"Ready","$patch":"delete"}]}}`, false},
	{"directive $setElementOrder", `{"status":{"$setElementOrder/conditions":[{"type":"Ready"}],"conditions":[{"type":"Ready","status":"True"}]}}`, false},
	{"directive $retainKeys", `{"spec":{"securityContext":{"$retainKeys":["runAsUser"],"runAsUser":5}}}`, false},
	{"unknown field", `{"status":{"bogus":1}}`, false},
	{"wrong type", `{"spec":{"nodeName":5}}`, false},
	{"kind", `{"kind":"Pod"}`, false},
	{"not an object", `[]`, false},
}

// checkStrategicPatchTyped is checkTypedPatch for strategicPatchTyped.
func checkStrategicPatchTyped(t *testing.T, patch []byte) bool {
	t.Helper()
	return checkTypedPatch(t, types.StrategicMergePatchType, strategicPatchPod(), strategicPatchTyped, patch)
}

func TestStrategicPatchTyped(t *testing.T) {
	for _, tc := range strategicPatchCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkStrategicPatchTyped(t, []byte(tc.patch)); got != tc.fast {
				t.Errorf("typed path taken = %v; want %v", got, tc.fast)
			}
		})
	}
}

// FuzzStrategicPatchTyped: whatever the patch, the typed path either
// declines it or gives exactly the document path's object. base, a merge
// patch applied first, varies the object patched (duplicate keys, empty
// lists, elements of any kind).
func FuzzStrategicPatchTyped(f *testing.F) {
	bases := []string{"",
		`{"spec":{"containers":[{"name":"c","image":"i","env":[{"name":"A","value":"1"},{"name":"B"},{"name":"A","value":"3"}]}]}}`,
		`{"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Ready","status":"False"},{"type":""}]}}`,
		`{"spec":{"hostAliases":[{"ip":"","hostnames":["a"]},{"ip":"10.0.0.1"}]},"metadata":{"ownerReferences":null}}`,
	}
	for _, b := range bases {
		for _, tc := range strategicPatchCases {
			f.Add([]byte(b), []byte(tc.patch))
		}
	}
	for _, tc := range mergePatchCases {
		f.Add([]byte(""), []byte(tc.patch))
	}
	f.Fuzz(func(t *testing.T, base, patch []byte) {
		cur := strategicPatchPod()
		if len(base) > 0 {
			s, ep := mergePatchEndpoint()
			obj, _, err := s.applyPatchDocument(ep, cur, types.MergePatchType, base, validationIgnore)
			if err != nil {
				return
			}
			cur = obj.(*corev1.Pod)
		}
		checkTypedPatch(t, types.StrategicMergePatchType, cur, strategicPatchTyped, patch)
	})
}

// TestStrategicPatchTypedDuplicateKeys: a list holding two elements with
// one key (env vars may) is left to the document path, which orders such
// elements its own way.
func TestStrategicPatchTypedDuplicateKeys(t *testing.T) {
	p := strategicPatchPod()
	p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}, {Name: "A", Value: "3"}}
	patch := []byte(`{"spec":{"containers":[{"name":"c","env":[{"name":"B","value":"9"}]}]}}`)
	if checkTypedPatch(t, types.StrategicMergePatchType, p, strategicPatchTyped, patch) {
		t.Errorf("typed path took a patch of a list with duplicate keys")
	}
}
