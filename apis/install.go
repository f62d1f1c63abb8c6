package apis

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	resourcev1 "k8s.io/api/resource/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The built-in groups, each with its versions in priority order (the first
// is preferred and stored). A group is served once apiserver/resources.go
// gives it storage. CRDs (apiextensions.k8s.io) and APIServices
// (apiregistration.k8s.io) live in their own servers' schemes.
func init() {
	one := func(gv schema.GroupVersion, add func(*runtime.Scheme) error) {
		register([]schema.GroupVersion{gv}, add)
	}
	one(corev1.SchemeGroupVersion, corev1.AddToScheme)
	one(admissionregistrationv1.SchemeGroupVersion, admissionregistrationv1.AddToScheme)
	one(appsv1.SchemeGroupVersion, appsv1.AddToScheme)
	one(authenticationv1.SchemeGroupVersion, authenticationv1.AddToScheme)
	one(authorizationv1.SchemeGroupVersion, authorizationv1.AddToScheme)
	register([]schema.GroupVersion{autoscalingv2.SchemeGroupVersion, autoscalingv1.SchemeGroupVersion},
		autoscalingv2.AddToScheme, autoscalingv1.AddToScheme)
	one(batchv1.SchemeGroupVersion, batchv1.AddToScheme)
	one(certificatesv1.SchemeGroupVersion, certificatesv1.AddToScheme)
	one(coordinationv1.SchemeGroupVersion, coordinationv1.AddToScheme)
	one(discoveryv1.SchemeGroupVersion, discoveryv1.AddToScheme)
	one(eventsv1.SchemeGroupVersion, eventsv1.AddToScheme)
	one(flowcontrolv1.SchemeGroupVersion, flowcontrolv1.AddToScheme)
	one(networkingv1.SchemeGroupVersion, networkingv1.AddToScheme)
	one(nodev1.SchemeGroupVersion, nodev1.AddToScheme)
	one(policyv1.SchemeGroupVersion, policyv1.AddToScheme)
	one(rbacv1.SchemeGroupVersion, rbacv1.AddToScheme)
	one(resourcev1.SchemeGroupVersion, resourcev1.AddToScheme)
	one(schedulingv1.SchemeGroupVersion, schedulingv1.AddToScheme)
	one(storagev1.SchemeGroupVersion, storagev1.AddToScheme)
	one(storagemigrationv1.SchemeGroupVersion, storagemigrationv1.AddToScheme)
	addEventConversions(Scheme)
}
