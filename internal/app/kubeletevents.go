package app

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
)

// kubeletEvents is the agent's one event broadcaster: every hollow
// kubelet records through it with itself (kubelet on its node) as the
// source, and one client writes the events.
type kubeletEvents struct {
	b record.EventBroadcaster
}

func newKubeletEvents() *kubeletEvents {
	return &kubeletEvents{b: record.NewBroadcaster()}
}

// recorder is node's kubelet's recorder.
func (e *kubeletEvents) recorder(node string) record.EventRecorder {
	return e.b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: node})
}

// start writes the events recorded from now on through client.
func (e *kubeletEvents) start(client kubernetes.Interface) {
	e.b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
}

// stop ends the broadcaster.
func (e *kubeletEvents) stop() { e.b.Shutdown() }
