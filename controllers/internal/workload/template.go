package workload

import (
	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// PodFromTemplate builds a pod of owner from template, as upstream's
// GetPodFromTemplate: the template's labels, annotations and finalizers,
// generateName "<owner>-", and a controller reference to owner that
// blocks its foreground deletion.
func PodFromTemplate(template *corev1.PodTemplateSpec, owner metav1.Object, gvk schema.GroupVersionKind) *corev1.Pod {
	prefix := owner.GetName() + "-"
	if len(apimachineryvalidation.NameIsDNSSubdomain(prefix, true)) != 0 {
		prefix = owner.GetName()
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		GenerateName:    prefix,
		Labels:          copyMap(template.Labels),
		Annotations:     copyMap(template.Annotations),
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(owner, gvk)},
	}}
	if len(template.Finalizers) > 0 {
		pod.Finalizers = append([]string(nil), template.Finalizers...)
	}
	pod.Spec = *template.Spec.DeepCopy()
	return pod
}

func copyMap(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
