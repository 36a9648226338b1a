package app

import (
	"context"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
)

// TestKubeletEvents: a hollow node's kubelet records upstream's container
// events about a pod it runs and then stops (the lines of kubectl describe
// pod): Created and Started for the init container and the container, each
// with its field path and the node as source, and Killing when the pod is
// deleted while its container runs.
func TestKubeletEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, _, cs := startTestServer(t, ctx, ServerConfig{DataDir: t.TempDir(), Logger: log})
	agent, err := StartAgent(ctx, AgentConfig{Kubeconfig: srv.Kubeconfig, Simulate: 1, Logger: log})
	if err != nil {
		t.Fatalf("StartAgent: %v", err)
	}
	defer agent.Stop()
	pod := bindPod(t, ctx, cs, "hollow-0")
	waitFor(t, ctx, "pod Running", func() (bool, error) {
		p, err := cs.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, err
	})
	if err := cs.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete pod: %v", err)
	}
	waitFor(t, ctx, "pod gone", func() (bool, error) {
		_, err := cs.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	want := []string{
		"Normal Created spec.containers{app} Created container: app",
		"Normal Created spec.initContainers{init} Created container: init",
		"Normal Killing spec.containers{app} Stopping container app",
		"Normal Started spec.containers{app} Started container app",
		"Normal Started spec.initContainers{init} Started container init",
	}
	var got []string
	waitFor(t, ctx, "the kubelet's events", func() (bool, error) {
		got = podKubeletEvents(ctx, t, cs, pod, "hollow-0")
		return strings.Join(got, "\n") == strings.Join(want, "\n"), nil
	})
}

// podKubeletEvents lists the events node's kubelet recorded about pod as
// "type reason fieldPath message", sorted.
func podKubeletEvents(ctx context.Context, t *testing.T, cs kubernetes.Interface, pod *corev1.Pod, node string) []string {
	t.Helper()
	evs, err := cs.CoreV1().Events(pod.Namespace).List(ctx, metav1.ListOptions{
		FieldSelector: fields.Set{"involvedObject.name": pod.Name, "source": "kubelet"}.String()})
	if err != nil {
		t.Fatalf("list events: %v", err)
	}
	var out []string
	for _, e := range evs.Items {
		if e.Source.Host != node || e.InvolvedObject.UID != pod.UID || e.InvolvedObject.Kind != "Pod" {
			t.Errorf("event %s/%s: source %+v, involved object %+v; want kubelet on %s about pod %s", e.Reason, e.Message, e.Source, e.InvolvedObject, node, pod.UID)
		}
		out = append(out, strings.Join([]string{e.Type, e.Reason, e.InvolvedObject.FieldPath, e.Message}, " "))
	}
	sort.Strings(out)
	return out
}
