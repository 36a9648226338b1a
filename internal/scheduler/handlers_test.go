package scheduler

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// volumeWaiter rejects every node and registers for volume events.
type volumeWaiter struct{ events []framework.ClusterEvent }

func (*volumeWaiter) Name() string { return "VolumeWaiter" }

func (*volumeWaiter) Filter(context.Context, *framework.CycleState, *v1.Pod, *framework.NodeInfo) *framework.Status {
	return framework.NewStatus(framework.Unschedulable, "waits for a volume")
}

func (w *volumeWaiter) EventsToRegister() []framework.ClusterEvent { return w.events }

// TestVolumeEvents: volume informers start only for resources a plugin
// registered (VolumeBinding, which registers all three, is disabled), and
// their adds and updates move the pods it rejected.
func TestVolumeEvents(t *testing.T) {
	tests := []struct {
		name      string
		events    []framework.ClusterEvent
		event     func(h map[string]func())
		wantWatch int
		wantMoved bool
	}{
		{name: "no volume interest: nodes and pods only", wantWatch: 2},
		{name: "a new PersistentVolume moves the pod", events: []framework.ClusterEvent{{Resource: framework.PersistentVolume, ActionType: framework.Add}},
			event: func(h map[string]func()) { h["pv add"]() }, wantWatch: 3, wantMoved: true},
		{name: "an updated claim moves the pod", events: []framework.ClusterEvent{{Resource: framework.PersistentVolumeClaim, ActionType: framework.Update}},
			event: func(h map[string]func()) { h["pvc update"]() }, wantWatch: 3, wantMoved: true},
		{name: "a claim add does not match an update interest", events: []framework.ClusterEvent{{Resource: framework.PersistentVolumeClaim, ActionType: framework.Update}},
			event: func(h map[string]func()) { h["pvc add"]() }, wantWatch: 3},
		{name: "storage classes", events: []framework.ClusterEvent{{Resource: framework.StorageClass, ActionType: framework.Add | framework.Update},
			{Resource: framework.PersistentVolume, ActionType: framework.Update}},
			event: func(h map[string]func()) { h["sc add"]() }, wantWatch: 4, wantMoved: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Config{Client: fake.NewSimpleClientset()})
			if err != nil {
				t.Fatal(err)
			}
			reg := NewRegistry()
			reg["VolumeWaiter"] = func(framework.PluginArgs, framework.Handle) (framework.Plugin, error) {
				return &volumeWaiter{events: tt.events}, nil
			}
			prof, err := NewProfile(KubeSchedulerProfile{SchedulerName: DefaultSchedulerName,
				Plugins: &Plugins{Filter: PluginSet{Enabled: []PluginRef{{Name: "VolumeWaiter"}}},
					MultiPoint: PluginSet{Disabled: []PluginRef{{Name: "VolumeBinding"}}}}}, reg, &handle{s: s})
			if err != nil {
				t.Fatal(err)
			}
			// Rebuild what New derives from the profiles' events.
			s.profiles[DefaultSchedulerName] = prof
			events := map[string][]framework.ClusterEvent{}
			for k, v := range prof.events {
				events[k] = v
			}
			s.queue = NewQueue(prof.queueSort.Less, events, s.cfg.Clock)
			s.volumeEvents = volumeResources(events)
			s.watched = s.watches()
			if len(s.watched) != tt.wantWatch {
				t.Fatalf("watched %d informers; want %d", len(s.watched), tt.wantWatch)
			}
			pod := cpuPod("p", 0, "1")
			s.queue.Add(pod)
			info, _ := s.queue.Pop(context.Background())
			info.UnschedulablePlugins = map[string]bool{"VolumeWaiter": true}
			s.queue.AddUnschedulable(info, s.queue.Cycle())
			if tt.event != nil {
				pv, pvc, sc := s.volumeHandler(framework.PersistentVolume), s.volumeHandler(framework.PersistentVolumeClaim), s.volumeHandler(framework.StorageClass)
				tt.event(map[string]func(){
					"pv add":     func() { pv.OnAdd(&v1.PersistentVolume{}, false) },
					"pvc add":    func() { pvc.OnAdd(&v1.PersistentVolumeClaim{}, false) },
					"pvc update": func() { pvc.OnUpdate(&v1.PersistentVolumeClaim{}, &v1.PersistentVolumeClaim{}) },
					"sc add":     func() { sc.OnAdd(&storagev1.StorageClass{}, false) },
				})
			}
			_, _, u := s.queue.Lens()
			if moved := u == 0; moved != tt.wantMoved {
				t.Errorf("moved out of the unschedulable pool = %v; want %v", moved, tt.wantMoved)
			}
		})
	}
}

// TestSameSpec: equal generations of an unbound pod mean one spec; without
// a generation, or with another, the specs are compared.
func TestSameSpec(t *testing.T) {
	pod := func(gen int64, image string) *v1.Pod {
		p := &v1.Pod{Spec: v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: image}}}}
		p.Generation = gen
		return p
	}
	for _, c := range []struct {
		name     string
		old, new *v1.Pod
		want     bool
	}{
		{"equal generations", pod(2, "a"), pod(2, "a"), true},
		{"no generation, equal specs", pod(0, "a"), pod(0, "a"), true},
		{"no generation, other image", pod(0, "a"), pod(0, "b"), false},
		{"new generation, other image", pod(1, "a"), pod(2, "b"), false},
		{"new generation, equal specs", pod(1, "a"), pod(2, "a"), true},
	} {
		if got := sameSpec(c.old, c.new); got != c.want {
			t.Errorf("%s: sameSpec = %v; want %v", c.name, got, c.want)
		}
	}
}
