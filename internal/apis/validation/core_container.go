package validation

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	portProtocols      = []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}
	pullPolicies       = []corev1.PullPolicy{corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever}
	terminationPolices = []corev1.TerminationMessagePolicy{corev1.TerminationMessageFallbackToLogsOnError, corev1.TerminationMessageReadFile}
)

// containers checks a list of (init) containers; names must be unique
// across all lists, so names is shared between calls.
func containers(cs []corev1.Container, volumes sets.Set[string], names sets.Set[string], fldPath *field.Path, init bool) field.ErrorList {
	var errs field.ErrorList
	for i := range cs {
		c := &cs[i]
		idx := fldPath.Index(i)
		if c.Name != "" && names.Has(c.Name) {
			errs = append(errs, field.Duplicate(idx.Child("name"), c.Name))
		}
		names.Insert(c.Name)
		errs = append(errs, container(c, volumes, idx)...)
		errs = append(errs, containerRestartPolicy(c, idx, init)...)
	}
	return errs
}

// containerRestartPolicy allows restartPolicy Always on init containers
// (sidecars) only; probes and lifecycle need a sidecar on init containers.
func containerRestartPolicy(c *corev1.Container, idx *field.Path, init bool) field.ErrorList {
	var errs field.ErrorList
	if !init {
		if c.RestartPolicy != nil {
			errs = append(errs, field.Forbidden(idx.Child("restartPolicy"), "may not be set for non-init containers"))
		}
		return errs
	}
	sidecar := c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
	if c.RestartPolicy != nil && !sidecar {
		errs = append(errs, field.NotSupported(idx.Child("restartPolicy"), *c.RestartPolicy,
			[]corev1.ContainerRestartPolicy{corev1.ContainerRestartPolicyAlways}))
	}
	if sidecar {
		return errs
	}
	const msg = "may not be set for init containers without restartPolicy=Always"
	if c.Lifecycle != nil {
		errs = append(errs, field.Forbidden(idx.Child("lifecycle"), msg))
	}
	if c.LivenessProbe != nil {
		errs = append(errs, field.Forbidden(idx.Child("livenessProbe"), msg))
	}
	if c.ReadinessProbe != nil {
		errs = append(errs, field.Forbidden(idx.Child("readinessProbe"), msg))
	}
	if c.StartupProbe != nil {
		errs = append(errs, field.Forbidden(idx.Child("startupProbe"), msg))
	}
	return errs
}

// container checks one container's own fields.
func container(c *corev1.Container, volumes sets.Set[string], fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	// As in podSpec, paths are built only for what is set or wrong.
	if c.Name == "" {
		errs = append(errs, field.Required(fldPath.Child("name"), ""))
	} else if msgs := utilvalidation.IsDNS1123Label(c.Name); len(msgs) > 0 {
		errs = append(errs, invalidMsgs(fldPath.Child("name"), c.Name, msgs)...)
	}
	if c.Image == "" {
		errs = append(errs, field.Required(fldPath.Child("image"), ""))
	}
	errs = append(errs, enumRequiredChild(c.TerminationMessagePolicy, terminationPolices, fldPath, "terminationMessagePolicy")...)
	errs = append(errs, enumRequiredChild(c.ImagePullPolicy, pullPolicies, fldPath, "imagePullPolicy")...)
	if len(c.Ports) > 0 {
		errs = append(errs, containerPorts(c.Ports, fldPath.Child("ports"))...)
	}
	if len(c.Env) > 0 {
		errs = append(errs, envVars(c.Env, fldPath.Child("env"))...)
	}
	if len(c.EnvFrom) > 0 {
		errs = append(errs, envFrom(c.EnvFrom, fldPath.Child("envFrom"))...)
	}
	if len(c.VolumeMounts) > 0 {
		errs = append(errs, volumeMounts(c.VolumeMounts, volumes, fldPath.Child("volumeMounts"))...)
	}
	if len(c.Resources.Limits) > 0 || len(c.Resources.Requests) > 0 {
		errs = append(errs, resourceRequirements(&c.Resources, fldPath.Child("resources"))...)
	}
	if c.LivenessProbe != nil {
		errs = append(errs, probe(c.LivenessProbe, fldPath.Child("livenessProbe"), true)...)
	}
	if c.ReadinessProbe != nil {
		errs = append(errs, probe(c.ReadinessProbe, fldPath.Child("readinessProbe"), false)...)
	}
	if c.StartupProbe != nil {
		errs = append(errs, probe(c.StartupProbe, fldPath.Child("startupProbe"), true)...)
	}
	if c.Lifecycle != nil {
		errs = append(errs, lifecycle(c.Lifecycle, fldPath.Child("lifecycle"))...)
	}
	return errs
}

// containerPorts checks port numbers, names (unique) and protocols.
func containerPorts(ports []corev1.ContainerPort, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, p := range ports {
		idx := fldPath.Index(i)
		if p.Name != "" {
			if msgs := utilvalidation.IsValidPortName(p.Name); len(msgs) > 0 {
				errs = append(errs, invalidMsgs(idx.Child("name"), p.Name, msgs)...)
			} else if names.Has(p.Name) {
				errs = append(errs, field.Duplicate(idx.Child("name"), p.Name))
			} else {
				names.Insert(p.Name)
			}
		}
		if p.ContainerPort == 0 {
			errs = append(errs, field.Required(idx.Child("containerPort"), ""))
		} else {
			errs = append(errs, invalidMsgs(idx.Child("containerPort"), p.ContainerPort, utilvalidation.IsValidPortNum(int(p.ContainerPort)))...)
		}
		if p.HostPort != 0 {
			errs = append(errs, invalidMsgs(idx.Child("hostPort"), p.HostPort, utilvalidation.IsValidPortNum(int(p.HostPort)))...)
		}
		errs = append(errs, enumRequired(p.Protocol, portProtocols, idx.Child("protocol"))...)
	}
	return errs
}

// envVars checks variable names and their valueFrom sources.
func envVars(env []corev1.EnvVar, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ev := range env {
		idx := fldPath.Index(i)
		if ev.Name == "" {
			errs = append(errs, field.Required(idx.Child("name"), ""))
		} else {
			errs = append(errs, invalidMsgs(idx.Child("name"), ev.Name, utilvalidation.IsRelaxedEnvVarName(ev.Name))...)
		}
		errs = append(errs, envVarSource(ev, idx.Child("valueFrom"))...)
	}
	return errs
}

// envVarSource requires exactly one source and no literal value beside it.
func envVarSource(ev corev1.EnvVar, fldPath *field.Path) field.ErrorList {
	src := ev.ValueFrom
	if src == nil {
		return nil
	}
	var errs field.ErrorList
	n := 0
	if src.FieldRef != nil {
		n++
		if src.FieldRef.FieldPath == "" {
			errs = append(errs, field.Required(fldPath.Child("fieldRef", "fieldPath"), ""))
		}
	}
	if src.ResourceFieldRef != nil {
		n++
		if src.ResourceFieldRef.Resource == "" {
			errs = append(errs, field.Required(fldPath.Child("resourceFieldRef", "resource"), ""))
		}
	}
	if s := src.ConfigMapKeyRef; s != nil {
		n++
		errs = append(errs, keyRef(s.Name, s.Key, fldPath.Child("configMapKeyRef"))...)
	}
	if s := src.SecretKeyRef; s != nil {
		n++
		errs = append(errs, keyRef(s.Name, s.Key, fldPath.Child("secretKeyRef"))...)
	}
	if n == 0 {
		errs = append(errs, field.Invalid(fldPath, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	} else if n > 1 {
		errs = append(errs, field.Invalid(fldPath, "", "may not have more than one field specified at a time"))
	}
	if ev.Value != "" && n > 0 {
		errs = append(errs, field.Invalid(fldPath, "", "may not be specified when `value` is not empty"))
	}
	return errs
}

// keyRef checks the name and key of a ConfigMap or Secret key selector.
func keyRef(name, key string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(fldPath.Child("name"), ""))
	}
	if key == "" {
		errs = append(errs, field.Required(fldPath.Child("key"), ""))
	} else {
		errs = append(errs, invalidMsgs(fldPath.Child("key"), key, utilvalidation.IsConfigMapKey(key))...)
	}
	return errs
}

// envFrom requires exactly one of configMapRef and secretRef.
func envFrom(srcs []corev1.EnvFromSource, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, s := range srcs {
		idx := fldPath.Index(i)
		if s.Prefix != "" {
			errs = append(errs, invalidMsgs(idx.Child("prefix"), s.Prefix, utilvalidation.IsRelaxedEnvVarName(s.Prefix))...)
		}
		n := 0
		if s.ConfigMapRef != nil {
			n++
			if s.ConfigMapRef.Name == "" {
				errs = append(errs, field.Required(idx.Child("configMapRef", "name"), ""))
			}
		}
		if s.SecretRef != nil {
			n++
			if s.SecretRef.Name == "" {
				errs = append(errs, field.Required(idx.Child("secretRef", "name"), ""))
			}
		}
		if n == 0 {
			errs = append(errs, field.Invalid(idx, "", "must specify one of: `configMapRef` or `secretRef`"))
		} else if n > 1 {
			errs = append(errs, field.Invalid(idx, "", "may not have more than one field specified at a time"))
		}
	}
	return errs
}

// volumeMounts checks mount names against the pod's volumes and mount
// paths for presence and uniqueness.
func volumeMounts(mounts []corev1.VolumeMount, volumes sets.Set[string], fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	paths := sets.New[string]()
	for i, m := range mounts {
		idx := fldPath.Index(i)
		if m.Name == "" {
			errs = append(errs, field.Required(idx.Child("name"), ""))
		} else if !volumes.Has(m.Name) {
			errs = append(errs, field.NotFound(idx.Child("name"), m.Name))
		}
		if m.MountPath == "" {
			errs = append(errs, field.Required(idx.Child("mountPath"), ""))
		} else if paths.Has(m.MountPath) {
			errs = append(errs, field.Invalid(idx.Child("mountPath"), m.MountPath, "must be unique"))
		}
		paths.Insert(m.MountPath)
		if m.SubPath != "" {
			errs = append(errs, relativePath(m.SubPath, idx.Child("subPath"))...)
		}
	}
	return errs
}

// relativePath requires a relative path without "..".
func relativePath(p string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if strings.HasPrefix(p, "/") {
		errs = append(errs, field.Invalid(fldPath, p, "must be a relative path"))
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			errs = append(errs, field.Invalid(fldPath, p, "must not contain '..'"))
			break
		}
	}
	return errs
}

// trimSpace is strings.TrimSpace, named for the call sites above.
func trimSpace(s string) string { return strings.TrimSpace(s) }
