package kubelet

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/protoenvelope"
)

// statusBase is the pod as the worker last knows it: the pod from the
// API, or, while the API has brought only pods older than the one the
// last write produced (writtenRV, that write's resourceVersion), that pod
// with the written status, as upstream's status manager keeps the status
// it set. Without it a sync on a stale pod (the echo of an earlier write
// arriving after a later one) recomputes the transition times at a later
// second and writes them again. Resource versions are etcd revisions
// here, so they order; one that does not parse leaves the API's pod.
func statusBase(pod *corev1.Pod, written *corev1.PodStatus, writtenRV uint64) *corev1.Pod {
	if written == nil {
		return pod
	}
	if rv, err := strconv.ParseUint(pod.ResourceVersion, 10, 64); err != nil || rv >= writtenRV {
		return pod
	}
	cp := *pod
	cp.Status = *written
	return &cp
}

// mergeStatus is the status to write: old with what the kubelet owns
// replaced by own (podStatus's result). Conditions of types podStatus
// does not compute (DisruptionTarget, readiness gates) and fields other
// writers own (nominatedNodeName, resize; reason and message unless the
// kubelet fails the pod itself) are kept, as upstream's status manager
// merges; a pod IP is never cleared.
func mergeStatus(old, own corev1.PodStatus) corev1.PodStatus {
	out := *old.DeepCopy()
	out.Phase, out.QOSClass, out.StartTime = own.Phase, own.QOSClass, own.StartTime
	out.HostIP, out.HostIPs = own.HostIP, own.HostIPs
	if own.PodIP != "" {
		out.PodIP, out.PodIPs = own.PodIP, own.PodIPs
	}
	if own.Reason != "" { // the kubelet's own failure (DeadlineExceeded)
		out.Reason, out.Message = own.Reason, own.Message
	}
	out.InitContainerStatuses, out.ContainerStatuses = own.InitContainerStatuses, own.ContainerStatuses
	conds := append([]corev1.PodCondition(nil), own.Conditions...)
	for _, c := range old.Conditions {
		if podCondition(own.Conditions, c.Type) == nil {
			conds = append(conds, c)
		}
	}
	out.Conditions = conds
	return out
}

// podCondition is the condition of type typ in conds, or nil.
func podCondition(conds []corev1.PodCondition, typ corev1.PodConditionType) *corev1.PodCondition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

// writeStatus patches pods/status with st (a merge patch with a UID
// precondition) when it differs from cur, the status as the worker knows
// it (statusBase). The answer is asked for in protobuf, as upstream's
// kubelet does (encoding the pod as JSON cost the server more than the
// patch), and only its resourceVersion is read (the pod's watch brings the
// new status; decoding a whole Pod per write costs the agent more than
// the request). It keeps st as the status set out to write (setStatus)
// and, once written, as the status written, so st must not change
// afterwards.
func (w *podWorker) writeStatus(ctx context.Context, pod *corev1.Pod, cur corev1.PodStatus, st *corev1.PodStatus) error {
	if sameStatus(&cur, st) {
		return nil
	}
	w.setStatus(st)
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"uid": pod.UID},
		"status":   *st,
	})
	if err != nil {
		return err
	}
	body, err := w.k.cfg.Client.CoreV1().RESTClient().Patch(types.MergePatchType).
		Namespace(pod.Namespace).Resource("pods").Name(pod.Name).SubResource("status").
		SetHeader("Accept", "application/vnd.kubernetes.protobuf, application/json").Body(patch).DoRaw(ctx)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	// An answer without a readable resourceVersion leaves writtenRV 0:
	// the API's pods are then taken as they come.
	rv, _ := strconv.ParseUint(resourceVersionOf(body), 10, 64)
	w.written, w.writtenRV = st, rv
	return nil
}

// sameStatus tells whether writing st over cur would change nothing. Most
// syncs find nothing to change (the echo of the worker's own write
// among them), and a semantic comparison walks both statuses by
// reflection: a few percent of a busy agent's CPU. So statuses that
// differ in phase, an address or the number of conditions or container
// statuses differ at once, and equal protobuf encodings (what the API
// stores; its times are whole seconds) are equal, leaving the semantic
// comparison to the rest.
func sameStatus(cur, st *corev1.PodStatus) bool {
	if !statusMayEqual(cur, st) {
		return false
	}
	a, errA := cur.Marshal()
	b, errB := st.Marshal()
	if errA == nil && errB == nil && bytes.Equal(a, b) {
		return true
	}
	return apiequality.Semantic.DeepEqual(*cur, *st)
}

// statusMayEqual is false when a and b differ in phase, an address or the
// number of conditions or container statuses. Semantic equality takes nil
// and empty lists as equal, and so do the lengths.
func statusMayEqual(a, b *corev1.PodStatus) bool {
	return a.Phase == b.Phase && a.PodIP == b.PodIP && a.HostIP == b.HostIP &&
		len(a.Conditions) == len(b.Conditions) && len(a.ContainerStatuses) == len(b.ContainerStatuses) &&
		len(a.InitContainerStatuses) == len(b.InitContainerStatuses)
}

// resourceVersionOf reads metadata.resourceVersion from an encoded object:
// protobuf (as upstream's kubelet asks for; read field by field, without
// decoding the object) or JSON. It returns "" when there is none.
func resourceVersionOf(body []byte) string {
	if env, ok := protoenvelope.Read(body); ok {
		// The object's metadata is its field 1; ObjectMeta's
		// resourceVersion is field 6.
		return string(protoField(protoField(env.Raw, 1), 6))
	}
	var answer struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(body, &answer)
	return answer.Metadata.ResourceVersion
}

// protoField returns the bytes of the last length-delimited field num of
// the protobuf message b, or nil.
func protoField(b []byte, num protowire.Number) []byte {
	var out []byte
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return nil
		}
		b = b[l:]
		if n == num && typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return nil
			}
			out, b = v, b[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(n, typ, b)
		if m < 0 {
			return nil
		}
		b = b[m:]
	}
	return out
}
