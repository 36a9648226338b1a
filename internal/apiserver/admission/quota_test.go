package admission

import (
	"context"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func quota(name string, hard corev1.ResourceList, scopes ...corev1.ResourceQuotaScope) *corev1.ResourceQuota {
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: corev1.ResourceQuotaSpec{Hard: hard, Scopes: scopes}}
	return q
}

// newQuota stores q as the API server would after admitting its create.
func newQuota(t *testing.T, store *memStore, q *corev1.ResourceQuota) {
	t.Helper()
	if err := (&ResourceQuota{store: store}).Mutate(context.Background(), createAttrs(q)); err != nil {
		t.Fatalf("admit quota: %v", err)
	}
	store.put(q)
}

func TestResourceQuota(t *testing.T) {
	rl := func(kv ...string) corev1.ResourceList {
		l := corev1.ResourceList{}
		for i := 0; i < len(kv); i += 2 {
			l[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
		}
		return l
	}
	withCPU := func(p *corev1.Pod) { p.Spec.Containers[0].Resources = resources("500m", "1") }
	deadline := int64(60)
	tests := []struct {
		name     string
		quota    *corev1.ResourceQuota
		existing int
		pod      *corev1.Pod
		wantErr  string
		wantUsed corev1.ResourceList
	}{
		{name: "count within hard", quota: quota("q", rl("pods", "2")), existing: 1, pod: pod("p"), wantUsed: rl("pods", "2")},
		{name: "count at hard", quota: quota("q", rl("pods", "1")), existing: 1, pod: pod("p"),
			wantErr: `pods "p" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1`},
		{name: "compute", quota: quota("q", rl("requests.cpu", "1", "limits.cpu", "2")), pod: pod("p", withCPU),
			wantUsed: rl("requests.cpu", "500m", "limits.cpu", "1")},
		{name: "compute exceeded", quota: quota("q", rl("requests.cpu", "400m")), pod: pod("p", withCPU),
			wantErr: `pods "p" is forbidden: exceeded quota: q, requested: requests.cpu=500m, used: requests.cpu=0, limited: requests.cpu=400m`},
		{name: "compute must be specified", quota: quota("q", rl("limits.memory", "1Gi", "requests.cpu", "1")), pod: pod("p"),
			wantErr: `pods "p" is forbidden: failed quota: q: must specify limits.memory for: c; requests.cpu for: c`},
		{name: "terminating scope skips long-running pod", quota: quota("q", rl("pods", "0"), corev1.ResourceQuotaScopeTerminating), pod: pod("p"),
			wantUsed: rl("pods", "0")},
		{name: "terminating scope counts pod with deadline", quota: quota("q", rl("pods", "0"), corev1.ResourceQuotaScopeTerminating),
			pod:     pod("p", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = &deadline }),
			wantErr: `pods "p" is forbidden: exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0`},
		{name: "best effort scope", quota: quota("q", rl("pods", "0"), corev1.ResourceQuotaScopeBestEffort), pod: pod("p", withCPU),
			wantUsed: rl("pods", "0")},
		{name: "object count by group", quota: quota("q", rl("count/pods", "5")), existing: 2, pod: pod("p"), wantUsed: rl("count/pods", "3")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore()
			for i := 0; i < tt.existing; i++ {
				store.put(pod("existing-" + string(rune('a'+i))))
			}
			newQuota(t, store, tt.quota)
			p := &ResourceQuota{store: store}
			_, err := p.Validate(context.Background(), createAttrs(tt.pod))
			if errString(err) != tt.wantErr {
				t.Fatalf("Validate = %v; want %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			got, _ := store.Get(context.Background(), quotasGR, "ns", "q")
			used := got.(*corev1.ResourceQuota).Status.Used
			for name, want := range tt.wantUsed {
				if g := used[name]; g.Cmp(want) != 0 {
					t.Errorf("used %s = %s; want %s", name, g.String(), want.String())
				}
			}
		})
	}
}

func TestResourceQuotaUndoAndRelease(t *testing.T) {
	store := newMemStore()
	newQuota(t, store, quota("q", corev1.ResourceList{corev1.ResourcePods: resource.MustParse("5")}))
	p := &ResourceQuota{store: store}
	used := func() int64 {
		got, _ := store.Get(context.Background(), quotasGR, "ns", "q")
		q := got.(*corev1.ResourceQuota).Status.Used[corev1.ResourcePods]
		return q.Value()
	}
	undo, err := p.Validate(context.Background(), createAttrs(pod("a")))
	if err != nil || used() != 1 {
		t.Fatalf("charge: err %v used %d; want nil 1", err, used())
	}
	undo()
	if used() != 0 {
		t.Errorf("after undo used = %d; want 0", used())
	}
	if _, err := p.Validate(context.Background(), createAttrs(pod("b"))); err != nil {
		t.Fatal(err)
	}
	p.Release(context.Background(), podsGR, pod("b"))
	if used() != 0 {
		t.Errorf("after release used = %d; want 0", used())
	}
}

func TestResourceQuotaConcurrent(t *testing.T) {
	store := newMemStore()
	newQuota(t, store, quota("q", corev1.ResourceList{corev1.ResourcePods: resource.MustParse("10")}))
	p := &ResourceQuota{store: store}
	var wg sync.WaitGroup
	var mu sync.Mutex
	admitted := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.Validate(context.Background(), createAttrs(pod("p"))); err == nil {
				mu.Lock()
				admitted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	got, _ := store.Get(context.Background(), quotasGR, "ns", "q")
	used := got.(*corev1.ResourceQuota).Status.Used[corev1.ResourcePods]
	if admitted != 10 || used.Value() != 10 {
		t.Errorf("admitted %d, used %s; want 10 and 10", admitted, used.String())
	}
}
