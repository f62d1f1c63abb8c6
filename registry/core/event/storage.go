// Package event serves core/v1 Events. The events.k8s.io/v1 view of the same
// objects lives in registry/events/event and shares this package's
// validation, selectable fields and columns.
package event

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
)

// TTL is how long an Event lives, as kube-apiserver's --event-ttl default.
const TTL = 3600

// REST is the events resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the core/v1 events storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &corev1.Event{} },
		NewListFunc:               func() runtime.Object { return &corev1.EventList{} },
		DefaultQualifiedResource:  corev1.Resource("events"),
		SingularQualifiedResource: corev1.Resource("event"),
		TTLFunc:                   func(runtime.Object, uint64, bool) (uint64, error) { return TTL, nil },
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"ev"} }

type eventStrategy struct{ Base }

// Strategy is the create, update and delete strategy of core/v1 Events.
var Strategy = eventStrategy{NewBase()}

func (eventStrategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (eventStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}
