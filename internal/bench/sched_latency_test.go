package bench

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// ticks is a tick channel holding n ticks already, so that pace never
// waits: how many it has taken when it starts pod i shows its schedule.
// pace needs n-1 of them for n pods.
func ticks(n int) chan time.Time {
	c := make(chan time.Time, n)
	for range n {
		c <- time.Time{}
	}
	return c
}

func TestPace(t *testing.T) {
	for _, n := range []int{0, 1, 5} {
		tick := ticks(n)
		var taken []int
		got := pace(context.Background(), n, tick, func(i int) {
			taken = append(taken, n-len(tick))
		})
		if got != n {
			t.Errorf("pace(n %d) = %d; want %d", n, got, n)
		}
		// Upstream's qpsLoad: the first at once, then one per interval.
		for i, k := range taken {
			if k != i {
				t.Errorf("pace(n %d) started pod %d after %d ticks; want %d", n, i, k, i)
			}
		}
		if len(taken) != n {
			t.Errorf("pace(n %d) started %d pods; want %d", n, len(taken), n)
		}
		if left := len(tick); n > 0 && left != 1 {
			t.Errorf("pace(n %d) left %d of %d ticks; want 1 (n-1 intervals, no wait after the last pod)", n, left, n)
		}
	}
}

func TestPaceStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var started []int
	got := pace(ctx, 10, ticks(10), func(i int) {
		started = append(started, i)
		if i == 2 {
			cancel()
		}
	})
	if got != 3 || len(started) != 3 {
		t.Errorf("pace cancelled at pod 2 = %d, started %v; want 3, [0 1 2]", got, started)
	}
}

func TestPaceInterval(t *testing.T) {
	tests := []struct {
		qps  float64
		want time.Duration
	}{
		{5, 200 * time.Millisecond},
		{0.5, 2 * time.Second},
		{3, 333333333 * time.Nanosecond},
		{1e9, time.Nanosecond},
		{1e10, 0}, // rejected by SchedConfig.validate
	}
	for _, tt := range tests {
		if got := paceInterval(tt.qps); got != tt.want {
			t.Errorf("paceInterval(%v) = %v; want %v", tt.qps, got, tt.want)
		}
	}
}

func TestCreatePaced(t *testing.T) {
	boom := errors.New("boom")
	var mu sync.Mutex
	seen := map[int]bool{}
	err := createPaced(context.Background(), 6, ticks(6), func(_ context.Context, i int) error {
		mu.Lock()
		seen[i] = true
		mu.Unlock()
		if i%3 == 1 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "2 of 6 failed") {
		t.Errorf("createPaced(6, pods 1 and 4 fail) = %v; want 2 of 6 failed with boom", err)
	}
	if len(seen) != 6 {
		t.Errorf("createPaced(6) created %d pods; want 6", len(seen))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := createPaced(ctx, 3, ticks(3), func(context.Context, int) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("createPaced(cancelled ctx) = %v; want context.Canceled", err)
	}
}

// TestScheduleCatchesUp: a receiver late by five intervals gets the five
// ticks it missed at once, where a time.Ticker would have dropped four.
func TestScheduleCatchesUp(t *testing.T) {
	const interval = 20 * time.Millisecond
	tick, stop := schedule(context.Background(), interval)
	defer stop()
	start := time.Now()
	time.Sleep(5*interval + interval/2)
	for k := 1; k <= 5; k++ {
		select {
		case <-tick:
		case <-time.After(interval / 2):
			t.Fatalf("tick %d of 5 due before %v: not sent at once", k, time.Since(start))
		}
	}
	<-tick // the sixth, on time
	if el := time.Since(start); el < 6*interval {
		t.Errorf("six ticks after %v; want at least %v", el, 6*interval)
	}
}

func TestScheduleStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	tick, stop := schedule(ctx, time.Millisecond)
	<-tick
	cancel()
	stop() // returns once the goroutine has ended
	select {
	case <-tick:
		t.Error("tick after stop")
	case <-time.After(10 * time.Millisecond):
	}
}

func TestScaleUpPaced(t *testing.T) {
	cs := fake.NewClientset()
	var (
		mu    sync.Mutex
		steps []int32
	)
	cs.PrependReactor("*", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		defer mu.Unlock()
		switch a := a.(type) {
		case k8stesting.CreateAction:
			steps = append(steps, *a.GetObject().(*appsv1.Deployment).Spec.Replicas)
		case k8stesting.PatchAction:
			var p struct {
				Spec struct{ Replicas int32 } `json:"spec"`
			}
			if err := json.Unmarshal(a.GetPatch(), &p); err != nil || a.GetPatchType() != types.MergePatchType {
				t.Errorf("patch %s (%s): want a merge patch of spec.replicas", a.GetPatch(), a.GetPatchType())
			}
			steps = append(steps, p.Spec.Replicas)
		}
		return false, nil, nil
	})
	start := time.Now()
	// 250/s in steps of a tenth of a second: 25 replicas a step, 110 in 5 steps.
	if err := scaleUpPaced(context.Background(), cs, "ns", "bench", 110, 250, map[string]string{"app": "bench"}); err != nil {
		t.Fatalf("scaleUpPaced: %v", err)
	}
	if el := time.Since(start); el < 4*time.Second/scaleSteps {
		t.Errorf("scaled to 110 in %v; want at least four steps of %v", el, time.Second/scaleSteps)
	}
	want := []int32{25, 50, 75, 100, 110}
	if !slices.Equal(steps, want) {
		t.Errorf("replicas created then patched = %v; want %v", steps, want)
	}
	d, err := cs.AppsV1().Deployments("ns").Get(context.Background(), "bench", metav1.GetOptions{})
	if err != nil || *d.Spec.Replicas != 110 {
		t.Errorf("deployment after scaleUpPaced: %v, %v; want 110 replicas", d, err)
	}
}
