package dedup

import (
	"encoding/binary"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// maxEntries bounds each table; a table that reaches it is emptied.
	maxEntries = 4096
	// maxKey is the largest encoding a part may have to be shared: larger
	// parts (a big annotation, say) are rarely equal and would make the
	// tables costly to hold.
	maxKey = 16 << 10
)

// message is what the generated protobuf types of k8s.io/api implement.
type message interface {
	Size() int
	MarshalToSizedBuffer([]byte) (int, error)
}

// Sharer holds the parts seen so far, one table per kind of part. It is
// safe for concurrent use.
type Sharer struct {
	mu   sync.Mutex
	key  []byte
	keys []string

	stringMaps  map[string]map[string]string
	stringLists map[string][]string
	owners      map[string][]metav1.OwnerReference
	resources   map[string]corev1.ResourceList
	ports       map[string][]corev1.ContainerPort
	env         map[string][]corev1.EnvVar
	envFrom     map[string][]corev1.EnvFromSource
	mounts      map[string][]corev1.VolumeMount
	probes      map[string]*corev1.Probe
	lifecycles  map[string]*corev1.Lifecycle
	securityCtx map[string]*corev1.SecurityContext
	volumes     map[string]corev1.VolumeSource
	tolerations map[string][]corev1.Toleration
	affinities  map[string]*corev1.Affinity
	podSecurity map[string]*corev1.PodSecurityContext
	spread      map[string][]corev1.TopologySpreadConstraint
	pullSecrets map[string][]corev1.LocalObjectReference

	// DecodePod's state (decode.go): the parts it recorded by their
	// bytes (the metadata's apart, for labels are often a pod's own), its
	// buffers, and the pod it decoded last, which Pod then leaves as it
	// is.
	metaBytes, specBytes bytesTable
	parts, elemParts     rawParts
	rest, elemRest       []byte
	elemKey              []byte
	decoded              *corev1.Pod
}

// New returns an empty Sharer.
func New() *Sharer {
	return &Sharer{
		stringMaps: map[string]map[string]string{}, stringLists: map[string][]string{},
		owners: map[string][]metav1.OwnerReference{}, resources: map[string]corev1.ResourceList{},
		ports: map[string][]corev1.ContainerPort{}, env: map[string][]corev1.EnvVar{},
		envFrom: map[string][]corev1.EnvFromSource{}, mounts: map[string][]corev1.VolumeMount{},
		probes: map[string]*corev1.Probe{}, lifecycles: map[string]*corev1.Lifecycle{},
		securityCtx: map[string]*corev1.SecurityContext{}, volumes: map[string]corev1.VolumeSource{},
		tolerations: map[string][]corev1.Toleration{}, affinities: map[string]*corev1.Affinity{},
		podSecurity: map[string]*corev1.PodSecurityContext{}, spread: map[string][]corev1.TopologySpreadConstraint{},
		pullSecrets: map[string][]corev1.LocalObjectReference{},
		metaBytes:   bytesTable{parts: map[string]any{}},
		specBytes:   bytesTable{parts: map[string]any{}},
	}
}

// Pod makes p's parts the equal ones seen before, in place, and records
// those not seen yet. p must be an object no one else holds yet (one just
// decoded for a cache). A pod DecodePod has just given is shared
// already, and left as it is.
func (s *Sharer) Pod(p *corev1.Pod) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p == s.decoded {
		return
	}
	p.Labels = s.stringMap(p.Labels)
	p.Annotations = s.stringMap(p.Annotations)
	p.OwnerReferences = shareSlice(s, s.owners, p.OwnerReferences)
	p.Finalizers = s.stringList(p.Finalizers)
	spec := &p.Spec
	for i := range spec.InitContainers {
		s.container(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		s.container(&spec.Containers[i])
	}
	for i := range spec.Volumes {
		spec.Volumes[i].VolumeSource = shareValue(s, s.volumes, spec.Volumes[i].VolumeSource)
	}
	spec.Tolerations = shareSlice(s, s.tolerations, spec.Tolerations)
	s.specRest(spec)
}

// specRest shares the parts of a pod's spec other than its volumes,
// containers and tolerations.
func (s *Sharer) specRest(spec *corev1.PodSpec) {
	spec.NodeSelector = s.stringMap(spec.NodeSelector)
	spec.Overhead = s.resourceList(spec.Overhead)
	spec.Affinity = sharePointer(s, s.affinities, spec.Affinity)
	spec.SecurityContext = sharePointer(s, s.podSecurity, spec.SecurityContext)
	spec.TopologySpreadConstraints = shareSlice(s, s.spread, spec.TopologySpreadConstraints)
	spec.ImagePullSecrets = shareSlice(s, s.pullSecrets, spec.ImagePullSecrets)
}

func (s *Sharer) container(c *corev1.Container) {
	c.Command = s.stringList(c.Command)
	c.Args = s.stringList(c.Args)
	c.Ports = shareSlice(s, s.ports, c.Ports)
	c.Env = shareSlice(s, s.env, c.Env)
	c.EnvFrom = shareSlice(s, s.envFrom, c.EnvFrom)
	c.Resources.Requests = s.resourceList(c.Resources.Requests)
	c.Resources.Limits = s.resourceList(c.Resources.Limits)
	c.VolumeMounts = shareSlice(s, s.mounts, c.VolumeMounts)
	c.LivenessProbe = sharePointer(s, s.probes, c.LivenessProbe)
	c.ReadinessProbe = sharePointer(s, s.probes, c.ReadinessProbe)
	c.StartupProbe = sharePointer(s, s.probes, c.StartupProbe)
	c.Lifecycle = sharePointer(s, s.lifecycles, c.Lifecycle)
	c.SecurityContext = sharePointer(s, s.securityCtx, c.SecurityContext)
}

// stringMap shares a map of strings (labels, annotations, a node
// selector). Its key is every entry in key order, each string with its
// length in front.
func (s *Sharer) stringMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	s.keys = s.keys[:0]
	for k := range m {
		s.keys = append(s.keys, k)
	}
	slices.Sort(s.keys)
	s.key = s.key[:0]
	for _, k := range s.keys {
		s.key = appendString(appendString(s.key, k), m[k])
	}
	return put(s, s.stringMaps, m)
}

// resourceList shares requests, limits or an overhead. Its key is every
// resource in name order, its name with its length in front, then its
// quantity's encoding.
func (s *Sharer) resourceList(l corev1.ResourceList) corev1.ResourceList {
	if len(l) == 0 {
		return l
	}
	s.keys = s.keys[:0]
	for k := range l {
		s.keys = append(s.keys, string(k))
	}
	slices.Sort(s.keys)
	s.key = s.key[:0]
	for _, k := range s.keys {
		s.key = appendString(s.key, k)
		// Through the interface, q would escape: an allocation per
		// quantity on every pod event.
		q := l[corev1.ResourceName(k)]
		if !appendEncoding(s, q.Size(), q.MarshalToSizedBuffer) {
			return l
		}
	}
	return put(s, s.resources, l)
}

// stringList shares a list of strings (a command, finalizers).
func (s *Sharer) stringList(l []string) []string {
	if len(l) == 0 {
		return l
	}
	s.key = s.key[:0]
	for _, v := range l {
		s.key = appendString(s.key, v)
	}
	return put(s, s.stringLists, l)
}

func appendString(b []byte, v string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(v))), v...)
}

// shareValue shares a part held by value whose fields point to what is
// shared (a VolumeSource's pointers).
func shareValue[T any, PT interface {
	*T
	message
}](s *Sharer, table map[string]T, v T) T {
	if PT(&v).Size() == 0 {
		return v
	}
	s.key = s.key[:0]
	if !appendMessage(s, PT(&v)) {
		return v
	}
	return put(s, table, v)
}

// sharePointer shares an optional part.
func sharePointer[T any, PT interface {
	*T
	message
}](s *Sharer, table map[string]PT, p PT) PT {
	if p == nil {
		return nil
	}
	s.key = s.key[:0]
	if !appendMessage(s, p) {
		return p
	}
	return put(s, table, p)
}

// shareSlice shares a list part; its key is each element's encoding with
// its length in front.
func shareSlice[T any, PT interface {
	*T
	message
}](s *Sharer, table map[string][]T, l []T) []T {
	if len(l) == 0 {
		return l
	}
	s.key = s.key[:0]
	for i := range l {
		if !appendMessage(s, PT(&l[i])) {
			return l
		}
	}
	return put(s, table, l)
}

// appendMessage appends m's length and encoding to the key; false if the
// key would be too large or m does not encode.
func appendMessage(s *Sharer, m message) bool {
	return appendEncoding(s, m.Size(), m.MarshalToSizedBuffer)
}

// appendEncoding appends n, then the n bytes marshal writes, to the key.
func appendEncoding(s *Sharer, n int, marshal func([]byte) (int, error)) bool {
	s.key = binary.AppendUvarint(s.key, uint64(n))
	if len(s.key)+n > maxKey {
		return false
	}
	start := len(s.key)
	s.key = slices.Grow(s.key, n)[:start+n]
	w, err := marshal(s.key[start:])
	return err == nil && w == n
}

// put returns the part recorded under the current key, or records v there
// and returns it. A full table is emptied first.
func put[V any](s *Sharer, table map[string]V, v V) V {
	if len(s.key) > maxKey {
		return v
	}
	if seen, ok := table[string(s.key)]; ok {
		return seen
	}
	if len(table) >= maxEntries {
		clear(table)
	}
	table[string(s.key)] = v
	return v
}
