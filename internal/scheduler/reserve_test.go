package scheduler

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// callLog records plugin calls from the scheduling and binding cycles.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(c string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
}

// fakeBinding is a Reserve and PreBind plugin that fails at the point
// named in fail ("Reserve" or "PreBind") with code.
type fakeBinding struct {
	name, fail string
	code       framework.Code
	log        *callLog
}

func (f *fakeBinding) Name() string { return f.name }

func (f *fakeBinding) status(point string) *framework.Status {
	f.log.add(f.name + "." + point)
	if f.fail == point {
		return framework.NewStatus(f.code, f.name+" says no")
	}
	return nil
}

func (f *fakeBinding) Reserve(context.Context, *framework.CycleState, *v1.Pod, string) *framework.Status {
	return f.status("Reserve")
}

func (f *fakeBinding) Unreserve(context.Context, *framework.CycleState, *v1.Pod, string) {
	f.log.add(f.name + ".Unreserve")
}

func (f *fakeBinding) PreBind(context.Context, *framework.CycleState, *v1.Pod, string) *framework.Status {
	return f.status("PreBind")
}

var (
	_ framework.ReservePlugin = &fakeBinding{}
	_ framework.PreBindPlugin = &fakeBinding{}
)

// TestReserveAndPreBind runs one scheduling cycle (and its binding cycle)
// with two fake Reserve/PreBind plugins, A then B, failing at each step.
func TestReserveAndPreBind(t *testing.T) {
	tests := []struct {
		name           string
		failA, failB   string
		code           framework.Code
		bindErr        error
		wantCalls      []string
		wantBound      bool
		wantQueue      [3]int // active, backoff, unschedulable
		wantEventMatch string
		// gone leaves the pod out of the informer, as if deleted.
		gone bool
	}{
		{name: "all succeed", wantCalls: []string{"A.Reserve", "B.Reserve", "A.PreBind", "B.PreBind"}, wantBound: true,
			wantEventMatch: "Normal Scheduled Successfully assigned ns/p to n1"},
		{name: "reserve error unreserves in reverse and backs off", failB: "Reserve", code: framework.Error,
			wantCalls: []string{"A.Reserve", "B.Reserve", "B.Unreserve", "A.Unreserve"}, wantQueue: [3]int{0, 1, 0},
			wantEventMatch: `Warning FailedScheduling running Reserve plugin "B": B says no`},
		{name: "reserve rejection is unschedulable", failA: "Reserve", code: framework.Unschedulable,
			wantCalls: []string{"A.Reserve", "B.Unreserve", "A.Unreserve"}, wantQueue: [3]int{0, 0, 1},
			wantEventMatch: "Warning FailedScheduling 0/1 nodes are available: 1 A says no."},
		{name: "prebind error unreserves and backs off", failA: "PreBind", code: framework.Error,
			wantCalls: []string{"A.Reserve", "B.Reserve", "A.PreBind", "B.Unreserve", "A.Unreserve"}, wantQueue: [3]int{0, 1, 0},
			wantEventMatch: `Warning FailedScheduling running PreBind plugin "A": A says no`},
		{name: "bind error unreserves and backs off", bindErr: errors.New("etcd is away"),
			wantCalls: []string{"A.Reserve", "B.Reserve", "A.PreBind", "B.PreBind", "B.Unreserve", "A.Unreserve"}, wantQueue: [3]int{0, 1, 0},
			wantEventMatch: "Warning FailedScheduling binding rejected: etcd is away"},
		{name: "bind not found for a pod the informer still holds backs off", bindErr: apierrors.NewNotFound(v1.Resource("pods"), "p"),
			wantCalls: []string{"A.Reserve", "B.Reserve", "A.PreBind", "B.PreBind", "B.Unreserve", "A.Unreserve"}, wantQueue: [3]int{0, 1, 0},
			wantEventMatch: `Warning FailedScheduling binding rejected: pods "p" not found`},
		{name: "reserve rejection of a deleted pod is not retried", failA: "Reserve", code: framework.Unschedulable, gone: true,
			wantCalls: []string{"A.Reserve", "B.Unreserve", "A.Unreserve"}, wantQueue: [3]int{0, 0, 0},
			wantEventMatch: "Warning FailedScheduling 0/1 nodes are available: 1 A says no."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &callLog{}
			s, bound := reserveScheduler(t, tt.bindErr, &fakeBinding{name: "A", fail: tt.failA, code: tt.code, log: log},
				&fakeBinding{name: "B", fail: tt.failB, code: tt.code, log: log})
			recorder := record.NewFakeRecorder(10)
			s.recorder = recorder
			pod := cpuPod("p", 0, "1")
			if !tt.gone {
				if err := s.informers.Core().V1().Pods().Informer().GetIndexer().Add(pod); err != nil {
					t.Fatal(err)
				}
			}
			s.queue.Add(pod)
			s.scheduleOne(context.Background())
			s.binds.Wait()
			if !slices.Equal(log.calls, tt.wantCalls) {
				t.Errorf("calls = %v; want %v", log.calls, tt.wantCalls)
			}
			if got := len(*bound) == 1; got != tt.wantBound {
				t.Errorf("bound = %v; want %v", *bound, tt.wantBound)
			}
			if a, b, u := s.queue.Lens(); [3]int{a, b, u} != tt.wantQueue {
				t.Errorf("queue (active, backoff, unschedulable) = %d, %d, %d; want %v", a, b, u, tt.wantQueue)
			}
			if s.cache.IsAssumed(pod) != tt.wantBound {
				t.Errorf("assumed = %v; want %v", s.cache.IsAssumed(pod), tt.wantBound)
			}
			select {
			case ev := <-recorder.Events:
				if !strings.HasPrefix(ev, tt.wantEventMatch) {
					t.Errorf("event = %q; want it to start with %q", ev, tt.wantEventMatch)
				}
			default:
				t.Errorf("no event; want %q", tt.wantEventMatch)
			}
		})
	}
}

// reserveScheduler is a scheduler over one node whose profile runs the
// given plugins at reserve and preBind (besides the defaults); bindings
// land in the returned slice, or fail with bindErr.
func reserveScheduler(t *testing.T, bindErr error, plugins ...*fakeBinding) (*Scheduler, *[]string) {
	t.Helper()
	cs := fake.NewSimpleClientset()
	var bound []string
	var mu sync.Mutex
	cs.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "binding" {
			return false, nil, nil
		}
		if bindErr != nil {
			return true, nil, bindErr
		}
		mu.Lock()
		defer mu.Unlock()
		bound = append(bound, a.(k8stesting.CreateAction).GetObject().(*v1.Binding).Target.Name)
		return true, nil, nil
	})
	s, err := New(Config{Client: cs, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry()
	var set PluginSet
	for _, pl := range plugins {
		reg[pl.name] = func(framework.PluginArgs, framework.Handle) (framework.Plugin, error) { return pl, nil }
		set.Enabled = append(set.Enabled, PluginRef{Name: pl.name})
	}
	prof, err := NewProfile(KubeSchedulerProfile{SchedulerName: DefaultSchedulerName, Plugins: &Plugins{Reserve: set, PreBind: set}}, reg, &handle{s: s})
	if err != nil {
		t.Fatal(err)
	}
	s.profiles[DefaultSchedulerName] = prof
	alloc := v1.ResourceList{v1.ResourceCPU: resource.MustParse("4"), v1.ResourcePods: resource.MustParse("110")}
	s.cache.AddNode(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: v1.NodeStatus{Allocatable: alloc, Capacity: alloc}})
	return s, &bound
}

// fakePreFilter answers PreFilter with a fixed status and logs the call.
type fakePreFilter struct {
	name string
	st   *framework.Status
	log  *callLog
}

func (f *fakePreFilter) Name() string { return f.name }

func (f *fakePreFilter) PreFilter(context.Context, *framework.CycleState, *v1.Pod) *framework.Status {
	f.log.add(f.name + ".PreFilter")
	return f.st
}

// TestRunPreFilter: as upstream, an Unschedulable PreFilter lets the rest
// run (preemption reads the state they prepare) and the last rejection is
// returned; UnschedulableAndUnresolvable and errors stop at once.
func TestRunPreFilter(t *testing.T) {
	unsched := func(msg string) *framework.Status { return framework.NewStatus(framework.Unschedulable, msg) }
	tests := []struct {
		name            string
		a, b, c         *framework.Status
		wantCalls       string
		wantCode        framework.Code
		wantPlugin, msg string
	}{
		{name: "all pass", wantCalls: "A,B,C", wantCode: framework.Success},
		{name: "unschedulable runs the rest", a: unsched("a says no"), wantCalls: "A,B,C", wantCode: framework.Unschedulable, wantPlugin: "A", msg: "a says no"},
		{name: "the last rejection wins", a: unsched("a says no"), c: unsched("c says no"), wantCalls: "A,B,C", wantCode: framework.Unschedulable, wantPlugin: "C", msg: "c says no"},
		{name: "unresolvable stops", a: framework.NewStatus(framework.UnschedulableAndUnresolvable, "never"), wantCalls: "A",
			wantCode: framework.UnschedulableAndUnresolvable, wantPlugin: "A", msg: "never"},
		{name: "unresolvable after unschedulable stops", a: unsched("a says no"), b: framework.NewStatus(framework.UnschedulableAndUnresolvable, "never"),
			wantCalls: "A,B", wantCode: framework.UnschedulableAndUnresolvable, wantPlugin: "B", msg: "never"},
		{name: "an error stops", a: unsched("a says no"), b: framework.NewStatus(framework.Error, "broken"), wantCalls: "A,B", wantCode: framework.Error, wantPlugin: "B",
			msg: `running PreFilter plugin "B": broken`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &callLog{}
			reg := NewRegistry()
			var set PluginSet
			for _, pl := range []*fakePreFilter{{name: "A", st: tt.a, log: log}, {name: "B", st: tt.b, log: log}, {name: "C", st: tt.c, log: log}} {
				reg[pl.name] = func(framework.PluginArgs, framework.Handle) (framework.Plugin, error) { return pl, nil }
				set.Enabled = append(set.Enabled, PluginRef{Name: pl.name})
			}
			s, _ := reserveScheduler(t, nil)
			prof, err := NewProfile(KubeSchedulerProfile{SchedulerName: DefaultSchedulerName, Plugins: &Plugins{PreFilter: set}}, reg, &handle{s: s})
			if err != nil {
				t.Fatal(err)
			}
			st := prof.RunPreFilter(context.Background(), framework.NewCycleState(), cpuPod("p", 0, "1"))
			if got := strings.ReplaceAll(strings.Join(log.calls, ","), ".PreFilter", ""); got != tt.wantCalls {
				t.Errorf("calls = %s; want %s", got, tt.wantCalls)
			}
			if st.Code() != tt.wantCode || st.Plugin() != tt.wantPlugin || st.Message() != tt.msg {
				t.Errorf("status = %v (plugin %q, message %q); want %v from %q, %q", st.Code(), st.Plugin(), st.Message(), tt.wantCode, tt.wantPlugin, tt.msg)
			}
		})
	}
}
