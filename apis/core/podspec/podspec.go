package podspec

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// SetDefaultsPodSpec applies upstream's defaults to a PodSpec.
func SetDefaultsPodSpec(spec *corev1.PodSpec) {}

// SetDefaultsPodTemplateSpec applies upstream's defaults to a template.
func SetDefaultsPodTemplateSpec(t *corev1.PodTemplateSpec) {
	SetDefaultsPodSpec(&t.Spec)
}

// ValidatePodSpec validates a PodSpec at fldPath.
func ValidatePodSpec(spec *corev1.PodSpec, fldPath *field.Path) field.ErrorList { return nil }

// ValidatePodTemplateSpec validates a template (labels and spec) at fldPath.
func ValidatePodTemplateSpec(t *corev1.PodTemplateSpec, fldPath *field.Path) field.ErrorList {
	return ValidatePodSpec(&t.Spec, fldPath.Child("spec"))
}
