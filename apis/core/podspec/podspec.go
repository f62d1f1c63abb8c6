package podspec

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// SetDefaultsPodSpec applies upstream's defaults to a PodSpec: those of
// SetDefaults_PodSpec and of everything inside it (containers, ports,
// probes, env, volumes, resource lists), as the generated
// SetObjectDefaults_PodTemplate does. Pod-only defaults are in SetDefaultsPod.
func SetDefaultsPodSpec(spec *corev1.PodSpec) {
	setDefaultsPodSpecOnly(spec)
	setDefaultsPodSpecNested(spec)
}

// SetDefaultsPodTemplateSpec applies upstream's defaults to a template.
func SetDefaultsPodTemplateSpec(t *corev1.PodTemplateSpec) {
	SetDefaultsPodSpec(&t.Spec)
}

// ValidatePodSpec validates a PodSpec at fldPath.
func ValidatePodSpec(spec *corev1.PodSpec, fldPath *field.Path) field.ErrorList {
	return validatePodSpec(spec, nil, fldPath)
}

// ValidatePodTemplateSpec validates a template at fldPath as upstream does:
// labels at fldPath.labels, annotations at fldPath.annotations, the spec at
// fldPath.spec; ephemeral containers are forbidden.
func ValidatePodTemplateSpec(t *corev1.PodTemplateSpec, fldPath *field.Path) field.ErrorList {
	return ValidateTemplate(t, fldPath)
}

// ContainerCells returns the comma-separated container names and images
// that the CONTAINERS and IMAGES table columns print.
func ContainerCells(containers []corev1.Container) (names, images string) {
	n := make([]string, len(containers))
	im := make([]string, len(containers))
	for i, c := range containers {
		n[i], im[i] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}
