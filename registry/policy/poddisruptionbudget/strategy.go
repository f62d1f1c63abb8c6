package poddisruptionbudget

import (
	"context"
	"strconv"
	"strings"

	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type pdbStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of PodDisruptionBudgets.
var Strategy = pdbStrategy{strategy.Namespaced()}

// AllowUnconditionalUpdate is false: updates must carry a resourceVersion.
func (pdbStrategy) AllowUnconditionalUpdate(context.Context) bool { return false }

func (pdbStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{"policy/v1": fieldpath.NewSet(fieldpath.MakePathOrDie("status"))}
}

func (pdbStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	pdb := obj.(*policyv1.PodDisruptionBudget)
	pdb.Status = policyv1.PodDisruptionBudgetStatus{}
	pdb.Generation = 1
}

func (pdbStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	pdb, prev := obj.(*policyv1.PodDisruptionBudget), old.(*policyv1.PodDisruptionBudget)
	pdb.Status = prev.Status
	if !apiequality.Semantic.DeepEqual(pdb.Spec, prev.Spec) {
		pdb.Generation = prev.Generation + 1
	}
}

func (pdbStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*policyv1.PodDisruptionBudget))
}

func (pdbStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	pdb := obj.(*policyv1.PodDisruptionBudget)
	errs := validation.ValidateObjectMetaUpdate(&pdb.ObjectMeta, &old.(*policyv1.PodDisruptionBudget).ObjectMeta, field.NewPath("metadata"))
	return append(errs, ValidateSpec(&pdb.Spec, field.NewPath("spec"))...)
}

// Validate checks a PodDisruptionBudget as upstream.
func Validate(pdb *policyv1.PodDisruptionBudget) field.ErrorList {
	errs := validation.ValidateObjectMeta(&pdb.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, ValidateSpec(&pdb.Spec, field.NewPath("spec"))...)
}

// ValidateSpec: at most one of minAvailable and maxUnavailable, each an
// int >= 0 or a percentage up to 100%, a valid selector and policy.
func ValidateSpec(spec *policyv1.PodDisruptionBudgetSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.MinAvailable != nil && spec.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(p, internalSpec(spec), "minAvailable and maxUnavailable cannot be both set"))
	}
	if spec.MinAvailable != nil {
		errs = append(errs, intOrPercent(*spec.MinAvailable, p.Child("minAvailable"))...)
	}
	if spec.MaxUnavailable != nil {
		errs = append(errs, intOrPercent(*spec.MaxUnavailable, p.Child("maxUnavailable"))...)
	}
	errs = append(errs, metav1validation.ValidateLabelSelector(spec.Selector, metav1validation.LabelSelectorValidationOptions{}, p.Child("selector"))...)
	if pol := spec.UnhealthyPodEvictionPolicy; pol != nil && *pol != policyv1.IfHealthyBudget && *pol != policyv1.AlwaysAllow {
		errs = append(errs, field.NotSupported(p.Child("unhealthyPodEvictionPolicy"), *pol, []string{string(policyv1.AlwaysAllow), string(policyv1.IfHealthyBudget)}))
	}
	return errs
}

func intOrPercent(v intstr.IntOrString, p *field.Path) field.ErrorList {
	switch v.Type {
	case intstr.String:
		for _, msg := range utilvalidation.IsValidPercent(v.StrVal) {
			return field.ErrorList{field.Invalid(p, v, msg)}
		}
		if n, _ := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%")); n > 100 {
			return field.ErrorList{field.Invalid(p, v, "must not be greater than 100%")}
		}
		return nil
	case intstr.Int:
		return validation.ValidateNonnegativeField(int64(v.IntValue()), p)
	}
	return field.ErrorList{field.Invalid(p, v, "must be an integer or percentage (e.g '5%%')")}
}

type statusStrategy struct{ pdbStrategy }

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{"policy/v1": fieldpath.NewSet(fieldpath.MakePathOrDie("spec"))}
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*policyv1.PodDisruptionBudget).Spec = old.(*policyv1.PodDisruptionBudget).Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	pdb := obj.(*policyv1.PodDisruptionBudget)
	errs := validation.ValidateObjectMetaUpdate(&pdb.ObjectMeta, &old.(*policyv1.PodDisruptionBudget).ObjectMeta, field.NewPath("metadata"))
	s, p := pdb.Status, field.NewPath("status")
	errs = append(errs, metav1validation.ValidateConditions(s.Conditions, p.Child("conditions"))...)
	errs = append(errs, validation.ValidateNonnegativeField(int64(s.DisruptionsAllowed), p.Child("disruptionsAllowed"))...)
	errs = append(errs, validation.ValidateNonnegativeField(int64(s.CurrentHealthy), p.Child("currentHealthy"))...)
	errs = append(errs, validation.ValidateNonnegativeField(int64(s.DesiredHealthy), p.Child("desiredHealthy"))...)
	return append(errs, validation.ValidateNonnegativeField(int64(s.ExpectedPods), p.Child("expectedPods"))...)
}

// internalSpec is the spec as upstream prints it in the "both set" error:
// its internal type, whose fields have no JSON tags (Go field names).
func internalSpec(s *policyv1.PodDisruptionBudgetSpec) interface{} {
	return struct {
		MinAvailable               *intstr.IntOrString
		Selector                   *metav1.LabelSelector
		MaxUnavailable             *intstr.IntOrString
		UnhealthyPodEvictionPolicy *policyv1.UnhealthyPodEvictionPolicyType
	}{s.MinAvailable, s.Selector, s.MaxUnavailable, s.UnhealthyPodEvictionPolicy}
}
