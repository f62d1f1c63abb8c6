package event

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FuzzValidate runs both API versions' rules over arbitrary events: never a
// panic, and the strict events.k8s.io/v1 rules reject at least what the
// legacy core/v1 rules reject.
func FuzzValidate(f *testing.F) {
	f.Add("ns", "other", "Pod", "reason", "ctrl", "inst", "act", int64(0), int32(0))
	f.Add("default", "", "", "", "", "", "", int64(1700000000), int32(3))
	f.Fuzz(func(t *testing.T, ns, objNS, kind, reason, ctrl, inst, action string, eventTime int64, count int32) {
		e := &corev1.Event{
			ObjectMeta:          metav1.ObjectMeta{Name: "e", Namespace: ns},
			InvolvedObject:      corev1.ObjectReference{Kind: kind, Namespace: objNS, Name: "o"},
			Reason:              reason,
			ReportingController: ctrl,
			ReportingInstance:   inst,
			Action:              action,
			Count:               count,
		}
		if eventTime != 0 {
			e.EventTime = metav1.NewMicroTime(time.Unix(eventTime%(1<<33), 0))
		}
		legacy := ValidateCreate(e, corev1.SchemeGroupVersion)
		strict := ValidateCreate(e, eventsv1.SchemeGroupVersion)
		if len(strict) < len(legacy) {
			t.Errorf("strict rules found fewer errors (%v) than legacy (%v)", strict, legacy)
		}
		_ = ValidateUpdate(e, e.DeepCopy(), eventsv1.SchemeGroupVersion)
	})
}
