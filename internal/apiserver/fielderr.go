package apiserver

import "k8s.io/apimachinery/pkg/util/validation/field"

func fieldRequired(path, detail string) field.ErrorList {
	return field.ErrorList{field.Required(field.NewPath(path), detail)}
}

func fieldInvalid(path string, value interface{}, detail string) field.ErrorList {
	return field.ErrorList{field.Invalid(field.NewPath(path), value, detail)}
}
