package storage

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// BenchmarkWatchFanout measures the time from the start of one update until
// all 1,000 watchers of the resource have received its event.
func BenchmarkWatchFanout(b *testing.B) {
	const watchers = 1000
	ctx := context.Background()
	e := newEnv(b, "", Config{})
	mustCreate(b, e.pods, pod("ns", "hot", map[string]string{"n": "0"}))
	var wg sync.WaitGroup
	for range watchers {
		w, err := e.pods.Watch(ctx, "ns", WatchOptions{ResourceVersion: "0"})
		if err != nil {
			b.Fatalf("Watch() error = %v", err)
		}
		defer w.Stop()
		go func(w watch.Interface) {
			for ev := range w.ResultChan() {
				if ev.Type == watch.Modified {
					wg.Done()
				}
			}
		}(w)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		wg.Add(watchers)
		start := time.Now()
		_, err := e.pods.Update(ctx, "ns", "hot", func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod)
			p.Labels["n"] = strconv.Itoa(i + 1)
			return p, nil
		})
		if err != nil {
			b.Fatalf("Update() error = %v", err)
		}
		wg.Wait()
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(percentile(lat, 50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 99).Microseconds())/1000, "p99-ms")
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[(len(sorted)-1)*p/100]
}

func BenchmarkCreate(b *testing.B) {
	e := newEnv(b, "", Config{})
	b.ResetTimer()
	for i := range b.N {
		mustCreate(b, e.pods, pod("ns", fmt.Sprintf("p%07d", i), nil))
	}
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, "", Config{})
	mustCreate(b, e.pods, pod("ns", "a", nil))
	for _, rv := range []string{"", "0"} {
		b.Run("rv="+strconv.Quote(rv), func(b *testing.B) {
			for range b.N {
				if _, err := e.pods.Get(ctx, "ns", "a", rv); err != nil {
					b.Fatalf("Get() error = %v", err)
				}
			}
		})
	}
}

// BenchmarkUpdate updates 1,000 pods in turn (a label each time), each
// found in the watch cache, as a binding or a status write finds its pod:
//
//	go test -run '^$' -bench 'BenchmarkUpdate$' -benchmem ./internal/storage/
func BenchmarkUpdate(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, "", Config{})
	const n = 1000
	var last *corev1.Pod
	for i := range n {
		last = mustCreate(b, e.pods, pod("ns", fmt.Sprintf("p%04d", i), map[string]string{"i": "0"}))
	}
	if _, err := e.pods.waitForRev(ctx, rvOf(b, last)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		_, err := e.pods.Update(ctx, "ns", fmt.Sprintf("p%04d", i%n), func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod)
			p.Labels["i"] = strconv.Itoa(i)
			return p, nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList5000 lists 5,000 pods from the watch cache.
func BenchmarkList5000(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, "", Config{})
	for i := range 5000 {
		mustCreate(b, e.pods, pod(fmt.Sprintf("ns%d", i%10), fmt.Sprintf("p%05d", i), map[string]string{"i": strconv.Itoa(i)}))
	}
	tests := []struct {
		name string
		opts ListOptions
	}{
		{name: "consistent", opts: ListOptions{}},
		{name: "rv=0", opts: ListOptions{ResourceVersion: "0"}},
		{name: "limit=500", opts: ListOptions{Limit: 500}},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			for range b.N {
				res, err := e.pods.List(ctx, "", tt.opts)
				if err != nil {
					b.Fatalf("List() error = %v", err)
				}
				if tt.opts.Limit == 0 && res.Len() != 5000 {
					b.Fatalf("List() returned %d items; want 5000", res.Len())
				}
			}
		})
	}
}

// BenchmarkNodeWatchers is the watches of 1,000 kubelets: "pods" each
// watch the pods of one node (fieldSelector spec.nodeName=<node>), "node"
// each watch one object by name (metadata.name=<name>), as a kubelet
// watches its Node (here pods, the store's resource). Pods are updated one
// after another, each waited for until the watch it belongs to delivers
// it. It reports the process's CPU time per update (cpu-µs/op), which
// includes what the other 999 watches do for an event they do not send.
func BenchmarkNodeWatchers(b *testing.B) {
	for _, tc := range []struct {
		name string
		sel  func(i int) fields.Selector
		pod  func(i int) *corev1.Pod // pod i, sent to watch i
	}{
		{"pods", func(i int) fields.Selector {
			return fields.OneTermEqualSelector("spec.nodeName", fmt.Sprintf("node-%d", i))
		},
			func(i int) *corev1.Pod {
				p := pod("ns", fmt.Sprintf("p%d", i), map[string]string{"n": "0"})
				p.Spec.NodeName = fmt.Sprintf("node-%d", i)
				return p
			}},
		{"node", func(i int) fields.Selector {
			return fields.OneTermEqualSelector("metadata.name", fmt.Sprintf("p%d", i))
		},
			func(i int) *corev1.Pod { return pod("ns", fmt.Sprintf("p%d", i), map[string]string{"n": "0"}) }},
	} {
		b.Run(tc.name, func(b *testing.B) { benchWatchers(b, tc.sel, tc.pod) })
	}
}

func benchWatchers(b *testing.B, sel func(int) fields.Selector, newPod func(int) *corev1.Pod) {
	const watchers, pods = 1000, 100
	ctx := context.Background()
	e := newEnv(b, "", Config{})
	got := make([]chan struct{}, watchers)
	for i := range watchers {
		got[i] = make(chan struct{}, 1)
		w, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: "0", Field: sel(i)})
		if err != nil {
			b.Fatalf("Watch() error = %v", err)
		}
		defer w.Stop()
		go func(w watch.Interface, got chan struct{}) {
			for range w.ResultChan() {
				got <- struct{}{}
			}
		}(w, got[i])
	}
	for i := range pods {
		mustCreate(b, e.pods, newPod(i*watchers/pods))
		<-got[i*watchers/pods] // its ADDED
	}
	start := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		k := i % pods * watchers / pods
		_, err := e.pods.Update(ctx, "ns", fmt.Sprintf("p%d", k), func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod)
			p.Labels["n"] = strconv.Itoa(i + 1)
			return p, nil
		})
		if err != nil {
			b.Fatalf("Update() error = %v", err)
		}
		<-got[k]
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
