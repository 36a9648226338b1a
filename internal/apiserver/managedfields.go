package apiserver

import (
	"bytes"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// recordUpdate records the managed fields of an update (not an apply) of
// obj over current, through the status subresource's field manager when
// sub is "status". The field manager compares the two whole objects;
// for a write to the status subresource everything but metadata and
// status was copied from current (prepareForUpdate), and for a write to
// the main resource of a kind with a status subresource the status was,
// so those parts are equal and the manager's reset fields exclude them
// anyway. They are left out of the comparison: the field manager gets
// shallow copies without them, and obj takes the managed fields it
// computed. On a pod's status write that halves the walk; when the
// write leaves the metadata as it was, only its managed fields go in
// (onlyManagedFields), and of those only the entries the write may
// change (setAsideUntouched).
func (ep *endpoint) recordUpdate(sub string, current, obj runtime.Object, manager string) runtime.Object {
	fm := ep.fieldManager
	if sub == "status" && ep.statusManager != nil {
		fm = ep.statusManager
	}
	var keep func(field string) bool
	switch {
	case sub == "status":
		keep = func(f string) bool { return f == "TypeMeta" || f == "ObjectMeta" || f == "Status" }
	case sub == "" && ep.res.HasStatus:
		if _, isNode := obj.(*corev1.Node); isNode {
			// A node's PUT may write its status too (prepareForUpdate).
			return fm.UpdateNoErrors(current, obj, manager)
		}
		keep = func(f string) bool { return f != "Status" }
	default:
		return fm.UpdateNoErrors(current, obj, manager)
	}
	live, next := shallowWith(current, keep), shallowWith(obj, keep)
	if live == nil || next == nil {
		return fm.UpdateNoErrors(current, obj, manager)
	}
	var aside []metav1.ManagedFieldsEntry
	if sub == "status" && onlyManagedFields(live, next) {
		aside = setAsideUntouched(live, next, manager)
	}
	out, err := meta.Accessor(fm.UpdateNoErrors(live, next, manager))
	om, err2 := meta.Accessor(obj)
	if err != nil || err2 != nil {
		return fm.UpdateNoErrors(current, obj, manager)
	}
	om.SetManagedFields(withEntries(out.GetManagedFields(), aside))
	return obj
}

// maxUpdateManagers is upstream's cap on the entries of updates
// (DefaultMaxUpdateManagers): beyond it the field manager merges the
// oldest.
const maxUpdateManagers = 10

// setAsideUntouched takes out of live's and next's managed fields (after
// onlyManagedFields, when a status write compares the status alone) the
// entries the write cannot change, and returns them. The field manager
// decodes every entry and encodes them all again, and a pod's entry from
// its creator, the whole spec, is the larger part of its status write's
// cost there. An entry of another manager with no field under status
// (its encoding names no "f:status") can lose nothing to a comparison
// of the status alone, and keeps its time. It sets nothing aside when
// the field manager would cap the entries (it counts them all), or when
// an entry is not plainly one the field manager decodes: with one it
// cannot decode it drops them all.
func setAsideUntouched(live, next runtime.Object, manager string) []metav1.ManagedFieldsEntry {
	lm, err := meta.Accessor(live)
	nm, err2 := meta.Accessor(next)
	if err != nil || err2 != nil {
		return nil
	}
	entries := lm.GetManagedFields()
	if len(entries)+1 > maxUpdateManagers {
		return nil
	}
	var kept, aside []metav1.ManagedFieldsEntry
	for _, e := range entries {
		switch {
		case e.Operation != metav1.ManagedFieldsOperationUpdate && e.Operation != metav1.ManagedFieldsOperationApply,
			e.APIVersion == "", e.FieldsType != "FieldsV1", e.FieldsV1 == nil:
			return nil
		case e.Manager == manager || bytes.Contains(e.FieldsV1.Raw, []byte(`"f:status"`)):
			kept = append(kept, e)
		default:
			aside = append(aside, *e.DeepCopy())
		}
	}
	if len(aside) == 0 {
		return nil
	}
	lm.SetManagedFields(kept)
	nm.SetManagedFields(kept)
	return aside
}

// withEntries adds the entries setAsideUntouched took out to the field
// manager's, in the field manager's order: by operation, time (whole
// seconds), manager, API version and subresource.
func withEntries(entries, aside []metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry {
	if len(aside) == 0 {
		return entries
	}
	all := append(slices.Clip(entries), aside...)
	seconds := func(t *metav1.Time) int64 {
		if t == nil {
			return 0
		}
		return t.Unix()
	}
	sort.SliceStable(all, func(i, j int) bool {
		p, q := all[i], all[j]
		switch {
		case p.Operation != q.Operation:
			return p.Operation < q.Operation
		case seconds(p.Time) != seconds(q.Time):
			return seconds(p.Time) < seconds(q.Time)
		case p.Manager != q.Manager:
			return p.Manager < q.Manager
		case p.APIVersion != q.APIVersion:
			return p.APIVersion < q.APIVersion
		}
		return p.Subresource < q.Subresource
	})
	return all
}

// onlyManagedFields leaves live and next (shallowWith's copies) with
// metadata holding nothing but their managed fields when the two are
// otherwise identical, as on most status writes: equal parts compare
// equal, so the field manager's walk of them only costs time. The
// managed fields stay, for the field manager reads the managers from
// them. It reports whether it did.
func onlyManagedFields(live, next runtime.Object) bool {
	lv, nv := reflect.ValueOf(live).Elem(), reflect.ValueOf(next).Elem()
	lf, nf := lv.FieldByName("ObjectMeta"), nv.FieldByName("ObjectMeta")
	if !lf.IsValid() || !nf.IsValid() || lf.Type() != reflect.TypeFor[metav1.ObjectMeta]() {
		return false
	}
	lm, nm := lf.Interface().(metav1.ObjectMeta), nf.Interface().(metav1.ObjectMeta)
	lrest, nrest := lm, nm
	lrest.ManagedFields, nrest.ManagedFields = nil, nil
	lrest.ResourceVersion, nrest.ResourceVersion = "", ""
	if !reflect.DeepEqual(lrest, nrest) {
		return false
	}
	lf.Set(reflect.ValueOf(metav1.ObjectMeta{ManagedFields: lm.ManagedFields}))
	nf.Set(reflect.ValueOf(metav1.ObjectMeta{ManagedFields: nm.ManagedFields}))
	return true
}

// shallowWith is a new object of obj's type holding only the top-level
// fields keep names, shared with obj; nil if obj is not a struct pointer.
func shallowWith(obj runtime.Object, keep func(field string) bool) runtime.Object {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	src := v.Elem()
	dst := reflect.New(src.Type())
	for i := range src.NumField() {
		if keep(src.Type().Field(i).Name) {
			dst.Elem().Field(i).Set(src.Field(i))
		}
	}
	out, _ := dst.Interface().(runtime.Object)
	return out
}

// createFields memoizes the managed fields of creates. A create's entry
// depends only on the manager and on the object apart from the metadata
// the field manager strips (name, uid, creation time): every pod a
// ReplicaSet creates from one template gets the same entry but for its
// time. The key holds the object's whole protobuf encoding with those
// three cleared, so a hit is exact, never a guess.
type createFields struct {
	mu      sync.Mutex
	entries map[string]metav1.ManagedFieldsEntry
}

const (
	// createFieldsMax bounds the memo; when full it starts over.
	createFieldsMax = 256
	// createFieldsKeyMax leaves large objects out: their encoding would
	// make a large key, and the walk is a small part of their create.
	createFieldsKeyMax = 16 << 10
)

// recordCreate records the managed fields of a create by manager, as the
// field manager does from an empty object, through the memo (ep.created)
// when obj sets no managed fields of its own.
func (ep *endpoint) recordCreate(obj runtime.Object, manager string) runtime.Object {
	fm, memo := ep.fieldManager, &ep.created
	m, err := meta.Accessor(obj)
	if err != nil || m.GetManagedFields() != nil {
		return fm.UpdateNoErrors(ep.res.New(), obj, manager)
	}
	key, ok := createKey(obj, m, manager)
	if !ok {
		return fm.UpdateNoErrors(ep.res.New(), obj, manager)
	}
	memo.mu.Lock()
	e, hit := memo.entries[key]
	memo.mu.Unlock()
	if hit {
		// The entry's fields share the memo's bytes: nothing writes into
		// a FieldsV1's bytes (the field manager makes new ones), and the
		// full slice expression sends an append to a new array.
		entry := e
		fields := *e.FieldsV1
		fields.Raw = fields.Raw[:len(fields.Raw):len(fields.Raw)]
		entry.FieldsV1 = &fields
		entry.Time = &metav1.Time{Time: time.Now().UTC()}
		m.SetManagedFields([]metav1.ManagedFieldsEntry{entry})
		return obj
	}
	out := fm.UpdateNoErrors(ep.res.New(), obj, manager)
	om, err := meta.Accessor(out)
	if err != nil {
		return out
	}
	if mf := om.GetManagedFields(); len(mf) == 1 && mf[0].FieldsV1 != nil {
		memo.mu.Lock()
		if memo.entries == nil || len(memo.entries) >= createFieldsMax {
			memo.entries = make(map[string]metav1.ManagedFieldsEntry)
		}
		memo.entries[key] = *mf[0].DeepCopy()
		memo.mu.Unlock()
	}
	return out
}

// createKey is the memo key of obj's create by manager: the manager and
// obj's protobuf encoding without its name, uid and creation time, which
// the field manager strips from the entry; for the kinds flatShape knows,
// the encoding of its copy. ok is false for objects with no protobuf
// encoding or too large an one.
func createKey(obj runtime.Object, m metav1.Object, manager string) (string, bool) {
	if shaped := flatShape(obj); shaped != nil {
		obj = shaped
		if m, _ = meta.Accessor(shaped); m == nil {
			return "", false
		}
	}
	enc, ok := obj.(interface {
		Size() int
		MarshalToSizedBuffer([]byte) (int, error)
	})
	if !ok {
		return "", false
	}
	name, uid, created := m.GetName(), m.GetUID(), m.GetCreationTimestamp()
	m.SetName("")
	m.SetUID("")
	m.SetCreationTimestamp(metav1.Time{})
	defer func() {
		m.SetName(name)
		m.SetUID(uid)
		m.SetCreationTimestamp(created)
	}()
	size := enc.Size()
	if size > createFieldsKeyMax {
		return "", false
	}
	// The key is the manager's length and name and the encoding in one
	// buffer, made once and never changed after: the string is a view of
	// it.
	buf := strconv.AppendInt(make([]byte, 0, 20+1+len(manager)+size), int64(len(manager)), 10)
	buf = append(append(buf, ':'), manager...)
	prefix := len(buf)
	buf = buf[:prefix+size]
	if n, err := enc.MarshalToSizedBuffer(buf[prefix:]); err != nil || n != size {
		return "", false
	}
	return unsafe.String(unsafe.SliceData(buf), len(buf)), true
}

// flatShape returns, for kinds whose managed fields depend only on which
// of their fields are set and on their maps' keys (flatKinds), a copy in
// which every set scalar outside the metadata, map values included, holds
// one stand-in value; nil for other kinds. Every pod's Scheduled event
// differs from the next in its message, object and times, and ConfigMaps
// of one layout in their values; the field manager walked each. By shape
// they share one memo entry.
func flatShape(obj runtime.Object) runtime.Object {
	if t := reflect.TypeOf(obj); t.Kind() != reflect.Pointer || !flatKinds[t.Elem()] {
		return nil
	}
	out := obj.DeepCopyObject()
	v := reflect.ValueOf(out).Elem()
	for i := range v.NumField() {
		if f := v.Type().Field(i); f.Name != "TypeMeta" && f.Name != "ObjectMeta" {
			standIn(v.Field(i))
		}
	}
	return out
}

// flatKinds are events, ConfigMaps and Secrets, as long as their types
// hold no list outside their metadata: a list's items may be keyed by
// their values (containers by name, a set's strings), which then name
// fields. A newer API version that adds one drops its kind from the set.
var flatKinds = flatTypes(corev1.Event{}, eventsv1.Event{}, corev1.ConfigMap{}, corev1.Secret{})

// flatTypes is the set of the types of objs that hold no list (byte
// strings apart) outside their TypeMeta and ObjectMeta.
func flatTypes(objs ...any) map[reflect.Type]bool {
	out := map[reflect.Type]bool{}
	for _, o := range objs {
		t := reflect.TypeOf(o)
		flat := t.Kind() == reflect.Struct
		for i := 0; flat && i < t.NumField(); i++ {
			if f := t.Field(i); f.Name != "TypeMeta" && f.Name != "ObjectMeta" {
				flat = !holdsList(f.Type, map[reflect.Type]bool{})
			}
		}
		if flat {
			out[t] = true
		}
	}
	return out
}

// holdsList reports whether a value of type t can hold a list other than
// a byte string, in its exported fields, pointers and map values.
func holdsList(t reflect.Type, seen map[reflect.Type]bool) bool {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return t.Elem().Kind() != reflect.Uint8
	case reflect.Pointer, reflect.Map:
		return holdsList(t.Elem(), seen)
	case reflect.Struct:
		if seen[t] {
			return false
		}
		seen[t] = true
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && holdsList(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

var (
	timeType      = reflect.TypeFor[metav1.Time]()
	microTimeType = reflect.TypeFor[metav1.MicroTime]()
	standInTime   = time.Unix(1, 0)
)

// standIn replaces each non-zero scalar under v, in maps' values too,
// with a non-zero stand-in, leaving zero values, booleans and map keys as
// they are.
func standIn(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.Len() > 0 {
			v.SetString("x")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.Int() != 0 {
			v.SetInt(1)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.Uint() != 0 {
			v.SetUint(1)
		}
	case reflect.Float32, reflect.Float64:
		if v.Float() != 0 {
			v.SetFloat(1)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			standIn(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			standIn(v.Index(i))
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(it.Value())
			standIn(e)
			v.SetMapIndex(it.Key(), e)
		}
	case reflect.Struct:
		switch v.Type() {
		case timeType:
			if t := v.Interface().(metav1.Time); !t.IsZero() {
				v.Set(reflect.ValueOf(metav1.Time{Time: standInTime}))
			}
		case microTimeType:
			if t := v.Interface().(metav1.MicroTime); !t.IsZero() {
				v.Set(reflect.ValueOf(metav1.MicroTime{Time: standInTime}))
			}
		default:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					standIn(v.Field(i))
				}
			}
		}
	}
}
