// Package history owns the ControllerRevision bookkeeping the StatefulSet
// and DaemonSet controllers share, as upstream's controller history does:
// a revision snapshots a pod template as a strategic merge patch
// ({"spec":{"template":{...,"$patch":"replace"}}}, what `kubectl rollout
// undo` applies), is named <parent>-<hash> where the hash covers the patch
// and the parent's collisionCount, carries an increasing revision number,
// and is owned (controller reference) by its parent.
//
// The pure helpers (Hash, Name, TemplatePatch, Template, Equal, FindEqual,
// Sort, Next, ToTrim) decide; Store performs: it lists and adopts a
// parent's revisions from an informer cache and creates, renumbers and
// deletes them through the API. A caller's sync:
//
//	revs, _ := store.List(ctx, set, kind, selector)   // owned + adopted, sorted
//	data, _ := history.TemplatePatch(&set.Spec.Template)
//	update := history.New(set, kind, set.Spec.Template.Labels, data, history.Next(revs), collisionCount, store.HashLabel)
//	if eq := history.FindEqual(revs, update); len(eq) > 0 { ... reuse, renumber if not the newest }
//	else { update, _ = store.Create(ctx, set, update, &collisionCount) } // bumps collisionCount on a clash
//	for _, r := range history.ToTrim(revs, live, limit) { store.Delete(ctx, r) }
package history
