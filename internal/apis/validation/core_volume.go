package validation

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// podVolumes checks volume names (DNS-1123 labels, unique) and that each
// volume has exactly one source; it returns the set of names for mounts.
func podVolumes(vols []corev1.Volume, fldPath *field.Path) (sets.Set[string], field.ErrorList) {
	var errs field.ErrorList
	names := sets.New[string]()
	for i := range vols {
		v := &vols[i]
		idx := fldPath.Index(i)
		if v.Name == "" {
			errs = append(errs, field.Required(idx.Child("name"), ""))
		} else if msgs := utilvalidation.IsDNS1123Label(v.Name); len(msgs) > 0 {
			errs = append(errs, invalidMsgs(idx.Child("name"), v.Name, msgs)...)
		} else if names.Has(v.Name) {
			errs = append(errs, field.Duplicate(idx.Child("name"), v.Name))
		} else {
			names.Insert(v.Name)
		}
		errs = append(errs, oneSource(&v.VolumeSource, idx)...)
		errs = append(errs, volumeSource(&v.VolumeSource, idx)...)
	}
	return names, errs
}

// oneSource requires exactly one non-nil pointer field in a source struct
// (VolumeSource or PersistentVolumeSource).
func oneSource(src any, fldPath *field.Path) field.ErrorList {
	v := reflect.ValueOf(src).Elem()
	var errs field.ErrorList
	n := 0
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() != reflect.Pointer || f.IsNil() {
			continue
		}
		if n > 0 {
			errs = append(errs, field.Forbidden(fldPath.Child(jsonName(v.Type().Field(i))), "may not specify more than 1 volume type"))
		}
		n++
	}
	if n == 0 {
		errs = append(errs, field.Required(fldPath, "must specify a volume type"))
	}
	return errs
}

// jsonName returns a struct field's JSON name.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			return tag[:i]
		}
	}
	if tag == "" {
		return f.Name
	}
	return tag
}

// volumeSource checks the required fields of the common sources.
func volumeSource(src *corev1.VolumeSource, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s := src.HostPath; s != nil && s.Path == "" {
		errs = append(errs, field.Required(fldPath.Child("hostPath", "path"), ""))
	}
	if s := src.Secret; s != nil {
		errs = append(errs, fileMode(s.DefaultMode, fldPath.Child("secret", "defaultMode"))...)
		errs = append(errs, keyToPaths(s.Items, fldPath.Child("secret", "items"))...)
	}
	if s := src.ConfigMap; s != nil {
		if s.Name == "" {
			errs = append(errs, field.Required(fldPath.Child("configMap", "name"), ""))
		}
		errs = append(errs, fileMode(s.DefaultMode, fldPath.Child("configMap", "defaultMode"))...)
		errs = append(errs, keyToPaths(s.Items, fldPath.Child("configMap", "items"))...)
	}
	if s := src.PersistentVolumeClaim; s != nil && s.ClaimName == "" {
		errs = append(errs, field.Required(fldPath.Child("persistentVolumeClaim", "claimName"), ""))
	}
	if s := src.NFS; s != nil {
		if s.Server == "" {
			errs = append(errs, field.Required(fldPath.Child("nfs", "server"), ""))
		}
		if s.Path == "" {
			errs = append(errs, field.Required(fldPath.Child("nfs", "path"), ""))
		}
	}
	if s := src.EmptyDir; s != nil && s.SizeLimit != nil && s.SizeLimit.Sign() < 0 {
		errs = append(errs, field.Forbidden(fldPath.Child("emptyDir", "sizeLimit"), "SizeLimit field must be a valid resource quantity"))
	}
	if s := src.Projected; s != nil {
		errs = append(errs, fileMode(s.DefaultMode, fldPath.Child("projected", "defaultMode"))...)
	}
	if s := src.Image; s != nil && s.Reference == "" {
		errs = append(errs, field.Required(fldPath.Child("image", "reference"), ""))
	}
	return errs
}

// fileMode requires a mode within 0..0777.
func fileMode(mode *int32, fldPath *field.Path) field.ErrorList {
	if mode != nil && (*mode < 0 || *mode > 0o777) {
		return field.ErrorList{field.Invalid(fldPath, *mode, "must be a number between 0 and 0777 (octal), both inclusive")}
	}
	return nil
}

// keyToPaths checks projected item keys and relative paths.
func keyToPaths(items []corev1.KeyToPath, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, it := range items {
		idx := fldPath.Index(i)
		if it.Key == "" {
			errs = append(errs, field.Required(idx.Child("key"), ""))
		}
		if it.Path == "" {
			errs = append(errs, field.Required(idx.Child("path"), ""))
		} else {
			errs = append(errs, relativePath(it.Path, idx.Child("path"))...)
		}
		errs = append(errs, fileMode(it.Mode, idx.Child("mode"))...)
	}
	return errs
}
