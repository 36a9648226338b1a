package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// startAgent execs `binary agent --simulate n` against the server's admin
// kubeconfig (hollow nodes hollow-0 ... advertising 127.0.0.x) and waits
// until all n nodes are Ready.
func startAgent(ctx context.Context, binary, dir, kubeconfig string, cs kubernetes.Interface, n int, extra ...string) (*child, error) {
	logf, err := os.OpenFile(filepath.Join(dir, "agent.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("agent log: %w", err)
	}
	args := append([]string{"agent", "--simulate", strconv.Itoa(n), "--kubeconfig", kubeconfig,
		"--node-name-prefix", "hollow-", "--log-level", "warn",
		// No kubelet API: the benches measure the control plane, and
		// 1,000 listeners would change the agent's footprint.
		"--kubelet-port", "0"}, extra...)
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	c := &child{cmd: cmd, log: logf, kubeconfig: kubeconfig, done: make(chan error, 1)}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s agent: %w", binary, err)
	}
	go func() { c.done <- cmd.Wait() }()
	err = waitUntil(ctx, fmt.Sprintf("%d hollow nodes Ready", n), 5*time.Minute, func() (bool, string) {
		select {
		case err := <-c.done:
			c.done <- err
			return false, fmt.Sprintf("agent exited: %v", err)
		default:
		}
		ready, err := readyNodes(ctx, cs)
		if err != nil {
			return false, err.Error()
		}
		return ready >= n, fmt.Sprintf("%d Ready", ready)
	})
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("%w; agent log tail:\n%s", err, tail(filepath.Join(dir, "agent.log"), 3))
	}
	c.ready = time.Since(start)
	return c, nil
}

// readyNodes counts the nodes whose Ready condition is True.
func readyNodes(ctx context.Context, cs kubernetes.Interface) (int, error) {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return 0, err
	}
	ready := 0
	for _, n := range nodes.Items {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				ready++
			}
		}
	}
	return ready, nil
}

// perfNode is upstream scheduler_perf's node-default template: 4 cpu,
// 32Gi, 110 pods, Ready; a Node object only, no kubelet behind it.
func perfNode(i int) *corev1.Node {
	capacity := corev1.ResourceList{
		corev1.ResourcePods:   resource.MustParse("110"),
		corev1.ResourceCPU:    resource.MustParse("4"),
		corev1.ResourceMemory: resource.MustParse("32Gi"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("scheduler-perf-%d", i)},
		Status: corev1.NodeStatus{
			Capacity: capacity, Allocatable: capacity,
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
		},
	}
}

// createPerfNodes creates n perf nodes (the object, then its status) with
// workers goroutines.
func createPerfNodes(ctx context.Context, cs kubernetes.Interface, n, workers int) error {
	out := run(ctx, plan{workers: workers, count: n}, func(ctx context.Context, i int) error {
		node := perfNode(i)
		status := node.Status
		got, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		got.Status = status
		_, err = cs.CoreV1().Nodes().UpdateStatus(ctx, got, metav1.UpdateOptions{})
		return err
	})
	if out.errors > 0 {
		return fmt.Errorf("create %d nodes: %d failed, first: %w", n, out.errors, out.firstErr)
	}
	return nil
}

// perfPod is upstream scheduler_perf's pod-default template: one pause
// container with a port and 100m cpu / 500Mi memory requests and limits.
func perfPod(ns, name string) *corev1.Pod {
	rl := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("500Mi")}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "pause", Image: "registry.k8s.io/pause:3.10.1",
			Ports:     []corev1.ContainerPort{{ContainerPort: 80}},
			Resources: corev1.ResourceRequirements{Requests: rl, Limits: rl},
		}}},
	}
}

// hollowPod is the pod of the end-to-end runs: small enough that 10 fit
// on a hollow node (4 cpu, 16Gi, 110 pods).
func hollowPod(ns, name string, labels map[string]string) *corev1.Pod {
	rl := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "pause", Image: "registry.k8s.io/pause:3.10.1",
			Resources: corev1.ResourceRequirements{Requests: rl},
		}}},
	}
}

// createPods creates count pods named prefix-i with workers goroutines,
// telling t when each create is sent.
func createPods(ctx context.Context, cs kubernetes.Interface, t *podTracker, workers, count int, mk func(i int) *corev1.Pod) (outcome, error) {
	out := run(ctx, plan{workers: workers, count: count}, func(ctx context.Context, i int) error {
		return sendPod(ctx, cs, t, mk(i))
	})
	if out.errors > 0 {
		return out, fmt.Errorf("create %d pods: %d failed, first: %w", count, out.errors, out.firstErr)
	}
	return out, nil
}

// sendPod creates pod, telling t when the create is sent.
func sendPod(ctx context.Context, cs kubernetes.Interface, t *podTracker, pod *corev1.Pod) error {
	t.sent(pod.Name)
	_, err := cs.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	return err
}

// waitServiceAccount waits for the default ServiceAccount of ns, which
// admission wants before it admits pods.
func waitServiceAccount(ctx context.Context, cs kubernetes.Interface, ns string) error {
	return waitUntil(ctx, "default service account in "+ns, 30*time.Second, func() (bool, string) {
		_, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	})
}
