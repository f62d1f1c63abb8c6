package devicetaintrule

import (
	"context"

	resourcev1 "k8s.io/api/resource/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type deviceTaintRuleStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of DeviceTaintRules.
var Strategy = deviceTaintRuleStrategy{strategy.Cluster()}

func (deviceTaintRuleStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus(resourcev1.SchemeGroupVersion.String())
}

// PrepareForCreate clears status and starts the generation at 1.
func (deviceTaintRuleStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*resourcev1.DeviceTaintRule)
	o.Status = resourcev1.DeviceTaintRuleStatus{}
	o.Generation = 1
	prepareForCreate(o)
}

// PrepareForUpdate keeps status and bumps the generation when spec changes.
func (deviceTaintRuleStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*resourcev1.DeviceTaintRule), oldObj.(*resourcev1.DeviceTaintRule)
	o.Status = old.Status
	if !apiequality.Semantic.DeepEqual(o.Spec, old.Spec) {
		o.Generation = old.Generation + 1
	}
	prepareForUpdate(o, old)
}

func (deviceTaintRuleStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*resourcev1.DeviceTaintRule))
}

func (deviceTaintRuleStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*resourcev1.DeviceTaintRule), old.(*resourcev1.DeviceTaintRule))
}

type statusStrategy struct{ deviceTaintRuleStrategy }

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetAllButStatus(resourcev1.SchemeGroupVersion.String())
}

// PrepareForUpdate keeps everything but status (and metadata a status
// writer may not change).
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*resourcev1.DeviceTaintRule), oldObj.(*resourcev1.DeviceTaintRule)
	metav1.ResetObjectMetaForStatus(&o.ObjectMeta, &old.ObjectMeta)
	o.Spec = old.Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateStatusUpdate(obj.(*resourcev1.DeviceTaintRule), old.(*resourcev1.DeviceTaintRule))
}
