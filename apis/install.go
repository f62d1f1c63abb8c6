package apis

import (
	authorizationv1 "k8s.io/api/authorization/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The groups skiff serves. Adding a group is one line here plus its
// registry packages and an entry in hack/update-codegen.sh for OpenAPI.
func init() {
	register([]schema.GroupVersion{corev1.SchemeGroupVersion}, corev1.AddToScheme)
	register([]schema.GroupVersion{authorizationv1.SchemeGroupVersion}, authorizationv1.AddToScheme)
	register([]schema.GroupVersion{coordinationv1.SchemeGroupVersion}, coordinationv1.AddToScheme)
	register([]schema.GroupVersion{eventsv1.SchemeGroupVersion}, eventsv1.AddToScheme)
	addEventConversions(Scheme)
}
