package apiserver

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// deprecatedNodeLabels are the node labels upstream warns about in a pod's
// node selector, node affinity and topology spread constraints
// (pkg/api/node/util.go), with the message it gives.
var deprecatedNodeLabels = map[string]string{
	`beta.kubernetes.io/arch`:                       `deprecated since v1.14; use "kubernetes.io/arch" instead`,
	`beta.kubernetes.io/os`:                         `deprecated since v1.14; use "kubernetes.io/os" instead`,
	`failure-domain.beta.kubernetes.io/region`:      `deprecated since v1.17; use "topology.kubernetes.io/region" instead`,
	`failure-domain.beta.kubernetes.io/zone`:        `deprecated since v1.17; use "topology.kubernetes.io/zone" instead`,
	`beta.kubernetes.io/instance-type`:              `deprecated since v1.17; use "node.kubernetes.io/instance-type" instead`,
	`app.kubernetes.io/created-by`:                  `deprecated since v1.9`,
	`scheduler.alpha.kubernetes.io/preferAvoidPods`: `deprecated since v1.22; use Taints and Tolerations instead`,
	`node-role.kubernetes.io/master`:                `use "node-role.kubernetes.io/control-plane" instead`,
}

// deprecatedPodAnnotations are the pod annotations upstream warns about
// (pkg/api/pod/warnings.go).
var deprecatedPodAnnotations = []struct{ key, message string }{
	{`scheduler.alpha.kubernetes.io/critical-pod`, `non-functional in v1.16+; use the "priorityClassName" field instead`},
	{`security.alpha.kubernetes.io/sysctls`, `non-functional in v1.11+; use the "sysctls" field instead`},
	{`security.alpha.kubernetes.io/unsafe-sysctls`, `non-functional in v1.11+; use the "sysctls" field instead`},
}

// podTemplateWarnings returns upstream's GetWarningsForPodTemplate for a
// template at path (e.g. spec.template).
func podTemplateWarnings(path *field.Path, tmpl *corev1.PodTemplateSpec) []string {
	return podSpecWarnings(path, &tmpl.Spec, &tmpl.ObjectMeta)
}

// podSpecWarnings returns the warnings upstream's warningsForPodSpecAndMeta
// gives for a pod (path nil) or a pod template (path the template's): the
// mistakes validation lets through but that rarely do what was meant.
func podSpecWarnings(path *field.Path, spec *corev1.PodSpec, meta *metav1.ObjectMeta) []string {
	var w []string
	w = append(w, nodeLabelWarnings(path, spec)...)
	w = append(w, annotationWarnings(path, meta)...)
	w = append(w, volumeWarnings(path, spec)...)
	w = append(w, duplicateListWarnings(path, spec)...)
	for _, r := range [...]corev1.ResourceName{corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		if q, ok := spec.Overhead[r]; ok && fractional(q) {
			w = append(w, fractionalMessage(path.Child("spec", "overhead").Key(string(r)), q))
		}
	}
	if spec.SecurityContext == nil || spec.SecurityContext.SeccompProfile == nil {
		if _, ok := meta.Annotations[corev1.SeccompPodAnnotationKey]; ok {
			w = append(w, fmt.Sprintf(`%s: non-functional in v1.27+; use the "seccompProfile" field instead`, path.Child("metadata", "annotations").Key(corev1.SeccompPodAnnotationKey)))
		}
	}
	visitContainers(spec, func(c *corev1.Container, at containerAt) {
		w = append(w, containerWarnings(path, spec, meta, c, at)...)
	})
	w = append(w, portWarnings(path, spec)...)
	if g := spec.TerminationGracePeriodSeconds; g != nil && *g < 0 {
		w = append(w, fmt.Sprintf("%s: must be >= 0; negative values are invalid and will be treated as 1", path.Child("spec", "terminationGracePeriodSeconds")))
	}
	w = append(w, podAffinityWarnings(path, spec)...)
	return w
}

// containerAt is where a container is in a pod spec: the list it is in
// (a field of spec) and its index. Warnings build its path only for a
// message: every pod is checked, and few have anything to warn about.
type containerAt struct {
	list string
	i    int
}

// path is the container's path under the pod or template at pod.
func (c containerAt) path(pod *field.Path) *field.Path {
	return pod.Child("spec", c.list).Index(c.i)
}

// visitContainers calls fn for each init, regular and ephemeral container
// with where it is, in upstream's order (VisitContainersWithPath).
func visitContainers(spec *corev1.PodSpec, fn func(*corev1.Container, containerAt)) {
	for i := range spec.InitContainers {
		fn(&spec.InitContainers[i], containerAt{"initContainers", i})
	}
	for i := range spec.Containers {
		fn(&spec.Containers[i], containerAt{"containers", i})
	}
	for i := range spec.EphemeralContainers {
		fn((*corev1.Container)(&spec.EphemeralContainers[i].EphemeralContainerCommon), containerAt{"ephemeralContainers", i})
	}
}

// nodeLabelWarnings flags deprecated node labels in the node selector, the
// node affinity terms and the topology spread constraints, and spread
// constraints without a label selector.
func nodeLabelWarnings(path *field.Path, spec *corev1.PodSpec) []string {
	var w []string
	if hasDeprecatedNodeLabel(spec.NodeSelector) {
		for _, k := range sortedKeys(spec.NodeSelector) {
			if msg, ok := deprecatedNodeLabels[k]; ok {
				w = append(w, fmt.Sprintf("%s: %s", path.Child("spec", "nodeSelector").Key(k), msg))
			}
		}
	}
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil {
		n := a.NodeAffinity
		if req := n.RequiredDuringSchedulingIgnoredDuringExecution; req != nil {
			terms := path.Child("spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
			for i, t := range req.NodeSelectorTerms {
				w = append(w, nodeSelectorTermWarnings(t, terms.Index(i))...)
			}
		}
		for i, t := range n.PreferredDuringSchedulingIgnoredDuringExecution {
			w = append(w, nodeSelectorTermWarnings(t.Preference, path.Child("spec", "affinity", "nodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution").Index(i).Child("preference"))...)
		}
	}
	for i, c := range spec.TopologySpreadConstraints {
		p := func() *field.Path { return path.Child("spec", "topologySpreadConstraints").Index(i) }
		if msg, ok := deprecatedNodeLabels[c.TopologyKey]; ok {
			w = append(w, fmt.Sprintf("%s: %s is %s", p().Child("topologyKey"), c.TopologyKey, msg))
		}
		if c.LabelSelector == nil {
			w = append(w, fmt.Sprintf("%s: a null labelSelector results in matching no pod", p().Child("labelSelector")))
		}
	}
	return w
}

// hasDeprecatedNodeLabel reports whether a node selector uses a label
// deprecatedNodeLabels lists.
func hasDeprecatedNodeLabel(selector map[string]string) bool {
	for k := range selector {
		if _, ok := deprecatedNodeLabels[k]; ok {
			return true
		}
	}
	return false
}

// nodeSelectorTermWarnings flags deprecated node labels in a term's match
// expressions.
func nodeSelectorTermWarnings(term corev1.NodeSelectorTerm, path *field.Path) []string {
	var w []string
	for i, e := range term.MatchExpressions {
		if msg, ok := deprecatedNodeLabels[e.Key]; ok {
			w = append(w, fmt.Sprintf("%s: %s is %s", path.Child("matchExpressions").Index(i).Child("key"), e.Key, msg))
		}
	}
	return w
}

// annotationWarnings flags the deprecated pod annotations.
func annotationWarnings(path *field.Path, meta *metav1.ObjectMeta) []string {
	var w []string
	for _, d := range deprecatedPodAnnotations {
		if _, ok := meta.Annotations[d.key]; ok {
			w = append(w, fmt.Sprintf("%s: %s", path.Child("metadata", "annotations").Key(d.key), d.message))
		}
	}
	return w
}

// volumeWarnings flags deprecated and removed volume plugins, fractional
// sizes in ephemeral volume claim templates, and projected paths that
// clash with a service account token's.
func volumeWarnings(path *field.Path, spec *corev1.PodSpec) []string {
	var w []string
	for i, v := range spec.Volumes {
		p := func() *field.Path { return path.Child("spec", "volumes").Index(i) }
		for _, d := range [...]struct {
			set  bool
			name string
			msg  string
		}{
			{v.PhotonPersistentDisk != nil, "photonPersistentDisk", "deprecated in v1.11, non-functional in v1.16+"},
			{v.GitRepo != nil, "gitRepo", "deprecated in v1.11"},
			{v.ScaleIO != nil, "scaleIO", "deprecated in v1.16, non-functional in v1.22+"},
			{v.Flocker != nil, "flocker", "deprecated in v1.22, non-functional in v1.25+"},
			{v.StorageOS != nil, "storageOS", "deprecated in v1.22, non-functional in v1.25+"},
			{v.Quobyte != nil, "quobyte", "deprecated in v1.22, non-functional in v1.25+"},
			{v.Glusterfs != nil, "glusterfs", "deprecated in v1.25, non-functional in v1.26+"},
		} {
			if d.set {
				w = append(w, fmt.Sprintf("%s: %s", p().Child(d.name), d.msg))
			}
		}
		if v.Ephemeral != nil && v.Ephemeral.VolumeClaimTemplate != nil {
			w = append(w, claimSpecWarnings(p().Child("ephemeral", "volumeClaimTemplate", "spec"), &v.Ephemeral.VolumeClaimTemplate.Spec)...)
		}
		if v.CephFS != nil {
			w = append(w, fmt.Sprintf("%s: deprecated in v1.28, non-functional in v1.31+", p().Child("cephfs")))
		}
		if v.RBD != nil {
			w = append(w, fmt.Sprintf("%s: deprecated in v1.28, non-functional in v1.31+", p().Child("rbd")))
		}
	}
	return append(w, tokenPathWarnings(path, spec)...)
}

// tokenPathWarnings flags projected configMap, secret, downwardAPI and
// clusterTrustBundle paths equal to a projected service account token's.
func tokenPathWarnings(path *field.Path, spec *corev1.PodSpec) []string {
	// A pod has one token path, or a few: a slice searched in turn.
	var buf [4]string
	tokens := buf[:0]
	for _, v := range spec.Volumes {
		if v.Projected != nil {
			for _, s := range v.Projected.Sources {
				if s.ServiceAccountToken != nil {
					tokens = append(tokens, s.ServiceAccountToken.Path)
				}
			}
		}
	}
	if len(tokens) == 0 {
		return nil
	}
	var w []string
	for i, v := range spec.Volumes {
		if v.Projected == nil {
			continue
		}
		clash := func(file, source string, j int) {
			if !slices.Contains(tokens, file) {
				return
			}
			p := path.Child("spec", "volumes").Index(i).Child("projected", "sources", source)
			if j >= 0 {
				p = p.Index(j)
			}
			w = append(w, fmt.Sprintf("%s: has duplicated path with ServiceAccountToken %q", p, file))
		}
		for _, s := range v.Projected.Sources {
			if s.ConfigMap != nil {
				for j, item := range s.ConfigMap.Items {
					clash(item.Path, "configMap", j)
				}
			}
			if s.Secret != nil {
				for j, item := range s.Secret.Items {
					clash(item.Path, "secrets", j)
				}
			}
			if s.DownwardAPI != nil {
				for j, item := range s.DownwardAPI.Items {
					clash(item.Path, "downwardAPI", j)
				}
			}
			if s.ClusterTrustBundle != nil {
				clash(s.ClusterTrustBundle.Path, "ClusterTrustBundle", -1)
			}
		}
	}
	return w
}

// duplicateListWarnings flags repeated host alias IPs and image pull
// secret names, and image pull secrets without a name.
func duplicateListWarnings(path *field.Path, spec *corev1.PodSpec) []string {
	var w []string
	ips := sets.New[string]()
	for i, a := range spec.HostAliases {
		if ips.Has(a.IP) {
			w = append(w, fmt.Sprintf("%s: duplicate ip %q", path.Child("spec", "hostAliases").Index(i).Child("ip"), a.IP))
		}
		ips.Insert(a.IP)
	}
	names := sets.New[string]()
	for i, s := range spec.ImagePullSecrets {
		if names.Has(s.Name) {
			w = append(w, fmt.Sprintf("%s: duplicate name %q", path.Child("spec", "imagePullSecrets").Index(i).Child("name"), s.Name))
		}
		names.Insert(s.Name)
	}
	for i, s := range spec.ImagePullSecrets {
		if s.Name == "" {
			w = append(w, fmt.Sprintf("%s: invalid empty name %q", path.Child("spec", "imagePullSecrets").Index(i).Child("name"), s.Name))
		}
	}
	return w
}

// containerWarnings flags, for one container at at: a container seccomp
// or (in a template) AppArmor annotation without the matching field,
// fractional byte quantities, and an env var that hides an earlier one.
func containerWarnings(path *field.Path, spec *corev1.PodSpec, meta *metav1.ObjectMeta, c *corev1.Container, at containerAt) []string {
	var w []string
	if len(meta.Annotations) > 0 {
		if c.SecurityContext == nil || c.SecurityContext.SeccompProfile == nil {
			key := corev1.SeccompContainerAnnotationKeyPrefix + c.Name
			if _, ok := meta.Annotations[key]; ok {
				w = append(w, fmt.Sprintf(`%s: non-functional in v1.27+; use the "seccompProfile" field instead`, path.Child("metadata", "annotations").Key(key)))
			}
		}
		// A pod's AppArmor annotations are synced to its fields instead;
		// only a template warns.
		podAppArmor := spec.SecurityContext != nil && spec.SecurityContext.AppArmorProfile != nil
		if path != nil && !podAppArmor && (c.SecurityContext == nil || c.SecurityContext.AppArmorProfile == nil) {
			key := corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix + c.Name
			if _, ok := meta.Annotations[key]; ok {
				w = append(w, fmt.Sprintf(`%s: deprecated since v1.30; use the "appArmorProfile" field instead`, path.Child("metadata", "annotations").Key(key)))
			}
		}
	}
	for _, r := range [...]corev1.ResourceName{corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		if q, ok := c.Resources.Limits[r]; ok && fractional(q) {
			w = append(w, fractionalMessage(at.path(path).Child("resources", "limits").Key(string(r)), q))
		}
		if q, ok := c.Resources.Requests[r]; ok && fractional(q) {
			w = append(w, fractionalMessage(at.path(path).Child("resources", "requests").Key(string(r)), q))
		}
	}
	if len(c.Env) < 2 {
		return w
	}
	seen := sets.New[string]()
	for i, e := range c.Env {
		if !seen.Has(e.Name) {
			seen.Insert(e.Name)
			continue
		}
		ref := fmt.Sprintf("$(%s)", e.Name)
		if e.ValueFrom != nil || e.Value == ref || !strings.Contains(e.Value, ref) {
			w = append(w, fmt.Sprintf("%s: hides previous definition of %q, which may be dropped when using apply", at.path(path).Child("env").Index(i), e.Name))
		}
	}
	return w
}

// fractional reports whether a byte quantity has a fraction of a byte.
func fractional(q resource.Quantity) bool {
	return q.MilliValue()%1000 != 0
}

// fractionalMessage is the warning for a fractional byte quantity at p.
func fractionalMessage(p *field.Path, q resource.Quantity) string {
	return fmt.Sprintf("%s: fractional byte value %q is invalid, must be an integer", p, q.String())
}

// portWarnings flags a hostIP without a hostPort and container ports that
// duplicate, overlap or ambiguously share another's, across all
// containers.
func portWarnings(path *field.Path, spec *corev1.PodSpec) []string {
	type block struct {
		at   containerAt
		i    int
		port corev1.ContainerPort
	}
	blockPath := func(b block) *field.Path { return b.at.path(path).Child("ports").Index(b.i) }
	var w []string
	// The ports seen so far, in order: a pod has a few, searched in turn.
	var buf [8]block
	seen := buf[:0]
	visitContainers(spec, func(c *corev1.Container, at containerAt) {
		for i, port := range c.Ports {
			b := block{at, i, port}
			if port.HostIP != "" && port.HostPort == 0 {
				w = append(w, fmt.Sprintf("%s: hostIP set without hostPort: %+v", blockPath(b), port))
			}
			for _, other := range seen {
				if other.port.ContainerPort != port.ContainerPort || other.port.Protocol != port.Protocol {
					continue
				}
				a, o := port.HostIP == "", other.port.HostIP == ""
				switch {
				case port.HostIP == other.port.HostIP && port.HostPort == other.port.HostPort:
					w = append(w, fmt.Sprintf("%s: duplicate port definition with %s", blockPath(b), blockPath(other)))
				case port.HostPort == 0 || other.port.HostPort == 0:
					w = append(w, fmt.Sprintf("%s: overlapping port definition with %s", blockPath(b), blockPath(other)))
				case port.HostPort == other.port.HostPort && a != o:
					w = append(w, fmt.Sprintf("%s: dangerously ambiguous port definition with %s", blockPath(b), blockPath(other)))
				}
			}
			seen = append(seen, b)
		}
	})
	return w
}

// podAffinityWarnings flags pod (anti-)affinity terms without a label
// selector, which match no pod.
func podAffinityWarnings(path *field.Path, spec *corev1.PodSpec) []string {
	a := spec.Affinity
	if a == nil {
		return nil
	}
	var w []string
	terms := func(p *field.Path, required []corev1.PodAffinityTerm, preferred []corev1.WeightedPodAffinityTerm) {
		for i, t := range required {
			if t.LabelSelector == nil {
				w = append(w, fmt.Sprintf("%s: a null labelSelector results in matching no pod", p.Child("requiredDuringSchedulingIgnoredDuringExecution").Index(i).Child("labelSelector")))
			}
		}
		for i, t := range preferred {
			if t.PodAffinityTerm.LabelSelector == nil {
				w = append(w, fmt.Sprintf("%s: a null labelSelector results in matching no pod", p.Child("preferredDuringSchedulingIgnoredDuringExecution").Index(i).Child("podAffinityTerm", "labelSelector")))
			}
		}
	}
	if pa := a.PodAffinity; pa != nil {
		terms(path.Child("spec", "affinity", "podAffinity"), pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	if pa := a.PodAntiAffinity; pa != nil {
		terms(path.Child("spec", "affinity", "podAntiAffinity"), pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	return w
}

// claimSpecWarnings flags fractional storage requests and limits in a
// claim spec at path (GetWarningsForPersistentVolumeClaimSpec).
func claimSpecWarnings(path *field.Path, spec *corev1.PersistentVolumeClaimSpec) []string {
	var w []string
	if req := spec.Resources.Requests[corev1.ResourceStorage]; fractional(req) {
		w = append(w, fractionalMessage(path.Child("resources", "requests").Key(string(corev1.ResourceStorage)), req))
	}
	if lim := spec.Resources.Limits[corev1.ResourceStorage]; fractional(lim) {
		w = append(w, fractionalMessage(path.Child("resources", "limits").Key(string(corev1.ResourceStorage)), lim))
	}
	return w
}

// sortedKeys returns m's keys in order, so that warnings come in a stable
// order (upstream's follow map iteration).
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
