package integration

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// daemonSetRevisions is "name:revision" of every ControllerRevision in ns.
func daemonSetRevisions(ctx context.Context, ns string) ([]string, []appsv1.ControllerRevision, error) {
	revs, err := cs.AppsV1().ControllerRevisions(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, err
	}
	var out []string
	for _, r := range revs.Items {
		out = append(out, fmt.Sprintf("%s:%d", r.Name, r.Revision))
	}
	return out, revs.Items, nil
}

// TestDaemonSetDuplicateRevisions: a second ControllerRevision of the
// current template (what two racing writers leave) is merged into the
// one with the highest revision number, the pods get its hash, and a
// rollback renumbers the kept revision above the others.
func TestDaemonSetDuplicateRevisions(t *testing.T) {
	startHollowNodes(t, "ds-dup-", 2)
	ns := newNamespace(t, "ds-dup")
	ctx := context.Background()
	nodes := []string{"ds-dup-0", "ds-dup-1"}
	ds, err := cs.AppsV1().DaemonSets(ns).Create(ctx, newDaemonSet("twin", "agent:1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitDaemonSet(t, ns, "twin", nodes, nil)
	_, revs, err := daemonSetRevisions(ctx, ns)
	if err != nil || len(revs) != 1 {
		t.Fatalf("controllerrevisions = %d, %v; want 1", len(revs), err)
	}
	orig := revs[0]
	twin := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: "twin-dup", Labels: map[string]string{"app": "twin", appsv1.ControllerRevisionHashLabelKey: "dup"},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ds, appsv1.SchemeGroupVersion.WithKind("DaemonSet"))}},
		Data: orig.Data, Revision: orig.Revision + 1,
	}
	if _, err := cs.AppsV1().ControllerRevisions(ns).Create(ctx, twin, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "duplicate revision merged into twin-dup", func(ctx context.Context) (bool, string, error) {
		names, _, err := daemonSetRevisions(ctx, ns)
		if err != nil {
			return false, "", err
		}
		byNode, err := daemonPodsByNode(ctx, ns)
		if err != nil {
			return false, "", err
		}
		var hashes []string
		ok := len(names) == 1 && names[0] == "twin-dup:2"
		for n, pods := range byNode {
			for _, p := range pods {
				h := p.Labels[appsv1.ControllerRevisionHashLabelKey]
				hashes = append(hashes, n+"="+h)
				ok = ok && h == "dup"
			}
		}
		return ok && len(hashes) == 2, fmt.Sprintf("revisions %v, pod hashes %v", names, hashes), nil
	})
	waitDaemonSet(t, ns, "twin", nodes, nil)

	// Roll to a new template (revision 3), then back: twin-dup is
	// renumbered 4.
	setImage := func(image string) {
		t.Helper()
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			ds, err := cs.AppsV1().DaemonSets(ns).Get(ctx, "twin", metav1.GetOptions{})
			if err != nil {
				return err
			}
			ds.Spec.Template.Spec.Containers[0].Image = image
			_, err = cs.AppsV1().DaemonSets(ns).Update(ctx, ds, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	setImage("agent:2")
	waitDaemonSet(t, ns, "twin", nodes, nil)
	setImage("agent:1")
	waitDaemonSet(t, ns, "twin", nodes, nil)
	eventually(t, "twin-dup renumbered 4", func(ctx context.Context) (bool, string, error) {
		names, _, err := daemonSetRevisions(ctx, ns)
		if err != nil {
			return false, "", err
		}
		found := false
		for _, n := range names {
			found = found || n == "twin-dup:4"
		}
		return found && len(names) == 2, fmt.Sprintf("revisions %v", names), nil
	})
}
