package storageclass

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Default-class annotations (GA and beta).
const (
	isDefaultAnnotation     = "storageclass.kubernetes.io/is-default-class"
	betaIsDefaultAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
)

var columns = table.Convertor[*storagev1.StorageClass]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Provisioner", Type: "string", Description: storagev1.StorageClass{}.SwaggerDoc()["provisioner"]},
		{Name: "ReclaimPolicy", Type: "string", Description: storagev1.StorageClass{}.SwaggerDoc()["reclaimPolicy"]},
		{Name: "VolumeBindingMode", Type: "string", Description: storagev1.StorageClass{}.SwaggerDoc()["volumeBindingMode"]},
		{Name: "AllowVolumeExpansion", Type: "string", Description: storagev1.StorageClass{}.SwaggerDoc()["allowVolumeExpansion"]},
		table.AgeColumn,
	},
	Row: func(sc *storagev1.StorageClass) []interface{} {
		reclaim := string(corev1.PersistentVolumeReclaimDelete)
		if sc.ReclaimPolicy != nil {
			reclaim = string(*sc.ReclaimPolicy)
		}
		mode := string(storagev1.VolumeBindingImmediate)
		if sc.VolumeBindingMode != nil {
			mode = string(*sc.VolumeBindingMode)
		}
		expand := false
		if sc.AllowVolumeExpansion != nil {
			expand = *sc.AllowVolumeExpansion
		}
		return []interface{}{sc.Name, sc.Provisioner, reclaim, mode, expand, table.Age(sc.CreationTimestamp)}
	},
}

type convertor struct{}

// Table prints NAME, PROVISIONER, RECLAIMPOLICY, VOLUMEBINDINGMODE,
// ALLOWVOLUMEEXPANSION, AGE; in a list the effective default class (the
// newest annotated one) is named "<name> (default)".
var Table convertor

func (convertor) ConvertToTable(ctx context.Context, obj runtime.Object, opts runtime.Object) (*metav1.Table, error) {
	t, err := columns.ConvertToTable(ctx, obj, opts)
	if err != nil {
		return nil, err
	}
	list, ok := obj.(*storagev1.StorageClassList)
	if !ok {
		return t, nil
	}
	if def := EffectiveDefault(list.Items); def != "" {
		for i := range t.Rows {
			if t.Rows[i].Cells[0] == def {
				t.Rows[i].Cells[0] = def + " (default)"
			}
		}
	}
	return t, nil
}

// IsDefault reports whether a class carries the default-class annotation.
func IsDefault(sc *storagev1.StorageClass) bool {
	return sc.Annotations[isDefaultAnnotation] == "true" || sc.Annotations[betaIsDefaultAnnotation] == "true"
}

// EffectiveDefault returns the newest default class's name (ties broken by
// name), or "".
func EffectiveDefault(items []storagev1.StorageClass) string {
	var best *storagev1.StorageClass
	for i := range items {
		sc := &items[i]
		if !IsDefault(sc) {
			continue
		}
		switch {
		case best == nil, sc.CreationTimestamp.After(best.CreationTimestamp.Time),
			sc.CreationTimestamp.Equal(&best.CreationTimestamp) && sc.Name < best.Name:
			best = sc
		}
	}
	if best == nil {
		return ""
	}
	return best.Name
}
