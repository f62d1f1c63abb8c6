package storageversionmigration

import (
	"context"

	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

type storageVersionMigrationStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of StorageVersionMigrations.
var Strategy = storageVersionMigrationStrategy{strategy.Cluster()}

func (storageVersionMigrationStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus(storagemigrationv1.SchemeGroupVersion.String())
}

// PrepareForCreate clears status.
func (storageVersionMigrationStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	o := obj.(*storagemigrationv1.StorageVersionMigration)
	o.Status = storagemigrationv1.StorageVersionMigrationStatus{}
	prepareForCreate(o)
}

// PrepareForUpdate keeps status.
func (storageVersionMigrationStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*storagemigrationv1.StorageVersionMigration), oldObj.(*storagemigrationv1.StorageVersionMigration)
	o.Status = old.Status
	prepareForUpdate(o, old)
}

func (storageVersionMigrationStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return Validate(obj.(*storagemigrationv1.StorageVersionMigration))
}

func (storageVersionMigrationStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*storagemigrationv1.StorageVersionMigration), old.(*storagemigrationv1.StorageVersionMigration))
}

type statusStrategy struct {
	storageVersionMigrationStrategy
}

// StatusStrategy updates only .status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetAllButStatus(storagemigrationv1.SchemeGroupVersion.String())
}

// PrepareForUpdate keeps everything but status (and metadata a status
// writer may not change).
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, oldObj runtime.Object) {
	o, old := obj.(*storagemigrationv1.StorageVersionMigration), oldObj.(*storagemigrationv1.StorageVersionMigration)
	metav1.ResetObjectMetaForStatus(&o.ObjectMeta, &old.ObjectMeta)
	o.Spec = old.Spec
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateStatusUpdate(obj.(*storagemigrationv1.StorageVersionMigration), old.(*storagemigrationv1.StorageVersionMigration))
}
