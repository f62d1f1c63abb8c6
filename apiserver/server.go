// Package apiserver assembles skiff's Kubernetes API server: a
// k8s.io/apiserver GenericAPIServer whose resources are the stores under
// registry/, persisted in etcd as protobuf under kube-apiserver's keys.
//
// The shape follows k8s.io/sample-apiserver: Options → Config (New) →
// Server (Run). Which resources are served is decided in resources.go.
package apiserver

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/google/uuid"
	apiextensionsapiserver "k8s.io/apiextensions-apiserver/pkg/apiserver"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/endpoints/discovery/aggregated"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	serverstorage "k8s.io/apiserver/pkg/server/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	restclient "k8s.io/client-go/rest"
	aggregatorscheme "k8s.io/kube-aggregator/pkg/apiserver/scheme"

	skiffadmission "github.com/skiff-k8s/skiff/admission"
	_ "github.com/skiff-k8s/skiff/admission/install" // skiff's admission plugins
	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/apis/openapi"
	"github.com/skiff-k8s/skiff/pki"
	flowcontrolbootstrap "github.com/skiff-k8s/skiff/registry/flowcontrol/bootstrap"
	"github.com/skiff-k8s/skiff/registry/scheduling/priorityclass"
)

// StorageMediaType is how objects are encoded in etcd, as kube-apiserver does.
const StorageMediaType = runtime.ContentTypeProtobuf

// Options are what the server needs from its caller.
type Options struct {
	// BindAddress and Port are where HTTPS is served; Port 0 picks a free port.
	BindAddress net.IP
	Port        int
	// PublicAddress is advertised in discovery; defaults to BindAddress.
	PublicAddress net.IP
	// Certs are the data directory's CA, serving and admin certificates.
	Certs pki.Files
	// Etcd is how to reach etcd: the embedded member or an external cluster.
	Etcd storagebackend.TransportConfig
	// EtcdPrefix is the key prefix, /registry like kube-apiserver.
	EtcdPrefix string
}

// Server is a configured, not yet running, API server.
type Server struct {
	Generic *genericapiserver.GenericAPIServer
	// Loopback is a privileged client config for in-process clients.
	Loopback *restclient.Config
	// URL is where clients reach the server (https://host:port).
	URL string
	run func(context.Context) error
}

// New builds the server: configuration, storage and every API group.
func New(o Options) (*Server, error) {
	c := genericapiserver.NewRecommendedConfig(apis.Codecs)
	c.EffectiveVersion = newEffectiveVersion()
	c.FeatureGate = utilfeature.DefaultFeatureGate
	// One aggregated-discovery manager shared by the chained servers, so
	// /apis lists built-in, custom and aggregated groups together.
	c.AggregatedDiscoveryGroupManager = aggregated.NewResourceManager("apis")

	if err := applyServing(c, o); err != nil {
		return nil, err
	}
	tokens, err := applyAuth(c, o.Certs)
	if err != nil {
		return nil, err
	}
	applyOpenAPI(c)
	etcd, err := applyStorage(c, o)
	if err != nil {
		return nil, err
	}
	if err := applyAdmission(c); err != nil {
		return nil, err
	}

	// The extension and aggregator servers start from copies of the
	// configuration made before it is completed, as kube-apiserver does.
	ext, err := newAPIExtensions(c.Config, etcd, *c)
	if err != nil {
		return nil, fmt.Errorf("apiextensions server: %w", err)
	}
	aggBase := c.Config
	kube, err := c.Complete().New("kube-apiserver", ext.GenericAPIServer)
	if err != nil {
		return nil, err
	}
	if err := installAPIs(kube, c.RESTOptionsGetter, c.Authorization.Authorizer, tokens, o.Certs); err != nil {
		return nil, err
	}
	srv := &Server{Loopback: c.LoopbackClientConfig, URL: c.LoopbackClientConfig.Host}
	// Hooks must be added before the aggregator copies its delegate's.
	kube.AddPostStartHookOrDie("skiff-bootstrap-namespaces", srv.bootstrapNamespaces)
	kube.AddPostStartHookOrDie("skiff-bootstrap-kubernetes-service", srv.bootstrapKubernetesService)
	kube.AddPostStartHookOrDie(priorityclass.PostStartHookName, priorityclass.PostStartHook)
	kube.AddPostStartHookOrDie(flowcontrolbootstrap.PostStartHookName, flowcontrolbootstrap.PostStartHook)
	kube.AddPostStartHookOrDie(serviceRepairHookName, serviceRepairHook(c.RESTOptionsGetter))
	agg, err := newAggregator(aggBase, etcd, *c, kube, ext.Informers)
	if err != nil {
		return nil, fmt.Errorf("aggregator: %w", err)
	}
	srv.Generic = agg.GenericAPIServer
	srv.run = func(ctx context.Context) error {
		prepared, err := agg.PrepareRun()
		if err != nil {
			return err
		}
		return prepared.Run(ctx)
	}
	return srv, nil
}

// Run serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	return s.run(ctx)
}

func applyServing(c *genericapiserver.RecommendedConfig, o Options) error {
	ss := genericoptions.NewSecureServingOptions()
	ss.BindAddress = o.BindAddress
	ss.BindPort = o.Port
	ss.ServerCert.CertKey = genericoptions.CertKey{CertFile: o.Certs.ServingCert(), KeyFile: o.Certs.ServingKey()}
	if o.Port == 0 {
		ln, err := net.Listen("tcp", net.JoinHostPort(o.BindAddress.String(), "0"))
		if err != nil {
			return err
		}
		ss.Listener = ln
	}
	if err := ss.ApplyTo(&c.SecureServing); err != nil {
		return err
	}
	port := c.SecureServing.Listener.Addr().(*net.TCPAddr).Port
	public := o.PublicAddress
	if public == nil {
		public = o.BindAddress
	}
	if public == nil || public.IsUnspecified() {
		public = net.ParseIP("127.0.0.1")
	}
	c.PublicAddress = public
	c.ExternalAddress = net.JoinHostPort(public.String(), fmt.Sprint(port))

	// In-process clients use the serving certificate (it names 127.0.0.1)
	// and a random bearer token, instead of the self-signed loopback
	// certificate the generic options would generate at every start.
	ca, err := pki.ReadPEM(o.Certs.CACert())
	if err != nil {
		return err
	}
	c.LoopbackClientConfig = &restclient.Config{
		Host:            "https://" + net.JoinHostPort("127.0.0.1", fmt.Sprint(port)),
		BearerToken:     uuid.NewString(),
		TLSClientConfig: restclient.TLSClientConfig{CAData: ca, ServerName: "localhost"},
		QPS:             -1,
		ContentConfig:   restclient.ContentConfig{ContentType: runtime.ContentTypeProtobuf},
	}
	c.ClientConfig = c.LoopbackClientConfig
	return nil
}

func applyOpenAPI(c *genericapiserver.RecommendedConfig) {
	namer := openapinamer.NewDefinitionNamer(apis.Scheme, apiextensionsapiserver.Scheme, aggregatorscheme.Scheme)
	c.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(openapi.GetOpenAPIDefinitions, namer)
	c.OpenAPIConfig.Info.Title = "Kubernetes"
	c.OpenAPIConfig.Info.Version = "v1.37.2"
	c.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(openapi.GetOpenAPIDefinitions, namer)
	c.OpenAPIV3Config.Info.Title = "Kubernetes"
	c.OpenAPIV3Config.Info.Version = "v1.37.2"
}

// applyStorage sets up built-in resource storage and returns the etcd
// options the other servers derive theirs from.
func applyStorage(c *genericapiserver.RecommendedConfig, o Options) (*genericoptions.EtcdOptions, error) {
	prefix := o.EtcdPrefix
	if prefix == "" {
		prefix = "/registry"
	}
	etcd := genericoptions.NewEtcdOptions(storagebackend.NewDefaultConfig(prefix, nil))
	etcd.StorageConfig.Transport = o.Etcd
	etcd.StorageConfig.StorageObjectCountTracker = c.StorageObjectCountTracker
	etcd.DefaultStorageMediaType = StorageMediaType
	// Events are written often and read rarely: no watch cache, as upstream.
	etcd.WatchCacheSizes = []string{"events#0", "events.events.k8s.io#0"}
	if errs := etcd.Validate(); len(errs) > 0 {
		return nil, errs[0]
	}

	resources := serverstorage.NewResourceConfig()
	resources.EnableVersions(apis.PreferredVersions()...)
	encoding := serverstorage.NewDefaultResourceEncodingConfig(apis.Scheme)
	factory := serverstorage.NewDefaultStorageFactory(
		etcd.StorageConfig, StorageMediaType, apis.Codecs, encoding, resources, etcdPrefixes)
	for _, group := range cohabitating {
		factory.AddCohabitatingResources(group...)
		// Pin the storage version of the shared location: the lookup would
		// otherwise search the first group's versions for the second
		// group's Go type.
		home := group[0]
		version := apis.Scheme.PrioritizedVersionsForGroup(home.Group)[0]
		encoding.SetResourceEncoding(home, version, schema.GroupVersion{Group: home.Group, Version: runtime.APIVersionInternal})
	}
	if err := etcd.ApplyWithStorageFactoryTo(factory, &c.Config); err != nil {
		return nil, err
	}
	shared, err := newSharedClientGetter(c.RESTOptionsGetter, etcd)
	if err != nil {
		return nil, err
	}
	c.RESTOptionsGetter = shared
	return etcd, nil
}

// etcdPrefixes are kube-apiserver's historical key prefixes, so the data
// layout in etcd is the same as upstream's.
var etcdPrefixes = map[schema.GroupResource]string{
	{Group: "", Resource: "replicationcontrollers"}:     "controllers",
	{Group: "", Resource: "endpoints"}:                  "services/endpoints",
	{Group: "", Resource: "nodes"}:                      "minions",
	{Group: "", Resource: "services"}:                   "services/specs",
	{Group: "networking.k8s.io", Resource: "ingresses"}: "ingress",
}

// disabledAdmission are plugins that cannot run yet.
var disabledAdmission []string

func applyAdmission(c *genericapiserver.RecommendedConfig) error {
	client, err := kubernetes.NewForConfig(c.LoopbackClientConfig)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(c.LoopbackClientConfig)
	if err != nil {
		return err
	}
	c.SharedInformerFactory = informers.NewSharedInformerFactory(client, 10*time.Minute)
	a := genericoptions.NewAdmissionOptions()
	// k8s.io/apiserver brings NamespaceLifecycle, the webhooks and the CEL
	// policies; skiff's own plugins (admission/...) join them in upstream's
	// order.
	builtin := map[string]bool{}
	for _, name := range a.RecommendedPluginOrder {
		builtin[name] = true
	}
	var order []string
	for _, name := range skiffadmission.Order {
		p, ours := skiffadmission.Registered()[name]
		switch {
		case ours:
			a.Plugins.Register(p.Name, p.New)
			if p.DefaultOff {
				a.DefaultOffPlugins.Insert(p.Name)
			}
		case !builtin[name]:
			continue
		}
		order = append(order, name)
	}
	a.RecommendedPluginOrder = order
	a.DisablePlugins = disabledAdmission
	return a.ApplyTo(&c.Config, c.SharedInformerFactory, client, dyn, c.FeatureGate, c.EffectiveVersion)
}

// caProvider serves the cluster CA for client-certificate verification.
func caProvider(certs pki.Files) (dynamiccertificates.CAContentProvider, error) {
	ca, err := pki.ReadPEM(certs.CACert())
	if err != nil {
		return nil, err
	}
	return dynamiccertificates.NewStaticCAContent("client-ca", ca)
}
