package validation

import (
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-dev/skiff/internal/apis/podspec"
)

// kindRules are the checks of one kind. create is required; createOnly,
// when set, adds checks of a new object that update makes itself because
// they depend on the old object (upstream's validation options); update,
// when set, adds update-only rules (immutable fields) after create's checks
// of the new object and the metadata update checks; status checks a
// status update beyond metadata.
type kindRules struct {
	create     func(obj runtime.Object) field.ErrorList
	createOnly func(obj runtime.Object) field.ErrorList
	update     func(obj, old runtime.Object) field.ErrorList
	status     func(obj, old runtime.Object) field.ErrorList
}

// rulesFor returns the rules for obj's kind, or false for unknown kinds;
// a kind holding a pod spec gets the affinity label-value checks that
// depend on the old object.
func rulesFor(obj runtime.Object) (kindRules, bool) {
	r, ok := kindRulesFor(obj)
	if ok {
		if spec, _, _ := podspec.Of(obj); spec != nil {
			r = withAffinityValues(r)
		}
	}
	return r, ok
}

// kindRulesFor returns the rules of obj's kind as each group declares
// them.
func kindRulesFor(obj runtime.Object) (kindRules, bool) {
	if r, ok := coreRules(obj); ok {
		return r, true
	}
	if r, ok := workloadRules(obj); ok {
		return r, true
	}
	return otherRules(obj)
}

// ValidateCreate checks a new object as upstream's validation does; field
// paths and messages follow upstream.
func ValidateCreate(obj runtime.Object) field.ErrorList {
	r, ok := rulesFor(obj)
	if !ok {
		return nil
	}
	errs := r.create(obj)
	if r.createOnly != nil {
		errs = append(errs, r.createOnly(obj)...)
	}
	return errs
}

// ValidateUpdate checks an update of old to obj: the new object as on
// create, the metadata update rules and the kind's immutable fields.
func ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	r, ok := rulesFor(obj)
	if !ok {
		return nil
	}
	if errs := sameType(obj, old); errs != nil {
		return errs
	}
	errs := metaUpdate(obj, old)
	errs = appendNew(errs, r.create(obj))
	if r.update != nil {
		errs = append(errs, r.update(obj, old)...)
	}
	return errs
}

// ValidateStatusUpdate checks a status subresource update: the metadata
// update rules plus the kind's status checks.
func ValidateStatusUpdate(obj, old runtime.Object) field.ErrorList {
	r, ok := rulesFor(obj)
	if !ok {
		return nil
	}
	if errs := sameType(obj, old); errs != nil {
		return errs
	}
	errs := metaUpdate(obj, old)
	if r.status != nil {
		errs = append(errs, r.status(obj, old)...)
	}
	return errs
}

// sameType rejects an update whose old object is of another Go type.
func sameType(obj, old runtime.Object) field.ErrorList {
	if old == nil || reflect.TypeOf(obj) != reflect.TypeOf(old) {
		return field.ErrorList{field.InternalError(field.NewPath(""),
			fmt.Errorf("old object is %T, not %T", old, obj))}
	}
	return nil
}

// appendNew appends the errors of more that errs does not already hold
// (same type, field and detail), so metadata checks shared by the create
// and update rules are reported once.
func appendNew(errs, more field.ErrorList) field.ErrorList {
	type key struct {
		t             field.ErrorType
		field, detail string
	}
	seen := make(map[key]bool, len(errs))
	for _, e := range errs {
		seen[key{e.Type, e.Field, e.Detail}] = true
	}
	for _, e := range more {
		if k := (key{e.Type, e.Field, e.Detail}); !seen[k] {
			seen[k] = true
			errs = append(errs, e)
		}
	}
	return errs
}
