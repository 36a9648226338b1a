package validation

import (
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const statefulSetUpdateForbidden = "updates to statefulset spec for fields other than 'replicas', 'ordinals', " +
	"'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"

// validateStatefulSet checks a StatefulSet on create.
func validateStatefulSet(ss *appsv1.StatefulSet) field.ErrorList {
	errs := objectMeta(&ss.ObjectMeta, true, dnsSubdomain)
	s := &ss.Spec
	switch s.PodManagementPolicy {
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	case "":
		errs = append(errs, field.Required(specPath.Child("podManagementPolicy"), ""))
	default:
		errs = append(errs, field.Invalid(specPath.Child("podManagementPolicy"), s.PodManagementPolicy,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement)))
	}
	errs = append(errs, statefulSetStrategy(&s.UpdateStrategy)...)
	if rp := s.PersistentVolumeClaimRetentionPolicy; rp != nil {
		p := specPath.Child("persistentVolumeClaimRetentionPolicy")
		errs = append(errs, enumOptional(rp.WhenDeleted, retentionPolicies, p.Child("whenDeleted"))...)
		errs = append(errs, enumOptional(rp.WhenScaled, retentionPolicies, p.Child("whenScaled"))...)
	}
	errs = append(errs, nonNegativePtr(s.Replicas, specPath.Child("replicas"))...)
	errs = append(errs, nonNegative(int64(s.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	errs = append(errs, nonNegativePtr(s.RevisionHistoryLimit, specPath.Child("revisionHistoryLimit"))...)
	if s.Ordinals != nil {
		errs = append(errs, nonNegative(int64(s.Ordinals.Start), specPath.Child("ordinals", "start"))...)
	}
	errs = append(errs, workloadSelector(s.Selector, &s.Template, "statefulset")...)
	errs = append(errs, workloadTemplate(withClaimVolumes(s), "StatefulSet")...)
	for i := range s.VolumeClaimTemplates {
		c := &s.VolumeClaimTemplates[i]
		p := specPath.Child("volumeClaimTemplates").Index(i)
		errs = append(errs, invalidMsgs(p.Child("metadata", "name"), c.Name, dnsSubdomain(c.Name, false))...)
		errs = append(errs, claimSpec(&c.Spec, p.Child("spec"))...)
	}
	return errs
}

// withClaimVolumes is the StatefulSet's pod template as its pods get it:
// the controller gives each pod a volume per volumeClaimTemplate, named
// after it, so containers mount claims the template does not list.
// Upstream validates no pod spec of a StatefulSet at all
// (ValidatePodTemplateSpecForStatefulSet leaves it as a TODO, for this
// very reason); Skiff validates the pods the StatefulSet would create.
func withClaimVolumes(s *appsv1.StatefulSetSpec) *corev1.PodTemplateSpec {
	if len(s.VolumeClaimTemplates) == 0 {
		return &s.Template
	}
	t := s.Template.DeepCopy()
	for _, c := range s.VolumeClaimTemplates {
		v := corev1.Volume{Name: c.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c.Name}}}
		if i := slices.IndexFunc(t.Spec.Volumes, func(x corev1.Volume) bool { return x.Name == c.Name }); i >= 0 {
			t.Spec.Volumes[i] = v
		} else {
			t.Spec.Volumes = append(t.Spec.Volumes, v)
		}
	}
	return t
}

// statefulSetStrategy checks the update strategy.
func statefulSetStrategy(st *appsv1.StatefulSetUpdateStrategy) field.ErrorList {
	p := specPath.Child("updateStrategy")
	switch st.Type {
	case "":
		return field.ErrorList{field.Required(p, "")}
	case appsv1.OnDeleteStatefulSetStrategyType:
		if st.RollingUpdate != nil {
			return field.ErrorList{field.Invalid(p.Child("rollingUpdate"), st.RollingUpdate,
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType))}
		}
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if st.RollingUpdate != nil {
			errs := nonNegativePtr(st.RollingUpdate.Partition, p.Child("rollingUpdate", "partition"))
			return append(errs, intOrPercent(st.RollingUpdate.MaxUnavailable, p.Child("rollingUpdate", "maxUnavailable"))...)
		}
	default:
		return field.ErrorList{field.Invalid(p, st,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType))}
	}
	return nil
}

// validateStatefulSetUpdate allows only replicas, ordinals, template,
// updateStrategy, revisionHistoryLimit, the claim retention policy and
// minReadySeconds to change.
func validateStatefulSetUpdate(ss, old *appsv1.StatefulSet) field.ErrorList {
	spec := old.Spec.DeepCopy()
	spec.Replicas = ss.Spec.Replicas
	spec.Ordinals = ss.Spec.Ordinals
	spec.Template = ss.Spec.Template
	spec.UpdateStrategy = ss.Spec.UpdateStrategy
	spec.RevisionHistoryLimit = ss.Spec.RevisionHistoryLimit
	spec.PersistentVolumeClaimRetentionPolicy = ss.Spec.PersistentVolumeClaimRetentionPolicy
	spec.MinReadySeconds = ss.Spec.MinReadySeconds
	if !equality.Semantic.DeepEqual(spec, &ss.Spec) {
		return field.ErrorList{field.Forbidden(specPath, statefulSetUpdateForbidden)}
	}
	return nil
}
