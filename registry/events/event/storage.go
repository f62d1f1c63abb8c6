// Package event serves events.k8s.io/v1 Events. They are the same objects as
// core/v1 Events, stored once under /registry/events in the core shape; the
// scheme converts between the two (apis/events_conversion.go).
package event

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/skiff-k8s/skiff/apis"
	coreevent "github.com/skiff-k8s/skiff/registry/core/event"
	"github.com/skiff-k8s/skiff/registry/table"
)

func init() {
	coreevent.Converter = toCore
	apis.MustAddFieldLabelRenames(eventsv1.SchemeGroupVersion.WithKind("Event"), map[string]string{
		"reason":                    "reason",
		"type":                      "type",
		"regarding.kind":            "involvedObject.kind",
		"regarding.namespace":       "involvedObject.namespace",
		"regarding.name":            "involvedObject.name",
		"regarding.uid":             "involvedObject.uid",
		"regarding.apiVersion":      "involvedObject.apiVersion",
		"regarding.resourceVersion": "involvedObject.resourceVersion",
		"regarding.fieldPath":       "involvedObject.fieldPath",
		"reportingController":       "reportingComponent",
	})
}

func toCore(obj runtime.Object) *corev1.Event {
	out := &corev1.Event{}
	apis.EventToCore(obj.(*eventsv1.Event), out)
	return out
}

// REST is the events.k8s.io events resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the events.k8s.io/v1 events storage.
func NewREST(optsGetter generic.RESTOptionsGetter) (*REST, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &eventsv1.Event{} },
		NewListFunc:               func() runtime.Object { return &eventsv1.EventList{} },
		DefaultQualifiedResource:  eventsv1.Resource("events"),
		SingularQualifiedResource: eventsv1.Resource("event"),
		TTLFunc:                   func(runtime.Object, uint64, bool) (uint64, error) { return coreevent.TTL, nil },
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: getAttrs}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"ev"} }

func getAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	e, ok := obj.(*eventsv1.Event)
	if !ok {
		return nil, nil, fmt.Errorf("not an event: %T", obj)
	}
	return e.Labels, coreevent.Fields(toCore(e)), nil
}

type eventStrategy struct{ coreevent.Base }

// Strategy validates events.k8s.io Events with the core rules for the
// request's version.
var Strategy = eventStrategy{coreevent.NewBase()}

func (eventStrategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (eventStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Table prints events.k8s.io Events with the core columns.
var Table = table.Convertor[*eventsv1.Event]{
	Columns: coreevent.Columns,
	Row:     func(e *eventsv1.Event) []interface{} { return coreevent.Row(toCore(e)) },
}
