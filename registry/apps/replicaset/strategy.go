package replicaset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/apis/core/podspec"
	"github.com/skiff-k8s/skiff/registry/apps/internal/workload"
	"github.com/skiff-k8s/skiff/registry/strategy"
)

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&appsv1.ReplicaSet{}, func(obj interface{}) { SetDefaults(obj.(*appsv1.ReplicaSet)) })
	apis.Scheme.AddTypeDefaultingFunc(&appsv1.ReplicaSetList{}, func(obj interface{}) {
		l := obj.(*appsv1.ReplicaSetList)
		for i := range l.Items {
			SetDefaults(&l.Items[i])
		}
	})
}

// SetDefaults applies upstream's apps/v1 ReplicaSet defaults.
func SetDefaults(rs *appsv1.ReplicaSet) {
	if rs.Spec.Replicas == nil {
		one := int32(1)
		rs.Spec.Replicas = &one
	}
	podspec.SetDefaultsPodTemplateSpec(&rs.Spec.Template)
}

type rsStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of ReplicaSets.
var Strategy = rsStrategy{strategy.Namespaced()}

func (rsStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return workload.ResetStatus()
}

func (rsStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	rs := obj.(*appsv1.ReplicaSet)
	rs.Status = appsv1.ReplicaSetStatus{}
	rs.Generation = 1
}

func (rsStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	rs, prev := obj.(*appsv1.ReplicaSet), old.(*appsv1.ReplicaSet)
	rs.Status = prev.Status
	if !apiequality.Semantic.DeepEqual(rs.Spec, prev.Spec) {
		rs.Generation = prev.Generation + 1
	}
}

func (rsStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*appsv1.ReplicaSet))
}

func (rsStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*appsv1.ReplicaSet), old.(*appsv1.ReplicaSet))
}

// Validate checks a ReplicaSet as upstream's ValidateReplicaSet.
func Validate(rs *appsv1.ReplicaSet) field.ErrorList {
	errs := validation.ValidateObjectMeta(&rs.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validateSpec(&rs.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate adds the immutable selector.
func ValidateUpdate(rs, old *appsv1.ReplicaSet) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&rs.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, validateSpec(&rs.Spec, field.NewPath("spec"))...)
	return append(errs, validation.ValidateImmutableField(rs.Spec.Selector, old.Spec.Selector, field.NewPath("spec", "selector"))...)
}

func validateSpec(spec *appsv1.ReplicaSetSpec, p *field.Path) field.ErrorList {
	errs := workload.NonNegative(int64(workload.Replicas(spec.Replicas)), p.Child("replicas"))
	errs = append(errs, workload.NonNegative(int64(spec.MinReadySeconds), p.Child("minReadySeconds"))...)
	// Upstream says "deployment" here too.
	errs = append(errs, workload.ValidateSelector(spec.Selector, p.Child("selector"), "deployment")...)
	return append(errs, workload.ValidateTemplate(&spec.Template, spec.Selector, p.Child("template"), "ReplicaSet")...)
}

type statusStrategy struct{ rsStrategy }

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return workload.ResetSpec()
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*appsv1.ReplicaSet).Spec = old.(*appsv1.ReplicaSet).Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	rs, prev := obj.(*appsv1.ReplicaSet), old.(*appsv1.ReplicaSet)
	errs := validation.ValidateObjectMetaUpdate(&rs.ObjectMeta, &prev.ObjectMeta, field.NewPath("metadata"))
	s, p := rs.Status, field.NewPath("status")
	errs = append(errs, workload.NonNegative(int64(s.Replicas), p.Child("replicas"))...)
	errs = append(errs, workload.NonNegative(int64(s.FullyLabeledReplicas), p.Child("fullyLabeledReplicas"))...)
	errs = append(errs, workload.NonNegative(int64(s.ReadyReplicas), p.Child("readyReplicas"))...)
	errs = append(errs, workload.NonNegative(int64(s.AvailableReplicas), p.Child("availableReplicas"))...)
	errs = append(errs, workload.NonNegative(s.ObservedGeneration, p.Child("observedGeneration"))...)
	errs = append(errs, workload.NonNegativePtr(s.TerminatingReplicas, p.Child("terminatingReplicas"))...)
	const msg = "cannot be greater than status.replicas"
	if s.FullyLabeledReplicas > s.Replicas {
		errs = append(errs, field.Invalid(p.Child("fullyLabeledReplicas"), s.FullyLabeledReplicas, msg))
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
