package deployment

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/apis/core/podspec"
	"github.com/skiff-k8s/skiff/registry/apps/internal/workload"
	"github.com/skiff-k8s/skiff/registry/strategy"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&appsv1.Deployment{}, func(obj interface{}) { SetDefaults(obj.(*appsv1.Deployment)) })
	apis.Scheme.AddTypeDefaultingFunc(&appsv1.DeploymentList{}, func(obj interface{}) {
		l := obj.(*appsv1.DeploymentList)
		for i := range l.Items {
			SetDefaults(&l.Items[i])
		}
	})
}

// SetDefaults applies upstream's apps/v1 Deployment defaults.
func SetDefaults(d *appsv1.Deployment) {
	if d.Spec.Replicas == nil {
		d.Spec.Replicas = ptr(1)
	}
	s := &d.Spec.Strategy
	if s.Type == "" {
		s.Type = appsv1.RollingUpdateDeploymentStrategyType
	}
	if s.Type == appsv1.RollingUpdateDeploymentStrategyType {
		if s.RollingUpdate == nil {
			s.RollingUpdate = &appsv1.RollingUpdateDeployment{}
		}
		if s.RollingUpdate.MaxUnavailable == nil {
			v := intstr.FromString("25%")
			s.RollingUpdate.MaxUnavailable = &v
		}
		if s.RollingUpdate.MaxSurge == nil {
			v := intstr.FromString("25%")
			s.RollingUpdate.MaxSurge = &v
		}
	}
	if d.Spec.RevisionHistoryLimit == nil {
		d.Spec.RevisionHistoryLimit = ptr(10)
	}
	if d.Spec.ProgressDeadlineSeconds == nil {
		d.Spec.ProgressDeadlineSeconds = ptr(600)
	}
	podspec.SetDefaultsPodTemplateSpec(&d.Spec.Template)
}

func ptr(v int32) *int32 { return &v }

type deploymentStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of Deployments.
var Strategy = deploymentStrategy{strategy.Namespaced()}

func (deploymentStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return workload.ResetStatus()
}

func (deploymentStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	d := obj.(*appsv1.Deployment)
	d.Status = appsv1.DeploymentStatus{}
	d.Generation = 1
}

// PrepareForUpdate keeps the status and bumps the generation on a spec or
// annotation change, as upstream.
func (deploymentStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	d, prev := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	d.Status = prev.Status
	if !apiequality.Semantic.DeepEqual(d.Spec, prev.Spec) || !apiequality.Semantic.DeepEqual(d.Annotations, prev.Annotations) {
		d.Generation = prev.Generation + 1
	}
}

func (deploymentStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*appsv1.Deployment))
}

func (deploymentStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*appsv1.Deployment), old.(*appsv1.Deployment))
}

// Validate checks a Deployment as upstream's ValidateDeployment.
func Validate(d *appsv1.Deployment) field.ErrorList {
	errs := validation.ValidateObjectMeta(&d.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validateSpec(&d.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate adds the immutable selector.
func ValidateUpdate(d, old *appsv1.Deployment) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&d.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, validateSpec(&d.Spec, field.NewPath("spec"))...)
	return append(errs, validation.ValidateImmutableField(d.Spec.Selector, old.Spec.Selector, field.NewPath("spec", "selector"))...)
}

func validateSpec(spec *appsv1.DeploymentSpec, fldPath *field.Path) field.ErrorList {
	errs := workload.NonNegative(int64(workload.Replicas(spec.Replicas)), fldPath.Child("replicas"))
	errs = append(errs, workload.ValidateSelector(spec.Selector, fldPath.Child("selector"), "deployment")...)
	errs = append(errs, workload.ValidateTemplate(&spec.Template, spec.Selector, fldPath.Child("template"), "ReplicaSet")...)
	errs = append(errs, validateStrategy(&spec.Strategy, fldPath.Child("strategy"))...)
	errs = append(errs, workload.NonNegative(int64(spec.MinReadySeconds), fldPath.Child("minReadySeconds"))...)
	errs = append(errs, workload.NonNegativePtr(spec.RevisionHistoryLimit, fldPath.Child("revisionHistoryLimit"))...)
	if spec.ProgressDeadlineSeconds != nil {
		errs = append(errs, workload.NonNegativePtr(spec.ProgressDeadlineSeconds, fldPath.Child("progressDeadlineSeconds"))...)
		if *spec.ProgressDeadlineSeconds <= spec.MinReadySeconds {
			errs = append(errs, field.Invalid(fldPath.Child("progressDeadlineSeconds"), spec.ProgressDeadlineSeconds, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

func validateStrategy(s *appsv1.DeploymentStrategy, fldPath *field.Path) field.ErrorList {
	switch s.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(fldPath.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
	case appsv1.RollingUpdateDeploymentStrategyType:
		if s.RollingUpdate == nil {
			return field.ErrorList{field.Required(fldPath.Child("rollingUpdate"), "this should be defaulted and never be nil")}
		}
		ru, p := s.RollingUpdate, fldPath.Child("rollingUpdate")
		var maxUnavailable, maxSurge intstr.IntOrString
		if ru.MaxUnavailable != nil {
			maxUnavailable = *ru.MaxUnavailable
		}
		if ru.MaxSurge != nil {
			maxSurge = *ru.MaxSurge
		}
		errs := workload.ValidatePositiveIntOrPercent(maxUnavailable, p.Child("maxUnavailable"))
		errs = append(errs, workload.ValidatePositiveIntOrPercent(maxSurge, p.Child("maxSurge"))...)
		if workload.IntOrPercentValue(maxUnavailable) == 0 && workload.IntOrPercentValue(maxSurge) == 0 {
			errs = append(errs, field.Invalid(p.Child("maxUnavailable"), maxUnavailable, "may not be 0 when `maxSurge` is 0"))
		}
		return append(errs, workload.NotMoreThan100Percent(maxUnavailable, p.Child("maxUnavailable"))...)
	default:
		return field.ErrorList{field.NotSupported(fldPath, s, []string{string(appsv1.RecreateDeploymentStrategyType), string(appsv1.RollingUpdateDeploymentStrategyType)})}
	}
	return nil
}

type statusStrategy struct{ deploymentStrategy }

// StatusStrategy updates only .status (and keeps metadata.labels, as upstream).
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return workload.ResetSpec(fieldpath.MakePathOrDie("metadata", "labels"))
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	d, prev := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	d.Spec = prev.Spec
	d.Labels = prev.Labels
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	d, prev := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	errs := validation.ValidateObjectMetaUpdate(&d.ObjectMeta, &prev.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, validateStatus(&d.Status, field.NewPath("status"))...)
	return append(errs, workload.CollisionCount(d.Status.CollisionCount, prev.Status.CollisionCount)...)
}

func validateStatus(s *appsv1.DeploymentStatus, p *field.Path) field.ErrorList {
	errs := workload.NonNegative(s.ObservedGeneration, p.Child("observedGeneration"))
	errs = append(errs, workload.NonNegative(int64(s.Replicas), p.Child("replicas"))...)
	errs = append(errs, workload.NonNegative(int64(s.UpdatedReplicas), p.Child("updatedReplicas"))...)
	errs = append(errs, workload.NonNegative(int64(s.ReadyReplicas), p.Child("readyReplicas"))...)
	errs = append(errs, workload.NonNegative(int64(s.AvailableReplicas), p.Child("availableReplicas"))...)
	errs = append(errs, workload.NonNegative(int64(s.UnavailableReplicas), p.Child("unavailableReplicas"))...)
	errs = append(errs, workload.NonNegativePtr(s.TerminatingReplicas, p.Child("terminatingReplicas"))...)
	errs = append(errs, workload.NonNegativePtr(s.CollisionCount, p.Child("collisionCount"))...)
	const msg = "cannot be greater than status.replicas"
	if s.UpdatedReplicas > s.Replicas {
		errs = append(errs, field.Invalid(p.Child("updatedReplicas"), s.UpdatedReplicas, msg))
	}
	if s.ReadyReplicas > s.Replicas {
		errs = append(errs, field.Invalid(p.Child("readyReplicas"), s.ReadyReplicas, msg))
	}
	if s.AvailableReplicas > s.Replicas {
		errs = append(errs, field.Invalid(p.Child("availableReplicas"), s.AvailableReplicas, msg))
	}
	if s.AvailableReplicas > s.ReadyReplicas {
		errs = append(errs, field.Invalid(p.Child("availableReplicas"), s.AvailableReplicas, "cannot be greater than readyReplicas"))
	}
	return errs
}
