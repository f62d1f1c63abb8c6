// Package workload holds what the apps workloads share: template and
// rolling-update validation (upstream pkg/apis/apps/validation), reset
// fields and table cells.
package workload

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/apis/core/podspec"
)

// ResetStatus is the reset fields of a main apps/v1 resource.
func ResetStatus() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{"apps/v1": fieldpath.NewSet(fieldpath.MakePathOrDie("status"))}
}

// ResetSpec is the reset fields of an apps/v1 status subresource; extra
// paths (deployments also reset metadata.labels) may be added.
func ResetSpec(extra ...fieldpath.Path) map[fieldpath.APIVersion]*fieldpath.Set {
	paths := append([]fieldpath.Path{fieldpath.MakePathOrDie("spec")}, extra...)
	return map[fieldpath.APIVersion]*fieldpath.Set{"apps/v1": fieldpath.NewSet(paths...)}
}

// Replicas dereferences an optional replica count (defaulted to 1 upstream).
func Replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

// ValidateSelector checks a required, non-empty selector; kind names the
// resource in the "empty selector is invalid for <kind>" message.
func ValidateSelector(sel *metav1.LabelSelector, fldPath *field.Path, kind string) field.ErrorList {
	if sel == nil {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, fldPath)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(fldPath, sel, "empty selector is invalid for "+kind))
	}
	return errs
}

// ValidateTemplate checks a pod template controlled by selector: the labels
// match, the pod spec is valid, restartPolicy is Always and there is no
// activeDeadlineSeconds. kind is used in the activeDeadlineSeconds message.
func ValidateTemplate(t *corev1.PodTemplateSpec, sel *metav1.LabelSelector, fldPath *field.Path, kind string) field.ErrorList {
	var errs field.ErrorList
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return field.ErrorList{field.Invalid(fldPath.Root().Child("spec", "selector"), sel, "invalid label selector")}
	}
	if !selector.Empty() && !selector.Matches(labels.Set(t.Labels)) {
		errs = append(errs, field.Invalid(fldPath.Child("metadata", "labels"), t.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, podspec.ValidatePodTemplateSpec(t, fldPath)...)
	if p := t.Spec.RestartPolicy; p != corev1.RestartPolicyAlways && p != "" {
		errs = append(errs, field.NotSupported(fldPath.Child("spec", "restartPolicy"), p, []string{string(corev1.RestartPolicyAlways)}))
	}
	if t.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(fldPath.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in "+kind+" is not Supported"))
	}
	return errs
}

// NonNegative is shorthand for upstream's ValidateNonnegativeField.
func NonNegative(v int64, fldPath *field.Path) field.ErrorList {
	return validation.ValidateNonnegativeField(v, fldPath)
}

// NonNegativePtr checks an optional value.
func NonNegativePtr(v *int32, fldPath *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	return validation.ValidateNonnegativeField(int64(*v), fldPath)
}

// ValidatePositiveIntOrPercent checks an int (>= 0) or a percentage.
func ValidatePositiveIntOrPercent(v intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	switch v.Type {
	case intstr.String:
		for _, msg := range utilvalidation.IsValidPercent(v.StrVal) {
			return field.ErrorList{field.Invalid(fldPath, v, msg)}
		}
		return nil
	case intstr.Int:
		return validation.ValidateNonnegativeField(int64(v.IntValue()), fldPath)
	}
	return field.ErrorList{field.Invalid(fldPath, v, "must be an integer or percentage (e.g '5%%')")}
}

func percent(v intstr.IntOrString) (int, bool) {
	if v.Type != intstr.String || len(utilvalidation.IsValidPercent(v.StrVal)) != 0 {
		return 0, false
	}
	n, _ := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
	return n, true
}

// IntOrPercentValue is the number of an int or a percentage.
func IntOrPercentValue(v intstr.IntOrString) int {
	if n, ok := percent(v); ok {
		return n
	}
	return v.IntValue()
}

// NotMoreThan100Percent refuses percentages above 100%.
func NotMoreThan100Percent(v intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	if n, ok := percent(v); ok && n > 100 {
		return field.ErrorList{field.Invalid(fldPath, v, "must not be greater than 100%")}
	}
	return nil
}

// Decremented reports whether an optional counter went down.
func Decremented(new, old *int32) bool {
	if new == nil && old != nil {
		return true
	}
	return new != nil && old != nil && *new < *old
}

// CollisionCount checks that status.collisionCount is not decremented.
func CollisionCount(new, old *int32) field.ErrorList {
	if !Decremented(new, old) {
		return nil
	}
	v := int32(0)
	if new != nil {
		v = *new
	}
	return field.ErrorList{field.Invalid(field.NewPath("status", "collisionCount"), v, "cannot be decremented")}
}

// ContainerCells prints the names and images of containers as kubectl's
// wide output does.
func ContainerCells(cs []corev1.Container) (names, images string) {
	n := make([]string, len(cs))
	im := make([]string, len(cs))
	for i, c := range cs {
		n[i], im[i] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}

// ContainersColumn, ImagesColumn are the wide columns of the workloads.
var (
	ContainersColumn = metav1.TableColumnDefinition{Name: "Containers", Type: "string", Priority: 1, Description: "Names of each container in the template."}
	ImagesColumn     = metav1.TableColumnDefinition{Name: "Images", Type: "string", Priority: 1, Description: "Images referenced by each container in the template."}
)
