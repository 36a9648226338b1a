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

// BenchmarkNodeWatchers is the pod watches of 1,000 kubelets, each with
// fieldSelector spec.nodeName=<its node>: one pod update after another,
// each waited for until its node's watcher has it. It reports the
// process's CPU time per update (cpu-µs/op), which includes the work the
// other 999 watchers do for an event they do not send.
func BenchmarkNodeWatchers(b *testing.B) {
	const nodes = 1000
	ctx := context.Background()
	e := newEnv(b, "", Config{})
	got := make([]chan struct{}, nodes)
	for i := range nodes {
		got[i] = make(chan struct{}, 1)
		sel := fields.OneTermEqualSelector("spec.nodeName", fmt.Sprintf("node-%d", i))
		w, err := e.pods.Watch(ctx, "", WatchOptions{ResourceVersion: "0", Field: sel})
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
	const pods = 100
	for i := range pods {
		p := pod("ns", fmt.Sprintf("p%d", i), map[string]string{"n": "0"})
		p.Spec.NodeName = fmt.Sprintf("node-%d", i*nodes/pods)
		mustCreate(b, e.pods, p)
		<-got[i*nodes/pods] // its ADDED
	}
	start := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		k := i % pods
		_, err := e.pods.Update(ctx, "ns", fmt.Sprintf("p%d", k), func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod)
			p.Labels["n"] = strconv.Itoa(i + 1)
			return p, nil
		})
		if err != nil {
			b.Fatalf("Update() error = %v", err)
		}
		<-got[k*nodes/pods]
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
