package apiserver

import (
	"context"
	"fmt"
	"net/url"

	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	apiextensionsapiserver "k8s.io/apiextensions-apiserver/pkg/apiserver"
	apiextensionsinformers "k8s.io/apiextensions-apiserver/pkg/client/informers/externalversions"
	apiextensionsoptions "k8s.io/apiextensions-apiserver/pkg/cmd/server/options"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapifilters "k8s.io/apiserver/pkg/endpoints/filters"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/apiserver/pkg/util/notfoundhandler"
	"k8s.io/client-go/kubernetes"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	apiregistrationv1beta1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1beta1"
	aggregatorapiserver "k8s.io/kube-aggregator/pkg/apiserver"
	aggregatorscheme "k8s.io/kube-aggregator/pkg/apiserver/scheme"
	apiregistrationclient "k8s.io/kube-aggregator/pkg/client/clientset_generated/clientset/typed/apiregistration/v1"
	"k8s.io/kube-aggregator/pkg/controllers/autoregister"
)

// The three servers are chained as kube-apiserver chains them: requests
// enter the aggregator (APIServices, proxying to extension servers), fall
// through to skiff's built-in resources, then to apiextensions (CRDs and
// custom resources), then to a 404 handler.

// newAPIExtensions builds the CRD server from a copy of the base config.
func newAPIExtensions(base genericapiserver.Config, etcd *genericoptions.EtcdOptions, informers genericapiserver.RecommendedConfig) (*apiextensionsapiserver.CustomResourceDefinitions, error) {
	c := base
	c.PostStartHooks = map[string]genericapiserver.PostStartHookConfigEntry{}
	c.RESTOptionsGetter = nil
	// CRDs are stored as apiextensions.k8s.io/v1beta1 JSON, as upstream does.
	e := *etcd
	e.StorageConfig.Codec = apiextensionsapiserver.Codecs.LegacyCodec(apiextensionsv1beta1.SchemeGroupVersion)
	e.StorageConfig.EncodeVersioner = runtime.NewMultiGroupVersioner(apiextensionsv1beta1.SchemeGroupVersion, schema.GroupKind{Group: apiextensionsv1beta1.GroupName})
	e.SkipHealthEndpoints = true
	if err := e.ApplyTo(&c); err != nil {
		return nil, err
	}
	c.MergedResourceConfig = apiextensionsapiserver.DefaultAPIResourceConfigSource()
	cfg := &apiextensionsapiserver.Config{
		GenericConfig: &genericapiserver.RecommendedConfig{Config: c, SharedInformerFactory: informers.SharedInformerFactory},
		ExtraConfig: apiextensionsapiserver.ExtraConfig{
			CRDRESTOptionsGetter: apiextensionsoptions.NewCRDRESTOptionsGetter(e, c.ResourceTransformers, c.StorageObjectCountTracker),
			MasterCount:          1,
		},
	}
	notFound := notfoundhandler.New(c.Serializer, genericapifilters.NoMuxAndDiscoveryIncompleteKey)
	return cfg.Complete().New(genericapiserver.NewEmptyDelegateWithCustomHandler(notFound))
}

// newAggregator builds the aggregator in front of kube, registering an
// APIService for every built-in group version and every CRD version.
func newAggregator(base genericapiserver.Config, etcd *genericoptions.EtcdOptions, informers genericapiserver.RecommendedConfig, kube genericapiserver.DelegationTarget, crds apiextensionsinformers.SharedInformerFactory) (*aggregatorapiserver.APIAggregator, error) {
	c := base
	c.PostStartHooks = map[string]genericapiserver.PostStartHookConfigEntry{}
	c.RESTOptionsGetter = nil
	c.SkipOpenAPIInstallation = true
	e := *etcd
	e.StorageConfig.Codec = aggregatorscheme.Codecs.LegacyCodec(apiregistrationv1.SchemeGroupVersion, apiregistrationv1beta1.SchemeGroupVersion)
	e.StorageConfig.EncodeVersioner = runtime.NewMultiGroupVersioner(apiregistrationv1.SchemeGroupVersion, schema.GroupKind{Group: apiregistrationv1beta1.GroupName})
	e.SkipHealthEndpoints = true
	if err := e.ApplyTo(&c); err != nil {
		return nil, err
	}
	c.MergedResourceConfig = aggregatorapiserver.DefaultAPIResourceConfigSource()
	client, err := kubernetes.NewForConfig(c.LoopbackClientConfig)
	if err != nil {
		return nil, err
	}
	cfg := &aggregatorapiserver.Config{
		GenericConfig: &genericapiserver.RecommendedConfig{Config: c, SharedInformerFactory: informers.SharedInformerFactory},
		ExtraConfig: aggregatorapiserver.ExtraConfig{
			ServiceResolver: serviceResolver{client},
			// The remote availability checks watch Services and
			// EndpointSlices, which skiff does not serve yet; without them
			// the informers never sync and /readyz stays false.
			DisableRemoteAvailableConditionController: !servesServices,
		},
	}
	completed := cfg.Complete()
	agg, err := completed.NewWithDelegate(kube)
	if err != nil {
		return nil, err
	}

	regClient, err := apiregistrationclient.NewForConfig(c.LoopbackClientConfig)
	if err != nil {
		return nil, err
	}
	auto := autoregister.NewAutoRegisterController(agg.APIRegistrationInformers.Apiregistration().V1().APIServices(), regClient)
	for _, path := range kube.ListedPaths() {
		gv, ok := groupVersionOfPath(path)
		if !ok {
			continue
		}
		if svc := localAPIService(gv); svc != nil {
			auto.AddAPIServiceToSyncOnStart(svc)
		}
	}
	if m := completed.GenericConfig.AggregatedDiscoveryGroupManager; m != nil {
		for gv, p := range priorities {
			m.SetGroupVersionPriority(metav1.GroupVersion(gv), int(p.group), int(p.version))
		}
	}
	crdRegistration := newCRDRegistration(crds.Apiextensions().V1().CustomResourceDefinitions(), auto)
	err = agg.GenericAPIServer.AddPostStartHook("kube-apiserver-autoregistration", func(ctx genericapiserver.PostStartHookContext) error {
		go func() {
			crdRegistration.WaitForInitialSync(ctx.Done())
			auto.Run(2, ctx.Done())
		}()
		return nil
	})
	return agg, err
}

// servesServices turns on the aggregator's checks of remote APIServices
// once core/v1 Services and discovery.k8s.io EndpointSlices are served.
const servesServices = true

// serviceResolver finds an extension server behind an APIService by its
// Service's cluster IP, asking the API when needed.
type serviceResolver struct{ client kubernetes.Interface }

func (r serviceResolver) ResolveEndpoint(namespace, name string, port int32) (*url.URL, error) {
	svc, err := r.client.CoreV1().Services(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("service %s/%s not found", namespace, name)
		}
		return nil, err
	}
	if svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == "None" {
		return nil, fmt.Errorf("service %s/%s has no cluster IP", namespace, name)
	}
	return &url.URL{Scheme: "https", Host: fmt.Sprintf("%s:%d", svc.Spec.ClusterIP, port)}, nil
}
