package podautoscaler

import (
	"fmt"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// setCondition sets one condition on st, keeping its transition time when
// the status did not change.
func setCondition(st *autoscalingv2.HorizontalPodAutoscalerStatus, typ autoscalingv2.HorizontalPodAutoscalerConditionType,
	status corev1.ConditionStatus, reason string, now time.Time, format string, args ...any) {
	c := autoscalingv2.HorizontalPodAutoscalerCondition{Type: typ, Status: status, Reason: reason,
		Message: fmt.Sprintf(format, args...), LastTransitionTime: metav1.NewTime(now.Truncate(time.Second))}
	for i := range st.Conditions {
		if st.Conditions[i].Type != typ {
			continue
		}
		if st.Conditions[i].Status == status {
			c.LastTransitionTime = st.Conditions[i].LastTransitionTime
		}
		st.Conditions[i] = c
		return
	}
	st.Conditions = append(st.Conditions, c)
}
