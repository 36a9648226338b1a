package admission

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

func windows(spec *corev1.PodSpec) bool {
	return spec.OS != nil && spec.OS.Name == corev1.Windows
}

func checkPrivilegeEscalation(_ map[string]string, spec *corev1.PodSpec) *Violation {
	if windows(spec) {
		return nil
	}
	var bad []string
	containers(spec, func(c *corev1.Container) {
		if c.SecurityContext == nil || c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
			bad = append(bad, c.Name)
		}
	})
	if len(bad) == 0 {
		return nil
	}
	return &Violation{Reason: "allowPrivilegeEscalation != false", Detail: named(bad) + " must set securityContext.allowPrivilegeEscalation=false"}
}

func checkCapabilitiesRestricted(_ map[string]string, spec *corev1.PodSpec) *Violation {
	if windows(spec) {
		return nil
	}
	var noDrop []string
	containers(spec, func(c *corev1.Container) {
		if c.SecurityContext == nil || c.SecurityContext.Capabilities == nil {
			noDrop = append(noDrop, c.Name)
			return
		}
		for _, d := range c.SecurityContext.Capabilities.Drop {
			if d == "ALL" {
				return
			}
		}
		noDrop = append(noDrop, c.Name)
	})
	adding, caps := addedCapabilities(spec, set{"NET_BIND_SERVICE": true})
	var details []string
	if len(noDrop) > 0 {
		details = append(details, named(noDrop)+` must set securityContext.capabilities.drop=["ALL"]`)
	}
	if len(adding) > 0 {
		details = append(details, fmt.Sprintf("%s must not include %s in securityContext.capabilities.add", named(adding), joinQuote(caps.sorted())))
	}
	if len(details) == 0 {
		return nil
	}
	return &Violation{Reason: "unrestricted capabilities", Detail: strings.Join(details, "; ")}
}

// volumeType names the source of a volume as its JSON field.
func volumeType(v corev1.Volume) string {
	s := v.VolumeSource
	switch {
	case s.ConfigMap != nil:
		return "configMap"
	case s.CSI != nil:
		return "csi"
	case s.DownwardAPI != nil:
		return "downwardAPI"
	case s.EmptyDir != nil:
		return "emptyDir"
	case s.Ephemeral != nil:
		return "ephemeral"
	case s.PersistentVolumeClaim != nil:
		return "persistentVolumeClaim"
	case s.Projected != nil:
		return "projected"
	case s.Secret != nil:
		return "secret"
	case s.Image != nil:
		return "image"
	case s.HostPath != nil:
		return "hostPath"
	case s.GCEPersistentDisk != nil:
		return "gcePersistentDisk"
	case s.AWSElasticBlockStore != nil:
		return "awsElasticBlockStore"
	case s.GitRepo != nil:
		return "gitRepo"
	case s.NFS != nil:
		return "nfs"
	case s.ISCSI != nil:
		return "iscsi"
	case s.Glusterfs != nil:
		return "glusterfs"
	case s.RBD != nil:
		return "rbd"
	case s.FlexVolume != nil:
		return "flexVolume"
	case s.Cinder != nil:
		return "cinder"
	case s.CephFS != nil:
		return "cephfs"
	case s.Flocker != nil:
		return "flocker"
	case s.FC != nil:
		return "fc"
	case s.AzureFile != nil:
		return "azureFile"
	case s.VsphereVolume != nil:
		return "vsphereVolume"
	case s.Quobyte != nil:
		return "quobyte"
	case s.AzureDisk != nil:
		return "azureDisk"
	case s.PhotonPersistentDisk != nil:
		return "photonPersistentDisk"
	case s.PortworxVolume != nil:
		return "portworxVolume"
	case s.ScaleIO != nil:
		return "scaleIO"
	case s.StorageOS != nil:
		return "storageos"
	}
	return "unknown"
}

var allowedVolumeTypes = set{
	"configMap": true, "csi": true, "downwardAPI": true, "emptyDir": true, "ephemeral": true,
	"persistentVolumeClaim": true, "projected": true, "secret": true, "image": true,
}

func checkRestrictedVolumes(_ map[string]string, spec *corev1.PodSpec) *Violation {
	var bad []string
	types := set{}
	for _, v := range spec.Volumes {
		if t := volumeType(v); !allowedVolumeTypes[t] {
			bad = append(bad, v.Name)
			types[t] = true
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &Violation{Reason: "restricted volume types", Detail: fmt.Sprintf("%s %s %s %s %s",
		pluralize("volume", "volumes", len(bad)), joinQuote(bad), pluralize("uses", "use", len(bad)),
		pluralize("restricted volume type", "restricted volume types", len(types)), joinQuote(types.sorted()))}
}

func checkRunAsNonRoot(_ map[string]string, spec *corev1.PodSpec) *Violation {
	podBad, podOK := false, false
	if sc := spec.SecurityContext; sc != nil && sc.RunAsNonRoot != nil {
		podBad, podOK = !*sc.RunAsNonRoot, *sc.RunAsNonRoot
	}
	var explicit, implicit []string
	containers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && c.SecurityContext.RunAsNonRoot != nil {
			if !*c.SecurityContext.RunAsNonRoot {
				explicit = append(explicit, c.Name)
			}
			return
		}
		if !podOK {
			implicit = append(implicit, c.Name)
		}
	})
	var details []string
	if podBad || len(explicit) > 0 {
		details = append(details, setters(podBad, explicit)+" must not set securityContext.runAsNonRoot=false")
	}
	if len(implicit) > 0 && !podBad {
		details = append(details, "pod or "+named(implicit)+" must set securityContext.runAsNonRoot=true")
	}
	if len(details) == 0 {
		return nil
	}
	return &Violation{Reason: "runAsNonRoot != true", Detail: strings.Join(details, "; ")}
}

func checkRunAsUser(_ map[string]string, spec *corev1.PodSpec) *Violation {
	pod := spec.SecurityContext != nil && spec.SecurityContext.RunAsUser != nil && *spec.SecurityContext.RunAsUser == 0
	var bad []string
	containers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && c.SecurityContext.RunAsUser != nil && *c.SecurityContext.RunAsUser == 0 {
			bad = append(bad, c.Name)
		}
	})
	if !pod && len(bad) == 0 {
		return nil
	}
	return &Violation{Reason: "runAsUser=0", Detail: setters(pod, bad) + " must not set runAsUser=0"}
}

func validSeccomp(t corev1.SeccompProfileType) bool {
	return t == corev1.SeccompProfileTypeRuntimeDefault || t == corev1.SeccompProfileTypeLocalhost
}

func checkSeccompRestricted(_ map[string]string, spec *corev1.PodSpec) *Violation {
	if windows(spec) {
		return nil
	}
	values := set{}
	podBad, podOK := false, false
	if sc := spec.SecurityContext; sc != nil && sc.SeccompProfile != nil {
		if validSeccomp(sc.SeccompProfile.Type) {
			podOK = true
		} else {
			podBad = true
			values[string(sc.SeccompProfile.Type)] = true
		}
	}
	var explicit, implicit []string
	containers(spec, func(c *corev1.Container) {
		if c.SecurityContext != nil && c.SecurityContext.SeccompProfile != nil {
			if !validSeccomp(c.SecurityContext.SeccompProfile.Type) {
				explicit = append(explicit, c.Name)
				values[string(c.SecurityContext.SeccompProfile.Type)] = true
			}
			return
		}
		if !podOK {
			implicit = append(implicit, c.Name)
		}
	})
	var details []string
	if podBad || len(explicit) > 0 {
		details = append(details, fmt.Sprintf("%s must not set securityContext.seccompProfile.type to %s", setters(podBad, explicit), joinQuote(values.sorted())))
	}
	if len(implicit) > 0 && !podBad {
		details = append(details, "pod or "+named(implicit)+` must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`)
	}
	if len(details) == 0 {
		return nil
	}
	return &Violation{Reason: "seccompProfile", Detail: strings.Join(details, "; ")}
}
