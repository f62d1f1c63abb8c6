package resourceslice

import (
	"fmt"

	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/registry/resource/resourcevalidation"
)

func init() {
	apis.MustAddFieldLabels(resourcev1.SchemeGroupVersion.WithKind("ResourceSlice"),
		resourcev1.ResourceSliceSelectorNodeName, resourcev1.ResourceSliceSelectorDriver, resourcev1.ResourceSliceSelectorPoolName)
	apis.Scheme.AddTypeDefaultingFunc(&resourcev1.ResourceSlice{}, func(obj interface{}) {
		s := obj.(*resourcev1.ResourceSlice)
		for i := range s.Spec.Devices {
			for j := range s.Spec.Devices[i].Taints {
				resourcevalidation.DefaultTaint(&s.Spec.Devices[i].Taints[j])
			}
		}
	})
}

// GetAttrs returns the labels and selectable fields (spec.nodeName,
// spec.driver, spec.pool.name) of a ResourceSlice.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	s, ok := obj.(*resourcev1.ResourceSlice)
	if !ok {
		return nil, nil, fmt.Errorf("not a ResourceSlice: %T", obj)
	}
	node := ""
	if s.Spec.NodeName != nil {
		node = *s.Spec.NodeName
	}
	return s.Labels, generic.AddObjectMetaFieldsSet(fields.Set{
		resourcev1.ResourceSliceSelectorNodeName: node,
		resourcev1.ResourceSliceSelectorDriver:   s.Spec.Driver,
		resourcev1.ResourceSliceSelectorPoolName: s.Spec.Pool.Name,
	}, &s.ObjectMeta, false), nil
}
