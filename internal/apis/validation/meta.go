package validation

import (
	"k8s.io/apimachinery/pkg/api/meta"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	unversioned "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// nameFunc validates an object name (prefix is true for generateName).
type nameFunc = apimachineryvalidation.ValidateNameFunc

// The name rules upstream applies per kind.
var (
	dnsSubdomain nameFunc = apimachineryvalidation.NameIsDNSSubdomain
	dnsLabel     nameFunc = apimachineryvalidation.NameIsDNSLabel
	dns1035Label nameFunc = apimachineryvalidation.NameIsDNS1035Label
	pathSegment  nameFunc = path.ValidatePathSegmentName
)

var metadataPath = field.NewPath("metadata")

// objectMeta validates metadata on create: name or generateName, namespace
// presence, labels, annotations, owner references and finalizers.
func objectMeta(m *metav1.ObjectMeta, namespaced bool, name nameFunc) field.ErrorList {
	return apimachineryvalidation.ValidateObjectMeta(m, namespaced, name, metadataPath)
}

// metaUpdate validates metadata on update: name, namespace, uid and
// creationTimestamp are immutable; labels and annotations stay valid.
// resourceVersion is not required here.
func metaUpdate(obj, old runtime.Object) field.ErrorList {
	nm, err := meta.Accessor(obj)
	if err != nil {
		return field.ErrorList{field.InternalError(metadataPath, err)}
	}
	om, err := meta.Accessor(old)
	if err != nil {
		return field.ErrorList{field.InternalError(metadataPath, err)}
	}
	if nm.GetResourceVersion() == "" {
		nm = withResourceVersion{Object: nm}
	}
	return apimachineryvalidation.ValidateObjectMetaAccessorUpdate(nm, om, metadataPath)
}

// withResourceVersion reports a placeholder resourceVersion so that the
// upstream update check does not demand one.
type withResourceVersion struct{ metav1.Object }

func (withResourceVersion) GetResourceVersion() string { return "0" }

// labelSelector validates a LabelSelector the way workloads do.
func labelSelector(s *metav1.LabelSelector, fldPath *field.Path) field.ErrorList {
	return unversioned.ValidateLabelSelector(s, unversioned.LabelSelectorValidationOptions{}, fldPath)
}

// nonNegative reports a negative value as upstream does.
func nonNegative(v int64, fldPath *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateNonnegativeField(v, fldPath)
}

// nonNegativePtr is nonNegative for an optional field.
func nonNegativePtr[T ~int32 | ~int64](v *T, fldPath *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	return nonNegative(int64(*v), fldPath)
}

// immutable reports a change of an immutable field.
func immutable(newVal, oldVal any, fldPath *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateImmutableField(newVal, oldVal, fldPath)
}

// invalidMsgs turns the messages of a string check into Invalid errors.
func invalidMsgs(fldPath *field.Path, value any, msgs []string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range msgs {
		errs = append(errs, field.Invalid(fldPath, value, msg))
	}
	return errs
}
