package dedup

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Field numbers of the parts DecodePod reads from their bytes (from
// k8s.io/api's generated.proto).
const (
	fieldPodMeta   protowire.Number = 1
	fieldPodSpec   protowire.Number = 2
	fieldPodStatus protowire.Number = 3

	fieldMetaLabels        protowire.Number = 11
	fieldMetaAnnotations   protowire.Number = 12
	fieldMetaOwners        protowire.Number = 13
	fieldMetaManagedFields protowire.Number = 17

	fieldSpecVolumes        protowire.Number = 1
	fieldSpecContainers     protowire.Number = 2
	fieldSpecInitContainers protowire.Number = 20
	fieldSpecTolerations    protowire.Number = 22

	fieldVolumeName            protowire.Number = 1
	fieldContainerVolumeMounts protowire.Number = 9
)

// rawParts are the parts of a message a decode looks up by their bytes:
// for each field, every occurrence of it (tag and value) in order.
type rawParts struct {
	nums []protowire.Number
	raw  [][]byte
}

func (r *rawParts) reset(nums ...protowire.Number) {
	r.nums = append(r.nums[:0], nums...)
	for len(r.raw) < len(nums) {
		r.raw = append(r.raw, nil)
	}
	r.raw = r.raw[:len(nums)]
	for i := range r.raw {
		r.raw[i] = r.raw[i][:0]
	}
}

var errMalformed = errors.New("dedup: malformed protobuf message")

// walk calls fn with each field of msg: its number and wire type, its
// whole encoding (tag and value) and, for a length-delimited field, its
// value's bytes.
func walk(msg []byte, fn func(num protowire.Number, typ protowire.Type, field, value []byte) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return errMalformed
		}
		m := protowire.ConsumeFieldValue(num, typ, msg[n:])
		if m < 0 {
			return errMalformed
		}
		var value []byte
		if typ == protowire.BytesType {
			value, _ = protowire.ConsumeBytes(msg[n : n+m])
		}
		if err := fn(num, typ, msg[:n+m], value); err != nil {
			return err
		}
		msg = msg[n+m:]
	}
	return nil
}

// split copies msg's fields to rest, except those of parts, whose
// occurrences it appends to parts' buffers instead.
func split(msg, rest []byte, parts *rawParts) ([]byte, error) {
	rest = rest[:0]
	err := walk(msg, func(num protowire.Number, typ protowire.Type, field, _ []byte) error {
		for i, p := range parts.nums {
			if p == num && typ == protowire.BytesType {
				parts.raw[i] = append(parts.raw[i], field...)
				return nil
			}
		}
		rest = append(rest, field...)
		return nil
	})
	return rest, err
}

// DecodePod decodes a Pod's protobuf message (the object inside the
// envelope) as an informer cache holds it: with no managed fields (the
// caches drop them, controller.StripManagedFields) and with the parts
// equal to a pod's decoded before shared, as Pod shares them. Labels,
// annotations, owner references and tolerations are looked up by their
// bytes, and so is each volume and container but for its name or volume
// mounts: those name the pod's own service account token volume
// (kube-api-access-<random>), so no two pods' containers are equal. Each
// template's parts are decoded once, not once per pod and event. The pod
// is the caller's, and Pod does nothing more to it. A message that gives
// its metadata, spec or status twice (which the generated decoder
// merges) is an error: callers then decode it the plain way.
func (s *Sharer) DecodePod(msg []byte) (*corev1.Pod, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var meta, spec, status []byte
	err := walk(msg, func(num protowire.Number, typ protowire.Type, _, v []byte) error {
		var part *[]byte
		switch {
		case typ != protowire.BytesType:
			return nil
		case num == fieldPodMeta:
			part = &meta
		case num == fieldPodSpec:
			part = &spec
		case num == fieldPodStatus:
			part = &status
		default:
			return nil
		}
		if *part != nil {
			return errMalformed
		}
		*part = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	p := &corev1.Pod{}
	if err := s.decodeMeta(meta, &p.ObjectMeta); err != nil {
		return nil, err
	}
	if err := s.decodeSpec(spec, &p.Spec); err != nil {
		return nil, err
	}
	if err := p.Status.Unmarshal(status); err != nil {
		return nil, err
	}
	s.decoded = p
	return p, nil
}

// decodeRest decodes into m the fields of msg but those numbered nums,
// whose occurrences it leaves in s.parts.raw, in the order of nums.
func (s *Sharer) decodeRest(msg []byte, m interface{ Unmarshal([]byte) error }, nums ...protowire.Number) ([][]byte, error) {
	s.parts.reset(nums...)
	var err error
	if s.rest, err = split(msg, s.rest, &s.parts); err != nil {
		return nil, err
	}
	return s.parts.raw, m.Unmarshal(s.rest)
}

func (s *Sharer) decodeMeta(msg []byte, m *metav1.ObjectMeta) error {
	raw, err := s.decodeRest(msg, m, fieldMetaLabels, fieldMetaAnnotations, fieldMetaOwners, fieldMetaManagedFields)
	if err != nil {
		return err
	}
	// raw[3], the managed fields, stays undecoded.
	labels, err := byBytes(&s.metaBytes, raw[0], func(tmp *metav1.ObjectMeta) map[string]string { return s.stringMap(tmp.Labels) })
	if err != nil {
		return err
	}
	annotations, err := byBytes(&s.metaBytes, raw[1], func(tmp *metav1.ObjectMeta) map[string]string { return s.stringMap(tmp.Annotations) })
	if err != nil {
		return err
	}
	owners, err := byBytes(&s.metaBytes, raw[2], func(tmp *metav1.ObjectMeta) []metav1.OwnerReference {
		return shareSlice(s, s.owners, tmp.OwnerReferences)
	})
	if err != nil {
		return err
	}
	m.Labels, m.Annotations, m.OwnerReferences = labels, annotations, owners
	m.Finalizers = s.stringList(m.Finalizers)
	return nil
}

func (s *Sharer) decodeSpec(msg []byte, spec *corev1.PodSpec) error {
	raw, err := s.decodeRest(msg, spec, fieldSpecVolumes, fieldSpecContainers, fieldSpecInitContainers, fieldSpecTolerations)
	if err != nil {
		return err
	}
	volumes, err := elements(s, 'v', raw[0], fieldVolumeName, func(v *corev1.Volume) {
		v.VolumeSource = shareValue(s, s.volumes, v.VolumeSource)
	})
	if err != nil {
		return err
	}
	containers, err := elements(s, 'c', raw[1], fieldContainerVolumeMounts, s.container)
	if err != nil {
		return err
	}
	initContainers, err := elements(s, 'c', raw[2], fieldContainerVolumeMounts, s.container)
	if err != nil {
		return err
	}
	tolerations, err := byBytes(&s.specBytes, raw[3], func(tmp *corev1.PodSpec) []corev1.Toleration {
		return shareSlice(s, s.tolerations, tmp.Tolerations)
	})
	if err != nil {
		return err
	}
	spec.Volumes, spec.Containers, spec.InitContainers, spec.Tolerations = volumes, containers, initContainers, tolerations
	s.specRest(spec)
	return nil
}

// bytesTable holds parts by the bytes they were decoded from. It is
// bounded by entries and by the bytes of its keys; a full table is
// emptied and starts again.
type bytesTable struct {
	parts map[string]any
	size  int
}

// maxTableBytes bounds the keys a bytesTable holds.
const maxTableBytes = 4 << 20

// byBytes returns the part whose occurrences in its message are raw: the
// one t recorded under those bytes, or, the first time, the part decoded
// from them alone (into an empty message M) and shared by share. No
// occurrence is the zero part, as the generated decoder leaves it.
func byBytes[T any, M any, PM interface {
	*M
	Unmarshal([]byte) error
}](t *bytesTable, raw []byte, share func(PM) T) (T, error) {
	var zero T
	if len(raw) == 0 {
		return zero, nil
	}
	if len(raw) <= maxKey {
		if seen, ok := t.parts[string(raw)]; ok {
			if v, ok := seen.(T); ok {
				return v, nil
			}
		}
	}
	tmp := PM(new(M))
	if err := tmp.Unmarshal(raw); err != nil {
		return zero, err
	}
	v := share(tmp)
	t.put(raw, v)
	return v, nil
}

// put records v under key, unless key is too large; a full table is
// emptied first.
func (t *bytesTable) put(key []byte, v any) {
	if len(key) > maxKey {
		return
	}
	if len(t.parts) >= maxEntries || t.size+len(key) > maxTableBytes {
		clear(t.parts)
		t.size = 0
	}
	t.parts[string(key)] = v
	t.size += len(key)
}

// elements decodes the occurrences raw of a repeated field of messages T.
// Each element is looked up in the spec's table by its bytes without its
// field own (and kind, which tells the tables of different T apart); the
// first time, it is decoded from those bytes and shared by share. Its own
// field is then decoded for it alone, onto a copy of what was recorded.
func elements[T any, PT interface {
	*T
	Unmarshal([]byte) error
}](s *Sharer, kind byte, raw []byte, own protowire.Number, share func(PT)) ([]T, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	n := 0
	for b := raw; len(b) > 0; n++ {
		_, _, m := protowire.ConsumeField(b)
		if m < 0 {
			return nil, errMalformed
		}
		b = b[m:]
	}
	out := make([]T, n)
	for i := range out {
		_, _, tn := protowire.ConsumeTag(raw)
		msg, m := protowire.ConsumeBytes(raw[tn:])
		raw = raw[tn+m:]
		s.elemParts.reset(own)
		var err error
		if s.elemRest, err = split(msg, s.elemRest, &s.elemParts); err != nil {
			return nil, err
		}
		s.elemKey = append(append(s.elemKey[:0], kind), s.elemRest...)
		// The table holds a pointer, so that the look-up copies nothing.
		seen, ok := s.specBytes.parts[string(s.elemKey)].(PT)
		if !ok {
			seen = PT(new(T))
			if err := seen.Unmarshal(s.elemRest); err != nil {
				return nil, err
			}
			share(seen)
			s.specBytes.put(s.elemKey, seen)
		}
		out[i] = *seen
		if ownRaw := s.elemParts.raw[0]; len(ownRaw) > 0 {
			// The generated decoder sets the one field and leaves the
			// rest, shared, as it is.
			if err := PT(&out[i]).Unmarshal(ownRaw); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
