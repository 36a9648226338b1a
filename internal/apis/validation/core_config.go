package validation

import (
	"encoding/json"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxDataSize is upstream's limit on a Secret's or ConfigMap's data (1 MiB).
const maxDataSize = 1 * 1024 * 1024

const immutableMsg = "field is immutable when `immutable` is set"

// validateNamespace checks a Namespace: DNS-1123 label name and finalizers.
func validateNamespace(ns *corev1.Namespace) field.ErrorList {
	errs := objectMeta(&ns.ObjectMeta, false, dnsLabel)
	for i, f := range ns.Spec.Finalizers {
		errs = append(errs, apimachineryvalidation.ValidateFinalizerName(string(f), field.NewPath("spec", "finalizers").Index(i))...)
	}
	return errs
}

// validateServiceAccount checks a ServiceAccount.
func validateServiceAccount(sa *corev1.ServiceAccount) field.ErrorList {
	return objectMeta(&sa.ObjectMeta, true, dnsSubdomain)
}

// validateConfigMap checks keys (valid, not in both data and binaryData)
// and the total size.
func validateConfigMap(cm *corev1.ConfigMap) field.ErrorList {
	errs := objectMeta(&cm.ObjectMeta, true, dnsSubdomain)
	size := 0
	for k, v := range cm.Data {
		errs = append(errs, invalidMsgs(field.NewPath("data").Key(k), k, utilvalidation.IsConfigMapKey(k))...)
		size += len(v)
	}
	for k, v := range cm.BinaryData {
		errs = append(errs, invalidMsgs(field.NewPath("binaryData").Key(k), k, utilvalidation.IsConfigMapKey(k))...)
		if _, ok := cm.Data[k]; ok {
			errs = append(errs, field.Invalid(field.NewPath("binaryData"), k, "duplicate of key present in data"))
		}
		size += len(v)
	}
	if size > maxDataSize {
		errs = append(errs, field.TooLong(field.NewPath(""), "", maxDataSize))
	}
	return errs
}

// validateConfigMapUpdate forbids data changes once immutable is set.
func validateConfigMapUpdate(cm, old *corev1.ConfigMap) field.ErrorList {
	if old.Immutable == nil || !*old.Immutable {
		return nil
	}
	var errs field.ErrorList
	if cm.Immutable == nil || !*cm.Immutable {
		errs = append(errs, field.Forbidden(field.NewPath("immutable"), immutableMsg))
	}
	if !reflect.DeepEqual(cm.Data, old.Data) {
		errs = append(errs, field.Forbidden(field.NewPath("data"), immutableMsg))
	}
	if !reflect.DeepEqual(cm.BinaryData, old.BinaryData) {
		errs = append(errs, field.Forbidden(field.NewPath("binaryData"), immutableMsg))
	}
	return errs
}

// validateSecret checks keys, size and the keys each secret type needs.
func validateSecret(s *corev1.Secret) field.ErrorList {
	errs := objectMeta(&s.ObjectMeta, true, dnsSubdomain)
	dataPath := field.NewPath("data")
	size := 0
	for k, v := range s.Data {
		errs = append(errs, invalidMsgs(dataPath.Key(k), k, utilvalidation.IsConfigMapKey(k))...)
		size += len(v)
	}
	for k, v := range s.StringData {
		errs = append(errs, invalidMsgs(field.NewPath("stringData").Key(k), k, utilvalidation.IsConfigMapKey(k))...)
		if _, ok := s.Data[k]; !ok {
			size += len(v)
		}
	}
	if size > maxDataSize {
		errs = append(errs, field.TooLong(dataPath, "", maxDataSize))
	}
	return append(errs, secretTypeKeys(s, dataPath)...)
}

// secretTypeKeys checks the per-type requirements of a Secret.
func secretTypeKeys(s *corev1.Secret, dataPath *field.Path) field.ErrorList {
	has := func(k string) bool {
		if _, ok := s.Data[k]; ok {
			return true
		}
		_, ok := s.StringData[k]
		return ok
	}
	value := func(k string) []byte {
		if v, ok := s.StringData[k]; ok {
			return []byte(v)
		}
		return s.Data[k]
	}
	var errs field.ErrorList
	required := func(keys ...string) {
		for _, k := range keys {
			if !has(k) {
				errs = append(errs, field.Required(dataPath.Key(k), ""))
			}
		}
	}
	jsonKey := func(k string) {
		required(k)
		if has(k) && !json.Valid(value(k)) {
			errs = append(errs, field.Invalid(dataPath.Key(k), "<secret contents redacted>", "invalid JSON"))
		}
	}
	switch s.Type {
	case corev1.SecretTypeServiceAccountToken:
		if s.Annotations[corev1.ServiceAccountNameKey] == "" {
			errs = append(errs, field.Required(metadataPath.Child("annotations").Key(corev1.ServiceAccountNameKey), ""))
		}
	case corev1.SecretTypeDockercfg:
		jsonKey(corev1.DockerConfigKey)
	case corev1.SecretTypeDockerConfigJson:
		jsonKey(corev1.DockerConfigJsonKey)
	case corev1.SecretTypeBasicAuth:
		if !has(corev1.BasicAuthUsernameKey) && !has(corev1.BasicAuthPasswordKey) {
			required(corev1.BasicAuthUsernameKey, corev1.BasicAuthPasswordKey)
		}
	case corev1.SecretTypeSSHAuth:
		required(corev1.SSHAuthPrivateKey)
	case corev1.SecretTypeTLS:
		required(corev1.TLSCertKey, corev1.TLSPrivateKeyKey)
	}
	return errs
}

// validateSecretUpdate keeps the type and, once immutable, the data.
func validateSecretUpdate(s, old *corev1.Secret) field.ErrorList {
	errs := immutable(s.Type, old.Type, field.NewPath("type"))
	if old.Immutable == nil || !*old.Immutable {
		return errs
	}
	if s.Immutable == nil || !*s.Immutable {
		errs = append(errs, field.Forbidden(field.NewPath("immutable"), immutableMsg))
	}
	if !reflect.DeepEqual(s.Data, old.Data) || len(s.StringData) > 0 {
		errs = append(errs, field.Forbidden(field.NewPath("data"), immutableMsg))
	}
	return errs
}
