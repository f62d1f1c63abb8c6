package flowschema

import (
	"context"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type flowSchemaStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of FlowSchemas.
var Strategy = flowSchemaStrategy{strategy.Cluster()}

func (flowSchemaStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus(flowcontrolv1.SchemeGroupVersion.String())
}

// PrepareForCreate clears status and starts the generation at 1.
func (flowSchemaStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*flowcontrolv1.FlowSchema)
	o.Status = flowcontrolv1.FlowSchemaStatus{}
	o.Generation = 1
	prepareForCreate(o)
}

// PrepareForUpdate keeps status and bumps the generation when spec changes.
func (flowSchemaStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*flowcontrolv1.FlowSchema), oldObj.(*flowcontrolv1.FlowSchema)
	o.Status = old.Status
	if !apiequality.Semantic.DeepEqual(o.Spec, old.Spec) {
		o.Generation = old.Generation + 1
	}
	prepareForUpdate(o, old)
}

func (flowSchemaStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*flowcontrolv1.FlowSchema))
}

func (flowSchemaStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*flowcontrolv1.FlowSchema), old.(*flowcontrolv1.FlowSchema))
}

type statusStrategy struct{ flowSchemaStrategy }

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetAllButStatus(flowcontrolv1.SchemeGroupVersion.String())
}

// PrepareForUpdate keeps everything but status (and metadata a status
// writer may not change).
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*flowcontrolv1.FlowSchema), oldObj.(*flowcontrolv1.FlowSchema)
	metav1.ResetObjectMetaForStatus(&o.ObjectMeta, &old.ObjectMeta)
	o.Spec = old.Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateStatusUpdate(obj.(*flowcontrolv1.FlowSchema), old.(*flowcontrolv1.FlowSchema))
}
