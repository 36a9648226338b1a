package replicationcontroller

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestConversion(t *testing.T) {
	three := int32(3)
	when := metav1.NewTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	tests := []struct {
		name string
		rc   *corev1.ReplicationController
		want *appsv1.ReplicaSet
	}{
		{name: "spec and status", rc: &corev1.ReplicationController{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "u", Generation: 2, ResourceVersion: "7"},
			Spec: corev1.ReplicationControllerSpec{Replicas: &three, MinReadySeconds: 5, Selector: map[string]string{"app": "web"},
				Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}}},
			Status: corev1.ReplicationControllerStatus{Replicas: 3, ReadyReplicas: 2, ObservedGeneration: 1,
				Conditions: []corev1.ReplicationControllerCondition{{Type: corev1.ReplicationControllerReplicaFailure, Status: corev1.ConditionTrue,
					Reason: "FailedCreate", Message: "quota", LastTransitionTime: when}}},
		}, want: &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "u", Generation: 2, ResourceVersion: "7"},
			Spec: appsv1.ReplicaSetSpec{Replicas: &three, MinReadySeconds: 5, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}}},
			Status: appsv1.ReplicaSetStatus{Replicas: 3, ReadyReplicas: 2, ObservedGeneration: 1,
				Conditions: []appsv1.ReplicaSetCondition{{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
					Reason: "FailedCreate", Message: "quota", LastTransitionTime: when}}},
		}},
		{name: "no template", rc: &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "bare"}},
			want: &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "bare"}, Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := toReplicaSet(tt.rc)
			if !apiequality.Semantic.DeepEqual(got, tt.want) {
				t.Errorf("toReplicaSet() = %+v; want %+v", got, tt.want)
			}
			if back := toStatus(got.Status); !apiequality.Semantic.DeepEqual(back, tt.rc.Status) {
				t.Errorf("toStatus(toReplicaSet()) = %+v; want %+v", back, tt.rc.Status)
			}
		})
	}
}
