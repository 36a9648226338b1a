package kubelet

import (
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// nodeHealth is what the node conditions are computed from.
type nodeHealth struct {
	RuntimeReady   bool
	MemoryPressure bool
	DiskPressure   bool
	PIDPressure    bool
}

// newNode is the Node a kubelet registers: labels, capacity, addresses and
// node info, with no conditions yet.
func newNode(cfg *Config, runtimeVersion string) *corev1.Node {
	labels := map[string]string{}
	for k, v := range cfg.Labels {
		labels[k] = v
	}
	labels[corev1.LabelHostname] = cfg.NodeName
	labels[corev1.LabelOSStable] = "linux"
	labels[corev1.LabelArchStable] = cfg.Arch
	labels[corev1.LabelInstanceTypeStable] = cfg.InstanceType
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: cfg.NodeName, Labels: labels},
		Status:     desiredNodeStatus(cfg, runtimeVersion),
	}
}

// desiredNodeStatus is the node status without conditions.
func desiredNodeStatus(cfg *Config, runtimeVersion string) corev1.NodeStatus {
	return corev1.NodeStatus{
		Capacity:    cfg.Capacity.DeepCopy(),
		Allocatable: cfg.Allocatable.DeepCopy(),
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: cfg.NodeIP},
			{Type: corev1.NodeHostName, Address: cfg.NodeName},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: cfg.Port}},
		NodeInfo: corev1.NodeSystemInfo{
			MachineID:               cfg.NodeName,
			SystemUUID:              cfg.NodeName,
			BootID:                  cfg.NodeName,
			KernelVersion:           "skiff",
			OSImage:                 "Skiff",
			ContainerRuntimeVersion: runtimeVersion,
			KubeletVersion:          KubeletVersion,
			OperatingSystem:         "linux",
			Architecture:            cfg.Arch,
		},
	}
}

// conditionSpec is one node condition as upstream's kubelet words it.
type conditionSpec struct {
	typ     corev1.NodeConditionType
	status  corev1.ConditionStatus
	reason  string
	message string
}

// conditionSpecs returns the four node conditions for h, in upstream's
// order, with upstream's reasons and messages.
func conditionSpecs(h nodeHealth) []conditionSpec {
	pressure := func(typ corev1.NodeConditionType, on bool, okReason, okMsg, badReason, badMsg string) conditionSpec {
		if on {
			return conditionSpec{typ, corev1.ConditionTrue, badReason, badMsg}
		}
		return conditionSpec{typ, corev1.ConditionFalse, okReason, okMsg}
	}
	ready := conditionSpec{corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"}
	if !h.RuntimeReady {
		ready = conditionSpec{corev1.NodeReady, corev1.ConditionFalse, "KubeletNotReady", "container runtime is down"}
	}
	return []conditionSpec{
		pressure(corev1.NodeMemoryPressure, h.MemoryPressure,
			"KubeletHasSufficientMemory", "kubelet has sufficient memory available",
			"KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
		pressure(corev1.NodeDiskPressure, h.DiskPressure,
			"KubeletHasNoDiskPressure", "kubelet has no disk pressure",
			"KubeletHasDiskPressure", "kubelet has disk pressure"),
		pressure(corev1.NodePIDPressure, h.PIDPressure,
			"KubeletHasSufficientPID", "kubelet has sufficient PID available",
			"KubeletHasInsufficientPID", "kubelet has insufficient PID available"),
		ready,
	}
}

// nodeConditions returns the conditions for h at now: the heartbeat time is
// now, and a condition keeps its lastTransitionTime from prev unless its
// status changed.
func nodeConditions(prev []corev1.NodeCondition, h nodeHealth, now time.Time) []corev1.NodeCondition {
	t := metav1.NewTime(now.Truncate(time.Second))
	var out []corev1.NodeCondition
	for _, s := range conditionSpecs(h) {
		c := corev1.NodeCondition{
			Type: s.typ, Status: s.status, Reason: s.reason, Message: s.message,
			LastHeartbeatTime: t, LastTransitionTime: t,
		}
		for _, p := range prev {
			if p.Type == s.typ && p.Status == s.status {
				c.LastTransitionTime = p.LastTransitionTime
			}
		}
		out = append(out, c)
	}
	return out
}

// nodeStatusChanged reports whether the API's status differs from the one
// the kubelet wants in anything but heartbeat times.
func nodeStatusChanged(cur, want corev1.NodeStatus) bool {
	if len(cur.Conditions) != len(want.Conditions) {
		return true
	}
	for i, c := range cur.Conditions {
		w := want.Conditions[i]
		if c.Type != w.Type || c.Status != w.Status || c.Reason != w.Reason || c.Message != w.Message {
			return true
		}
	}
	return !sameResources(cur.Capacity, want.Capacity) ||
		!sameResources(cur.Allocatable, want.Allocatable) ||
		!slices.Equal(cur.Addresses, want.Addresses) ||
		cur.DaemonEndpoints != want.DaemonEndpoints ||
		cur.NodeInfo != want.NodeInfo
}

// sameResources tells whether a and b hold the same quantities (compared
// by value, as semantic equality does, without its reflective walk: a
// node's heartbeat compares two lists every 10 s).
func sameResources(a, b corev1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for name, q := range a {
		w, ok := b[name]
		if !ok || q.Cmp(w) != 0 {
			return false
		}
	}
	return true
}

// nodeStatusDue reports whether the node status must be written at now:
// when it changed, or when interval has passed since the last report.
func nodeStatusDue(lastReport, now time.Time, interval time.Duration, changed bool) bool {
	return changed || lastReport.IsZero() || now.Sub(lastReport) >= interval
}
