package replicationcontroller

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/skiff-dev/skiff/internal/controller"
	"github.com/skiff-dev/skiff/internal/controller/replicaset"
)

// Config is what the ReplicationController controller needs; it is the
// ReplicaSet controller's.
type Config = replicaset.Config

// New registers the ReplicationController and pod informers and returns
// the controller.
func New(cfg Config) *replicaset.Controller {
	inf := cfg.Factory.Core().V1().ReplicationControllers()
	lister := inf.Lister()
	gr := corev1.Resource("replicationcontrollers")
	return replicaset.NewFor(cfg, replicaset.Kind{
		GVK:       corev1.SchemeGroupVersion.WithKind("ReplicationController"),
		Name:      "replicationcontroller",
		Component: "replication-controller",
		Informer:  inf.Informer(),
		Get: func(ns, name string) (*appsv1.ReplicaSet, error) {
			rc, err := lister.ReplicationControllers(ns).Get(name)
			if err != nil {
				return nil, err
			}
			return toReplicaSet(rc), nil
		},
		List: func(ns string) ([]*appsv1.ReplicaSet, error) {
			rcs := controller.InNamespace[*corev1.ReplicationController](inf.Informer().GetIndexer(), ns)
			out := make([]*appsv1.ReplicaSet, 0, len(rcs))
			for _, rc := range rcs {
				out = append(out, toReplicaSet(rc))
			}
			return out, nil
		},
		UpdateStatus: func(ctx context.Context, rs *appsv1.ReplicaSet) error {
			cached, err := lister.ReplicationControllers(rs.Namespace).Get(rs.Name)
			if err != nil {
				return err
			}
			if cached.ResourceVersion != rs.ResourceVersion {
				return apierrors.NewConflict(gr, rs.Name, errStale)
			}
			rc := cached.DeepCopy()
			rc.Status = toStatus(rs.Status)
			return replicaset.UpdateStatusRetrying(ctx, cfg.Client.CoreV1().ReplicationControllers(rc.Namespace), rc.Name, rc,
				func(from, to *corev1.ReplicationController) { to.Status = from.Status })
		},
	})
}
