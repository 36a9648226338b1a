package node

import corev1 "k8s.io/api/core/v1"

// references reports whether pod uses the object resource/name of its
// namespace: secrets through volumes, projections, env, envFrom and image
// pull secrets; configmaps through volumes, projections, env and envFrom;
// claims through volumes (and generic ephemeral volumes, named
// <pod>-<volume>).
func references(pod *corev1.Pod, resource, name string) bool {
	switch resource {
	case "secrets":
		for _, s := range pod.Spec.ImagePullSecrets {
			if s.Name == name {
				return true
			}
		}
		return volumesUse(pod, func(v *corev1.Volume) bool { return volumeSecret(v, name) }) ||
			envUses(pod, func(e *corev1.EnvVar) bool {
				return e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name == name
			}, func(e *corev1.EnvFromSource) bool { return e.SecretRef != nil && e.SecretRef.Name == name })
	case "configmaps":
		return volumesUse(pod, func(v *corev1.Volume) bool { return volumeConfigMap(v, name) }) ||
			envUses(pod, func(e *corev1.EnvVar) bool {
				return e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil && e.ValueFrom.ConfigMapKeyRef.Name == name
			}, func(e *corev1.EnvFromSource) bool { return e.ConfigMapRef != nil && e.ConfigMapRef.Name == name })
	case "persistentvolumeclaims":
		return volumesUse(pod, func(v *corev1.Volume) bool {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == name {
				return true
			}
			return v.Ephemeral != nil && pod.Name+"-"+v.Name == name
		})
	}
	return false
}

func serviceAccountOf(pod *corev1.Pod) string {
	if pod.Spec.ServiceAccountName != "" {
		return pod.Spec.ServiceAccountName
	}
	return "default"
}

func volumesUse(pod *corev1.Pod, fn func(*corev1.Volume) bool) bool {
	for i := range pod.Spec.Volumes {
		if fn(&pod.Spec.Volumes[i]) {
			return true
		}
	}
	return false
}

func volumeSecret(v *corev1.Volume, name string) bool {
	if v.Secret != nil && v.Secret.SecretName == name {
		return true
	}
	if v.Projected != nil {
		for _, s := range v.Projected.Sources {
			if s.Secret != nil && s.Secret.Name == name {
				return true
			}
		}
	}
	if v.CSI != nil && v.CSI.NodePublishSecretRef != nil && v.CSI.NodePublishSecretRef.Name == name {
		return true
	}
	return false
}

func volumeConfigMap(v *corev1.Volume, name string) bool {
	if v.ConfigMap != nil && v.ConfigMap.Name == name {
		return true
	}
	if v.Projected != nil {
		for _, s := range v.Projected.Sources {
			if s.ConfigMap != nil && s.ConfigMap.Name == name {
				return true
			}
		}
	}
	return false
}

// envUses checks the env and envFrom of every container, init and
// ephemeral container included.
func envUses(pod *corev1.Pod, env func(*corev1.EnvVar) bool, from func(*corev1.EnvFromSource) bool) bool {
	check := func(envs []corev1.EnvVar, froms []corev1.EnvFromSource) bool {
		for i := range envs {
			if env(&envs[i]) {
				return true
			}
		}
		for i := range froms {
			if from(&froms[i]) {
				return true
			}
		}
		return false
	}
	for _, c := range pod.Spec.InitContainers {
		if check(c.Env, c.EnvFrom) {
			return true
		}
	}
	for _, c := range pod.Spec.Containers {
		if check(c.Env, c.EnvFrom) {
			return true
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if check(c.Env, c.EnvFrom) {
			return true
		}
	}
	return false
}
