package integration

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/clientcodec"
)

// TestClientCodecOverTheWire: a clientset from clientcodec.NewForConfig,
// speaking protobuf over HTTPS as Skiff's agents do, lists and watches
// what the API holds exactly as client-go's own clientset reads it: an
// informer's cache ends equal to fresh gets after creates, updates and a
// delete (the reference read with client-go's decoders on the same wire);
// a raw watch brings the same events.
func TestClientCodecOverTheWire(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	cfg := protobufConfig()
	cs, err := clientcodec.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// ref reads the same wire with client-go's own decoders.
	ref, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, newPod(ns, fmt.Sprintf("before-%d", i)), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns))
	pods := f.Core().V1().Pods().Informer()
	deps := f.Apps().V1().Deployments().Informer()
	stop := make(chan struct{})
	f.Start(stop)
	defer func() { close(stop); f.Shutdown() }()
	if !cache.WaitForCacheSync(ctx.Done(), pods.HasSynced, deps.HasSynced) {
		t.Fatal("informers did not sync")
	}
	start, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(start.Items) != 3 {
		t.Fatalf("listed %v", names(start.Items))
	}
	w, err := cs.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: start.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	if _, err := cs.CoreV1().Pods(ns).Create(ctx, newPod(ns, "after"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		p, err := shared.cs.CoreV1().Pods(ns).Get(ctx, fmt.Sprintf("before-%d", i), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Labels = map[string]string{"round": fmt.Sprint(i)}
		if _, err := shared.cs.CoreV1().Pods(ns).Update(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := shared.cs.CoreV1().Pods(ns).Delete(ctx, "before-0", *metav1.NewDeleteOptions(0)); err != nil {
		t.Fatal(err)
	}
	dep := newDeployment(ns, "web")
	if _, err := shared.cs.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// The informers' caches end as the standard client reads the API.
	deadline := time.Now().Add(30 * time.Second)
	for {
		want, err := ref.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		d, derr := ref.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if derr == nil && sameItems(pods.GetStore(), want.Items) && sameObject(deps.GetStore(), ns+"/web", d) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the informer caches did not reach the API's pods %v", names(want.Items))
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The raw watch saw: after added, three updates, one delete.
	var got []string
	timeout := time.After(30 * time.Second)
	for len(got) < 5 {
		select {
		case ev := <-w.ResultChan():
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				t.Fatalf("watch event %s carries %T", ev.Type, ev.Object)
			}
			got = append(got, string(ev.Type)+" "+p.Name)
		case <-timeout:
			t.Fatalf("watch events so far: %v", got)
		}
	}
	want := []string{"ADDED after", "MODIFIED before-0", "MODIFIED before-1", "MODIFIED before-2", "DELETED before-0"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("watch events %v, want %v", got, want)
	}

}

func sameItems(store cache.Store, items []corev1.Pod) bool {
	if len(store.List()) != len(items) {
		return false
	}
	for i := range items {
		if !sameObject(store, items[i].Namespace+"/"+items[i].Name, &items[i]) {
			return false
		}
	}
	return true
}

func sameObject(store cache.Store, key string, want any) bool {
	got, ok, _ := store.GetByKey(key)
	if !ok {
		return false
	}
	switch w := want.(type) {
	case *corev1.Pod:
		return reflect.DeepEqual(got, w)
	case *appsv1.Deployment:
		return reflect.DeepEqual(got, w)
	}
	return false
}

func names(items []corev1.Pod) []string {
	var out []string
	for _, p := range items {
		out = append(out, p.Name)
	}
	return out
}
