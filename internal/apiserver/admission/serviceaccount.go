package admission

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// schemaServiceAccount names accounts in lookup errors, as upstream
// (`serviceaccount "x" not found`).
var schemaServiceAccount = schema.GroupResource{Resource: "serviceaccount"}

const (
	// DefaultServiceAccountName is the account a pod runs as when it names none.
	DefaultServiceAccountName = "default"
	// RootCAConfigMapName is the ConfigMap holding the cluster CA in every namespace.
	RootCAConfigMapName = "kube-root-ca.crt"
	// TokenMountPath is where containers find the service account token.
	TokenMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"
	// tokenVolumePrefix starts the name of the projected token volume.
	tokenVolumePrefix = "kube-api-access-"
	// tokenExpirationSeconds is upstream's bound token lifetime (1 h + 7 s).
	tokenExpirationSeconds = 3607
	mirrorPodAnnotation    = "kubernetes.io/config.mirror"
	// defaultAccountAttempts is how often a missing default account is looked
	// up before the pod is refused: the publisher may be about to create it.
	defaultAccountAttempts = 10
)

// ServiceAccount gives pods an account and its token, as upstream's plugin:
// spec.serviceAccountName defaults to "default", the account must exist,
// and unless automountServiceAccountToken is false (on the pod, else on the
// account) a projected volume kube-api-access-xxxxx with a bound token, the
// cluster CA and the namespace is mounted read-only at TokenMountPath in
// every container and init container.
type ServiceAccount struct {
	store  Store
	sleep  func(ctx context.Context, d time.Duration)
	suffix func() string
}

var (
	_ Mutator   = (*ServiceAccount)(nil)
	_ Validator = (*ServiceAccount)(nil)
)

// Name is upstream's plugin name.
func (*ServiceAccount) Name() string { return "ServiceAccount" }

// Mutate sets the account and mounts its token.
func (p *ServiceAccount) Mutate(ctx context.Context, a *Attributes) error {
	if !isPodCreate(a) {
		return nil
	}
	pod := a.Object.(*corev1.Pod)
	if _, mirror := pod.Annotations[mirrorPodAnnotation]; mirror {
		return nil
	}
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = DefaultServiceAccountName
		a.Mutated = true
	}
	sa, err := p.account(ctx, a.Namespace, pod.Spec.ServiceAccountName)
	if err != nil {
		return forbidden(a, fmt.Errorf("error looking up service account %s/%s: %w", a.Namespace, pod.Spec.ServiceAccountName, err))
	}
	if !automount(pod, sa) {
		return nil
	}
	if p.mountToken(pod) {
		a.Mutated = true
	}
	return nil
}

// Validate refuses pods that name a missing account (mirror pods may name
// none).
func (p *ServiceAccount) Validate(ctx context.Context, a *Attributes) (func(), error) {
	if !isPodCreate(a) {
		return noop, nil
	}
	pod := a.Object.(*corev1.Pod)
	if _, mirror := pod.Annotations[mirrorPodAnnotation]; mirror {
		if pod.Spec.ServiceAccountName != "" {
			return noop, forbidden(a, fmt.Errorf("a mirror pod may not reference service accounts"))
		}
		return noop, nil
	}
	return noop, nil
}

// account finds a service account, retrying the default one for a while
// as upstream does: it is created by a controller just after its namespace.
func (p *ServiceAccount) account(ctx context.Context, ns, name string) (*corev1.ServiceAccount, error) {
	attempts := 1
	if name == DefaultServiceAccountName {
		attempts = defaultAccountAttempts
	}
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			p.sleep(ctx, 150*time.Millisecond)
		}
		var got runtime.Object
		got, err = p.store.Get(ctx, accountsGR, ns, name)
		if err == nil {
			return got.(*corev1.ServiceAccount), nil
		}
		if !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	return nil, apierrors.NewNotFound(schemaServiceAccount, name)
}

func automount(pod *corev1.Pod, sa *corev1.ServiceAccount) bool {
	if pod.Spec.AutomountServiceAccountToken != nil {
		return *pod.Spec.AutomountServiceAccountToken
	}
	if sa.AutomountServiceAccountToken != nil {
		return *sa.AutomountServiceAccountToken
	}
	return true
}

// mountToken adds the token volume (unless one exists) and mounts it in
// every container that has nothing at TokenMountPath. It reports a change.
func (p *ServiceAccount) mountToken(pod *corev1.Pod) bool {
	name := ""
	for _, v := range pod.Spec.Volumes {
		if strings.HasPrefix(v.Name, tokenVolumePrefix) && v.Projected != nil {
			name = v.Name
		}
	}
	changed := false
	mount := func(cs []corev1.Container) {
		for i := range cs {
			if hasMountAt(cs[i].VolumeMounts, TokenMountPath) {
				continue
			}
			if name == "" {
				name = tokenVolumePrefix + p.suffix()
				pod.Spec.Volumes = append(pod.Spec.Volumes, tokenVolume(name))
			}
			cs[i].VolumeMounts = append(cs[i].VolumeMounts, corev1.VolumeMount{Name: name, ReadOnly: true, MountPath: TokenMountPath})
			changed = true
		}
	}
	mount(pod.Spec.InitContainers)
	mount(pod.Spec.Containers)
	return changed
}

func hasMountAt(mounts []corev1.VolumeMount, path string) bool {
	for _, m := range mounts {
		if m.MountPath == path {
			return true
		}
	}
	return false
}

// tokenVolume is upstream's projected service account volume.
func tokenVolume(name string) corev1.Volume {
	expiration := int64(tokenExpirationSeconds)
	mode := int32(0o644)
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		DefaultMode: &mode,
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: &expiration, Path: "token"}},
			{ConfigMap: &corev1.ConfigMapProjection{
				LocalObjectReference: corev1.LocalObjectReference{Name: RootCAConfigMapName},
				Items:                []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}},
			}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{
				Path:     "namespace",
				FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
			}}}},
		},
	}}}
}
