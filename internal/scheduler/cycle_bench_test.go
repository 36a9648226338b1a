package scheduler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
)

// BenchmarkScheduleOne is one scheduling cycle (and its binding, through a
// fake client that confirms it as the informer would) on
// scheduler_perf's SchedulingBasic shape: 5,000 nodes of 4 cpu and 110
// pods, pods of 100m cpu and 500Mi. It measures the scheduler's own CPU
// cost per pod, without the API server:
//
//	go test -run '^$' -bench ScheduleOne -benchtime 3000x ./internal/scheduler
func BenchmarkScheduleOne(b *testing.B) {
	const nodes = 5000
	cs := fake.NewSimpleClientset()
	s, err := New(Config{Client: cs, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	s.recorder = &record.FakeRecorder{}
	cs.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		bind := a.(k8stesting.CreateAction).GetObject().(*v1.Binding)
		pod := perfPod(bind.Name)
		pod.Spec.NodeName = bind.Target.Name
		s.podChanged(nil, pod)
		return true, nil, nil
	})
	capacity := v1.ResourceList{v1.ResourcePods: resource.MustParse("110"), v1.ResourceCPU: resource.MustParse("4"), v1.ResourceMemory: resource.MustParse("32Gi")}
	for i := range nodes {
		s.cache.AddNode(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("scheduler-perf-%d", i)},
			Status: v1.NodeStatus{Capacity: capacity, Allocatable: capacity, Conditions: []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue}}}})
	}
	ctx := context.Background()
	schedule := func(name string) {
		s.queue.Add(perfPod(name))
		s.scheduleOne(ctx)
	}
	for i := range 500 {
		schedule(fmt.Sprintf("init-%d", i))
	}
	s.binds.Wait()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		schedule(fmt.Sprintf("pod-%d", i))
	}
	s.binds.Wait()
}

func perfPod(name string) *v1.Pod {
	rl := v1.ResourceList{v1.ResourceCPU: resource.MustParse("100m"), v1.ResourceMemory: resource.MustParse("500Mi")}
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "sched-perf", UID: types.UID(name)},
		Spec: v1.PodSpec{SchedulerName: DefaultSchedulerName, Containers: []v1.Container{{
			Name: "pause", Image: "registry.k8s.io/pause:3.10.1", Ports: []v1.ContainerPort{{ContainerPort: 80}},
			Resources: v1.ResourceRequirements{Requests: rl, Limits: rl},
		}}},
	}
}
