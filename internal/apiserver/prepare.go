package apiserver

import (
	"reflect"
	"slices"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
)

// generateNameLength is how many random characters generateName appends,
// as upstream's SimpleNameGenerator.
const generateNameLength = 5

// maxGeneratedNameLength keeps a generated name within the 63 characters a
// DNS label allows, like upstream.
const maxGeneratedNameLength = 63 - generateNameLength

// generateName returns base plus a random suffix.
func generateName(base string) string {
	if len(base) > maxGeneratedNameLength {
		base = base[:maxGeneratedNameLength]
	}
	return base + rand.String(generateNameLength)
}

// prepareForCreate sets the server-owned metadata of a new object and resets
// what a client may not set on create, as upstream's strategies do.
func (s *Server) prepareForCreate(ep *endpoint, obj runtime.Object) {
	m, _ := meta.Accessor(obj)
	m.SetUID(uuid.NewUUID())
	now := metav1.NewTime(s.now().Truncate(1e9))
	m.SetCreationTimestamp(now)
	m.SetResourceVersion("")
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetSelfLink("")
	if tracksGeneration(ep) {
		m.SetGeneration(1)
	} else {
		m.SetGeneration(0)
	}
	resetStatusOnCreate(obj, ep, now)
	stampTemplateGeneration(obj, nil, "")
	switch o := obj.(type) {
	case *batchv1.Job:
		generateJobSelector(o)
	case *corev1.Pod:
		mergeAffinityLabelKeys(o)
	case *corev1.Namespace:
		requireKubernetesFinalizer(o)
	case *corev1.Service:
		normalizeNewClusterIPs(&o.Spec)
	}
}

// requireKubernetesFinalizer appends the "kubernetes" finalizer to a new
// namespace's spec.finalizers, as upstream's namespace strategy does on
// create; later only namespaces/finalize changes them.
func requireKubernetesFinalizer(ns *corev1.Namespace) {
	if !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
		ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
	}
}

// tracksGeneration reports whether upstream bumps metadata.generation for
// the kind. Services and claims, though controllers act on their spec,
// have none upstream: their strategies never set it.
func tracksGeneration(ep *endpoint) bool {
	switch ep.res.GVR.Resource {
	case "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs",
		"replicationcontrollers", "horizontalpodautoscalers", "poddisruptionbudgets",
		"ingresses", "networkpolicies", "pods":
		return true
	}
	return false
}

// resetStatusOnCreate clears status on create for kinds whose status only
// controllers write, setting the initial phases upstream sets (and, for a
// volume, the time it entered its phase: now).
func resetStatusOnCreate(obj runtime.Object, ep *endpoint, now metav1.Time) {
	if !ep.res.HasStatus {
		return
	}
	switch o := obj.(type) {
	case *corev1.Node:
		// Kubelets register nodes together with their status.
		return
	case *corev1.Pod:
		o.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: qosClass(&o.Spec)}
		if len(o.Spec.SchedulingGates) > 0 {
			// As upstream: a gated pod shows why it waits (kubectl's
			// STATUS SchedulingGated) until its gates are removed.
			o.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
				Reason: corev1.PodReasonSchedulingGated, Message: "Scheduling is blocked due to non-empty scheduling gates"}}
		}
		return
	case *corev1.Namespace:
		o.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
		return
	case *corev1.PersistentVolume:
		o.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumePending, LastPhaseTransitionTime: &now}
		return
	case *corev1.PersistentVolumeClaim:
		o.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
		return
	case *certificatesv1.CertificateSigningRequest:
		o.Status = certificatesv1.CertificateSigningRequestStatus{}
		return
	}
	clearField(obj, "Status")
}

// clearField zeroes a top-level struct field of a typed object by name.
func clearField(obj runtime.Object, name string) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer {
		return
	}
	f := v.Elem().FieldByName(name)
	if f.IsValid() && f.CanSet() {
		f.Set(reflect.Zero(f.Type()))
	}
}

// copyField copies a top-level struct field from src to dst.
func copyField(dst, src runtime.Object, name string) {
	d := reflect.ValueOf(dst).Elem().FieldByName(name)
	sv := reflect.ValueOf(src).Elem().FieldByName(name)
	if d.IsValid() && sv.IsValid() && d.CanSet() {
		d.Set(sv)
	}
}

// prepareForUpdate carries the server-owned metadata from the stored object
// to the new one and keeps the part of the object the request may not
// change: status for the main resource, everything else for status.
func (s *Server) prepareForUpdate(ep *endpoint, obj, old runtime.Object, sub string) {
	m, _ := meta.Accessor(obj)
	om, _ := meta.Accessor(old)
	m.SetUID(om.GetUID())
	m.SetCreationTimestamp(om.GetCreationTimestamp())
	m.SetDeletionTimestamp(om.GetDeletionTimestamp())
	m.SetDeletionGracePeriodSeconds(om.GetDeletionGracePeriodSeconds())
	m.SetGeneration(om.GetGeneration())
	m.SetSelfLink("")
	switch sub {
	case "status", "approval":
		copyAllButStatus(obj, old)
		prepareStatusUpdate(obj, old, metav1.NewTime(s.now().Truncate(1e9)))
	case "ephemeralcontainers":
		if pod, ok := obj.(*corev1.Pod); ok {
			ephemeral := pod.Spec.EphemeralContainers
			copyAllButStatus(obj, old)
			pod.Status = old.(*corev1.Pod).Status
			pod.Spec.EphemeralContainers = ephemeral
			resetMetaForStatus(m, om)
		}
	case "":
		if ep.res.HasStatus {
			copyField(obj, old, "Status")
		}
		switch o := obj.(type) {
		case *corev1.Service:
			keepServiceIPFields(o, old.(*corev1.Service))
			keepAllocatedPorts(o, old.(*corev1.Service))
			dropTypeDependentFields(o, old.(*corev1.Service))
		case *corev1.Namespace:
			// As upstream's namespace strategy: only namespaces/finalize
			// changes spec.finalizers.
			o.Spec.Finalizers = old.(*corev1.Namespace).Spec.Finalizers
		}
	}
}

// stampGenerations sets what an update does to the generations, once obj
// has the defaults the stored object has (upstream defaults a request as
// it decodes it, so a replace that leaves out defaulted fields is no
// change): metadata.generation goes up on a spec change (a new ephemeral
// container is one, as upstream's updatePodGeneration says; so is a
// Deployment's annotation change), and a DaemonSet's template generation
// follows its pod template.
func stampGenerations(ep *endpoint, obj, old runtime.Object, sub string) {
	stampTemplateGeneration(obj, old, sub)
	bump := false
	switch sub {
	case "ephemeralcontainers":
		bump = specChanged(obj, old)
	case "":
		bump = tracksGeneration(ep) && (specChanged(obj, old) || deploymentAnnotationsChanged(obj, old))
	}
	if bump {
		m, _ := meta.Accessor(obj)
		om, _ := meta.Accessor(old)
		m.SetGeneration(om.GetGeneration() + 1)
	}
}

// prepareStatusUpdate applies what upstream's status strategies keep
// from the stored object besides its spec: a Deployment's labels; a pod's
// owner references (old kubelets corrupted them) and its QoS class when
// the writer left it out; a volume's phase transition time.
func prepareStatusUpdate(obj, old runtime.Object, now metav1.Time) {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		o.Labels = old.(*appsv1.Deployment).Labels
	case *corev1.Pod:
		was := old.(*corev1.Pod)
		o.OwnerReferences = was.OwnerReferences
		if o.Status.QOSClass == "" {
			o.Status.QOSClass = was.Status.QOSClass
		}
	case *corev1.PersistentVolume:
		stampPhaseTransition(&o.Status, &old.(*corev1.PersistentVolume).Status, now)
	}
}

// resetMetaForStatus keeps the stored labels, annotations, finalizers and
// owner references, as upstream's ResetObjectMetaForStatus for the
// subresources that may change one part of the spec only.
func resetMetaForStatus(m, old metav1.Object) {
	m.SetLabels(old.GetLabels())
	m.SetAnnotations(old.GetAnnotations())
	m.SetFinalizers(old.GetFinalizers())
	m.SetOwnerReferences(old.GetOwnerReferences())
}

// deploymentAnnotationsChanged reports an annotation change of a
// Deployment, which upstream counts as a new generation because the
// controller copies the annotations to its ReplicaSets.
func deploymentAnnotationsChanged(obj, old runtime.Object) bool {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return false
	}
	return !equality.Semantic.DeepEqual(d.Annotations, old.(*appsv1.Deployment).Annotations)
}

// stampPhaseTransition keeps a volume's lastPhaseTransitionTime in step
// with its phase on a status update, as upstream's persistentvolume status
// strategy: the same phase keeps the old time when the client left it
// out; a new phase is stamped now unless the client set a new time of its
// own.
func stampPhaseTransition(st, was *corev1.PersistentVolumeStatus, now metav1.Time) {
	switch {
	case st.Phase == was.Phase && st.LastPhaseTransitionTime == nil:
		st.LastPhaseTransitionTime = was.LastPhaseTransitionTime
	case st.Phase != was.Phase && (st.LastPhaseTransitionTime == nil || st.LastPhaseTransitionTime.Equal(was.LastPhaseTransitionTime)):
		st.LastPhaseTransitionTime = &now
	}
}

// copyAllButStatus makes obj the stored object with obj's status (and its
// metadata labels and annotations, which status writers may set).
func copyAllButStatus(obj, old runtime.Object) {
	v := reflect.ValueOf(obj).Elem()
	ov := reflect.ValueOf(old).Elem()
	for i := 0; i < v.NumField(); i++ {
		name := v.Type().Field(i).Name
		switch name {
		case "Status", "TypeMeta", "ObjectMeta":
			continue
		}
		v.Field(i).Set(ov.Field(i))
	}
}

// specChanged reports whether anything but metadata and status differs.
func specChanged(obj, old runtime.Object) bool {
	v := reflect.ValueOf(obj).Elem()
	ov := reflect.ValueOf(old).Elem()
	for i := 0; i < v.NumField(); i++ {
		switch v.Type().Field(i).Name {
		case "Status", "TypeMeta", "ObjectMeta":
			continue
		}
		if !equality.Semantic.DeepEqual(v.Field(i).Interface(), ov.Field(i).Interface()) {
			return true
		}
	}
	return false
}

// qosClass computes a pod's QoS class as upstream does.
func qosClass(spec *corev1.PodSpec) corev1.PodQOSClass {
	requests := corev1.ResourceList{}
	limits := corev1.ResourceList{}
	zero := true
	guaranteed := true
	containers := append(append([]corev1.Container{}, spec.Containers...), spec.InitContainers...)
	for _, c := range containers {
		for name, q := range c.Resources.Requests {
			if name != corev1.ResourceCPU && name != corev1.ResourceMemory {
				continue
			}
			if !q.IsZero() {
				zero = false
				cur := requests[name]
				cur.Add(q)
				requests[name] = cur
			}
		}
		got := 0
		for name, q := range c.Resources.Limits {
			if name != corev1.ResourceCPU && name != corev1.ResourceMemory {
				continue
			}
			if !q.IsZero() {
				zero = false
				got++
				cur := limits[name]
				cur.Add(q)
				limits[name] = cur
			}
		}
		if got != 2 {
			guaranteed = false
		}
	}
	if zero {
		return corev1.PodQOSBestEffort
	}
	if guaranteed {
		for name, req := range requests {
			if lim, ok := limits[name]; !ok || lim.Cmp(req) != 0 {
				guaranteed = false
			}
		}
	}
	if guaranteed {
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}
