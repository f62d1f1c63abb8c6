package secret

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/skiff-k8s/skiff/apis"
)

// Secrets can be selected by type (kubectl get secrets --field-selector type=Opaque).
func init() {
	apis.MustAddFieldLabels(corev1.SchemeGroupVersion.WithKind("Secret"), "type")
	apis.Scheme.AddTypeDefaultingFunc(&corev1.Secret{}, func(obj interface{}) { SetDefaults(obj.(*corev1.Secret)) })
}

// SetDefaults gives a Secret without a type the Opaque type and folds
// stringData into data. Upstream folds stringData when it converts a request
// to its internal type, before managed fields are computed, so doing it at
// decode time records `data` (not `stringData`) in managedFields, as upstream.
func SetDefaults(s *corev1.Secret) {
	if s.Type == "" {
		s.Type = corev1.SecretTypeOpaque
	}
	foldStringData(s)
}

// GetAttrs returns the labels and selectable fields of a Secret.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return nil, nil, fmt.Errorf("not a secret: %T", obj)
	}
	return s.Labels, generic.AddObjectMetaFieldsSet(fields.Set{"type": string(s.Type)}, &s.ObjectMeta, true), nil
}
