package daemonset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/controller/history"
)

// revisionHistoryLimit defaults spec.revisionHistoryLimit, as upstream.
const revisionHistoryLimit = 10

// revisionPlan is what upstream's constructHistory decides from a
// DaemonSet's revisions and the data of its current template.
type revisionPlan struct {
	// cur is the revision of the template to keep; nil means create one.
	cur *appsv1.ControllerRevision
	// number is the revision number cur must carry: one above every
	// revision of another template. A kept cur with a lower number (a
	// rollback) is renumbered to it; a higher one stays.
	number int64
	// dups are the other revisions of the template, to delete once the
	// pods carrying their hash carry cur's.
	dups []*appsv1.ControllerRevision
	// old are the revisions of other templates, sorted by history.Sort.
	old []*appsv1.ControllerRevision
}

// planRevisions splits revs (sorted by history.Sort, every one labelled
// with its hash) into the current template's and the others, and keeps,
// of the current ones, the one with the highest revision number (the
// last of equals), as upstream's dedupCurHistories.
func planRevisions(revs []*appsv1.ControllerRevision, data []byte) revisionPlan {
	var pl revisionPlan
	var curs []*appsv1.ControllerRevision
	for _, rev := range revs {
		if bytes.Equal(rev.Data.Raw, data) {
			curs = append(curs, rev)
		} else {
			pl.old = append(pl.old, rev)
		}
	}
	pl.number = history.Next(pl.old)
	for _, rev := range curs {
		if pl.cur == nil || rev.Revision >= pl.cur.Revision {
			pl.cur = rev
		}
	}
	for _, rev := range curs {
		if rev != pl.cur {
			pl.dups = append(pl.dups, rev)
		}
	}
	return pl
}

// toRelabel returns the pods carrying the hash of one of dups; they run
// keep's template and get keep's hash. Upstream relabels every daemon pod
// whose hash is not keep's, which would mark pods of older templates as
// updated and stop a rolling update from replacing them; Skiff relabels
// only the duplicates' pods.
func toRelabel(byNode map[string][]*corev1.Pod, dups []*appsv1.ControllerRevision) []*corev1.Pod {
	hashes := map[string]bool{}
	for _, d := range dups {
		hashes[d.Labels[history.PodHashLabel]] = true
	}
	var out []*corev1.Pod
	for _, n := range slices.Sorted(maps.Keys(byNode)) {
		for _, p := range byNode[n] {
			if h, ok := p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]; ok && hashes[h] {
				out = append(out, p)
			}
		}
	}
	return out
}

// revision finds the revision holding spec.template or creates it, as
// upstream's constructHistory: revisions without a hash label get their
// name as hash, duplicates of the template are merged into the one with
// the highest number (relabelling their pods in byNode), and the kept one
// is renumbered above the others on a rollback. It returns the current
// revision, the remaining revisions and the collision count that named
// the current one.
func (r *Reconciler) revision(ctx context.Context, ds *appsv1.DaemonSet, revs []*appsv1.ControllerRevision, byNode map[string][]*corev1.Pod) (*appsv1.ControllerRevision, []*appsv1.ControllerRevision, int32, error) {
	var cc int32
	if ds.Status.CollisionCount != nil {
		cc = *ds.Status.CollisionCount
	}
	data, err := history.TemplatePatch(&ds.Spec.Template)
	if err != nil {
		return nil, nil, cc, err
	}
	if revs, err = r.labelRevisions(ctx, revs); err != nil {
		return nil, nil, cc, err
	}
	pl := planRevisions(revs, data)
	cur := pl.cur
	if cur == nil {
		cur, err = r.history.Create(ctx, ds, history.New(ds, kind, ds.Spec.Template.Labels, data, pl.number, &cc, history.PodHashLabel), &cc)
		return cur, append(pl.old, cur), cc, err
	}
	if len(pl.dups) > 0 {
		if err := r.dedup(ctx, ds, cur, pl.dups, byNode); err != nil {
			return nil, nil, cc, err
		}
	}
	if cur.Revision < pl.number {
		cur, err = r.history.Renumber(ctx, cur, pl.number)
	}
	return cur, append(pl.old, cur), cc, err
}

// labelRevisions gives every revision without a controller-revision-hash
// label its name as hash, as upstream.
func (r *Reconciler) labelRevisions(ctx context.Context, revs []*appsv1.ControllerRevision) ([]*appsv1.ControllerRevision, error) {
	out := make([]*appsv1.ControllerRevision, 0, len(revs))
	for _, rev := range revs {
		if _, ok := rev.Labels[history.PodHashLabel]; !ok {
			c := rev.DeepCopy()
			c.Labels = maps.Clone(c.Labels)
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			c.Labels[history.PodHashLabel] = c.Name
			updated, err := r.client.AppsV1().ControllerRevisions(c.Namespace).Update(ctx, c, metav1.UpdateOptions{})
			if err != nil {
				return nil, fmt.Errorf("label controllerrevision %s: %w", c.Name, err)
			}
			rev = updated
		}
		out = append(out, rev)
	}
	return out, nil
}

// dedup relabels the pods of dups with keep's hash, replacing them in
// byNode, then deletes dups.
func (r *Reconciler) dedup(ctx context.Context, ds *appsv1.DaemonSet, keep *appsv1.ControllerRevision, dups []*appsv1.ControllerRevision, byNode map[string][]*corev1.Pod) error {
	hash := keep.Labels[history.PodHashLabel]
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]string{appsv1.DefaultDaemonSetUniqueLabelKey: hash}}})
	if err != nil {
		return err
	}
	relabeled := map[types.UID]*corev1.Pod{}
	for _, p := range toRelabel(byNode, dups) {
		np, err := r.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("relabel pod %s with revision %s: %w", p.Name, keep.Name, err)
		}
		relabeled[p.UID] = np
	}
	for _, pods := range byNode {
		for i, p := range pods {
			if np, ok := relabeled[p.UID]; ok {
				pods[i] = np
			}
		}
	}
	var errs []error
	for _, d := range dups {
		errs = append(errs, r.history.Delete(ctx, d))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("delete duplicate revisions of daemonset %s/%s: %w", ds.Namespace, ds.Name, err)
	}
	return nil
}

// trimHistory deletes the revisions beyond revisionHistoryLimit whose
// hash no pod carries, oldest first.
func (r *Reconciler) trimHistory(ctx context.Context, ds *appsv1.DaemonSet, byNode map[string][]*corev1.Pod, revs []*appsv1.ControllerRevision, cur *appsv1.ControllerRevision) error {
	hashes := map[string]bool{}
	for _, pods := range byNode {
		for _, p := range pods {
			hashes[p.Labels[history.PodHashLabel]] = true
		}
	}
	live := map[string]bool{cur.Name: true}
	for _, rev := range revs {
		if hashes[rev.Labels[history.PodHashLabel]] {
			live[rev.Name] = true
		}
	}
	limit := revisionHistoryLimit
	if ds.Spec.RevisionHistoryLimit != nil {
		limit = int(*ds.Spec.RevisionHistoryLimit)
	}
	var errs []error
	for _, old := range history.ToTrim(revs, live, limit) {
		errs = append(errs, r.history.Delete(ctx, old))
	}
	return errors.Join(errs...)
}
