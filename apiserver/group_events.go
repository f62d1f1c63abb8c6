package apiserver

import (
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	eventsevent "github.com/skiff-k8s/skiff/registry/events/event"
)

func init() { serve(eventsv1.SchemeGroupVersion, eventsV1) }

func eventsV1(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	e, err := eventsevent.NewREST(d.opts)
	s.add("events", e, err)
	return s.done()
}
