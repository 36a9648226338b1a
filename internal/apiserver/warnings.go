package apiserver

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-dev/skiff/internal/apiserver/admission"
)

// warningSink turns each distinct message of one request into a Warning
// header of w. Like upstream's recorder it drops a message already given,
// so a write retried on a conflict does not warn twice. Most requests warn
// of nothing, so the set is made with the first message.
type warningSink struct {
	mu   sync.Mutex
	w    http.ResponseWriter
	seen map[string]bool
}

func (s *warningSink) add(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[msg] {
		return
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[msg] = true
	addWarnings(s.w, []string{msg})
}

// withWarnings returns ctx with a warning sink writing to w, for admission
// and for the strategies' warnings.
func withWarnings(ctx context.Context, w http.ResponseWriter) context.Context {
	return admission.WithWarnings(ctx, (&warningSink{w: w}).add)
}

// warn sends msgs to ctx's warning sink, if it has one.
func warn(ctx context.Context, msgs []string) {
	for _, msg := range msgs {
		admission.Warn(ctx, msg)
	}
}

// templatePath is where a workload keeps its pod template.
var templatePath = field.NewPath("spec", "template")

// createWarnings returns upstream's WarningsOnCreate for a valid new
// object: the strategies' notes on what validation lets through.
func createWarnings(obj runtime.Object) []string {
	switch o := obj.(type) {
	case *corev1.Pod:
		w := dnsLabelWarning(o.Name, "metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: %v")
		return append(w, podSpecWarnings(nil, &o.Spec, &o.ObjectMeta)...)
	case *corev1.PodTemplate:
		return podTemplateWarnings(field.NewPath("template"), &o.Template)
	case *corev1.ReplicationController:
		w := podNameWarning(o.Name)
		if o.Spec.Template != nil {
			w = append(w, podTemplateWarnings(templatePath, o.Spec.Template)...)
		}
		return w
	case *appsv1.Deployment:
		return append(podNameWarning(o.Name), podTemplateWarnings(templatePath, &o.Spec.Template)...)
	case *appsv1.ReplicaSet:
		return append(podNameWarning(o.Name), podTemplateWarnings(templatePath, &o.Spec.Template)...)
	case *appsv1.DaemonSet:
		return append(podNameWarning(o.Name), podTemplateWarnings(templatePath, &o.Spec.Template)...)
	case *appsv1.StatefulSet:
		return append(podTemplateWarnings(templatePath, &o.Spec.Template), statefulSetWarnings(o, "")...)
	case *batchv1.Job:
		return append(podNameWarning(o.Name), jobSpecWarnings(field.NewPath("spec"), &o.Spec)...)
	case *batchv1.CronJob:
		return append(podNameWarning(o.Name), jobSpecWarnings(field.NewPath("spec", "jobTemplate", "spec"), &o.Spec.JobTemplate.Spec)...)
	}
	return commonWarnings(obj)
}

// updateWarnings returns upstream's WarningsOnUpdate for a valid update
// of the main resource. A workload's pod template is checked only when
// the update bumped the generation; a pod's update gives none.
func updateWarnings(obj, old runtime.Object) []string {
	m, _ := meta.Accessor(obj)
	om, _ := meta.Accessor(old)
	bumped := m.GetGeneration() != om.GetGeneration()
	var w []string
	switch o := obj.(type) {
	case *corev1.Pod:
		return nil
	case *corev1.ReplicationController:
		if bumped && o.Spec.Template != nil {
			w = podTemplateWarnings(templatePath, o.Spec.Template)
		}
	case *appsv1.Deployment:
		if bumped {
			w = podTemplateWarnings(templatePath, &o.Spec.Template)
		}
	case *appsv1.ReplicaSet:
		if bumped {
			w = podTemplateWarnings(templatePath, &o.Spec.Template)
		}
	case *appsv1.DaemonSet:
		if bumped {
			w = podTemplateWarnings(templatePath, &o.Spec.Template)
		}
	case *appsv1.StatefulSet:
		if bumped {
			w = podTemplateWarnings(templatePath, &o.Spec.Template)
		}
		// Upstream's update path names the claim spec "Spec".
		w = append(w, statefulSetWarnings(o, "Spec")...)
	case *batchv1.Job:
		if bumped {
			w = jobSpecWarnings(field.NewPath("spec"), &o.Spec)
		}
	case *batchv1.CronJob:
		if bumped {
			w = jobSpecWarnings(field.NewPath("spec", "jobTemplate", "spec"), &o.Spec.JobTemplate.Spec)
		}
	case *networkingv1.Ingress:
		return nil
	default:
		return commonWarnings(obj)
	}
	return w
}

// commonWarnings are the warnings upstream gives alike on create and
// update: a TLS secret whose key and certificate do not form a pair, and
// a claim's deprecated storage class annotation or fractional size (and,
// on create only, an Ingress's class annotation).
func commonWarnings(obj runtime.Object) []string {
	switch o := obj.(type) {
	case *corev1.Secret:
		if o.Type == corev1.SecretTypeTLS {
			if _, err := tls.X509KeyPair(o.Data[corev1.TLSCertKey], o.Data[corev1.TLSPrivateKeyKey]); err != nil {
				return []string{err.Error()}
			}
		}
	case *corev1.PersistentVolumeClaim:
		var w []string
		const key = "volume.beta.kubernetes.io/storage-class"
		if _, ok := o.Annotations[key]; ok {
			w = append(w, fmt.Sprintf(`%s: deprecated since v1.8; use "storageClassName" attribute instead`, field.NewPath("metadata", "annotations").Key(key)))
		}
		return append(w, claimSpecWarnings(field.NewPath("spec"), &o.Spec)...)
	case *networkingv1.Ingress:
		const key = "kubernetes.io/ingress.class"
		if _, ok := o.Annotations[key]; ok && o.Spec.IngressClassName == nil {
			return []string{fmt.Sprintf("annotation %q is deprecated, please use 'spec.ingressClassName' instead", key)}
		}
	}
	return nil
}

// statefulSetWarnings flags fractional sizes in the volume claim
// templates (their spec at .specName when not empty) and a negative
// revisionHistoryLimit.
func statefulSetWarnings(ss *appsv1.StatefulSet, specName string) []string {
	var w []string
	for i := range ss.Spec.VolumeClaimTemplates {
		p := field.NewPath("spec", "volumeClaimTemplates").Index(i)
		if specName != "" {
			p = p.Child(specName)
		}
		w = append(w, claimSpecWarnings(p, &ss.Spec.VolumeClaimTemplates[i].Spec)...)
	}
	if l := ss.Spec.RevisionHistoryLimit; l != nil && *l < 0 {
		w = append(w, "spec.revisionHistoryLimit: a negative value retains all historical revisions; a value >= 0 is recommended")
	}
	return w
}

// Upstream's soft limits on an Indexed Job it can track failed indexes of.
const (
	completionsSoftLimit = 100_000
	parallelismSoftLimit = 10_000
)

// jobSpecWarnings returns upstream's WarningsForJobSpec for a job spec at
// path.
func jobSpecWarnings(path *field.Path, spec *batchv1.JobSpec) []string {
	var w []string
	if spec.CompletionMode != nil && *spec.CompletionMode == batchv1.IndexedCompletion {
		var completions, parallelism int32
		if spec.Completions != nil {
			completions = *spec.Completions
		}
		if spec.Parallelism != nil {
			parallelism = *spec.Parallelism
		}
		if completions > completionsSoftLimit && parallelism > parallelismSoftLimit {
			w = append(w, fmt.Sprintf("%s: In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail", path))
		}
	}
	return append(w, podTemplateWarnings(path.Child("template"), &spec.Template)...)
}

// podNameWarning is the warning for a workload whose name, used in its
// pods' names and hostnames, is not a DNS label.
func podNameWarning(name string) []string {
	return dnsLabelWarning(name, "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: %v")
}

// dnsLabelWarning formats format with why name is not a DNS label, if it
// is not.
func dnsLabelWarning(name, format string) []string {
	if msgs := utilvalidation.IsDNS1123Label(name); len(msgs) > 0 {
		return []string{fmt.Sprintf(format, msgs)}
	}
	return nil
}
