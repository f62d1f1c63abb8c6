package apiserver

import (
	"fmt"
	"sync"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	etcdkube "go.etcd.io/etcd/client/v3/kubernetes"
	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/cacher"
	"k8s.io/apiserver/pkg/storage/etcd3"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/apiserver/pkg/storage/value/encrypt/identity"
	"k8s.io/client-go/tools/cache"
)

// sharedClientGetter hands every built-in resource a store on one shared
// etcd client. k8s.io/apiserver's factory dials a client per resource: with
// 71 resources that is 71 gRPC connections, each with its own goroutines,
// buffers and keepalives, for an etcd that is usually in the same process.
// One client multiplexes all of their requests and watches instead.
type sharedClientGetter struct {
	generic.RESTOptionsGetter
	uncached map[schema.GroupResource]bool
	etcd     *sharedEtcd
}

func newSharedClientGetter(inner generic.RESTOptionsGetter, etcd *genericoptions.EtcdOptions) (*sharedClientGetter, error) {
	sizes, err := genericoptions.ParseWatchCacheSizes(etcd.WatchCacheSizes)
	if err != nil {
		return nil, err
	}
	uncached := map[schema.GroupResource]bool{}
	for gr, size := range sizes {
		if size <= 0 {
			uncached[gr] = true
		}
	}
	return &sharedClientGetter{RESTOptionsGetter: inner, uncached: uncached, etcd: &sharedEtcd{}}, nil
}

func (g *sharedClientGetter) GetRESTOptions(resource schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	o, err := g.RESTOptionsGetter.GetRESTOptions(resource, example)
	if err != nil {
		return o, err
	}
	if g.uncached[resource] {
		o.Decorator = g.etcd.rawDecorator
	} else {
		o.Decorator = g.etcd.cachedDecorator
	}
	return o, nil
}

// sharedEtcd is the one client and compactor, opened by the first store
// and closed when the last store is destroyed.
type sharedEtcd struct {
	mu        sync.Mutex
	refs      int
	client    *etcdkube.Client
	compactor etcd3Compactor
}

type etcd3Compactor = interface {
	etcd3.Compactor
	Stop()
}

func (s *sharedEtcd) acquire(c storagebackend.ConfigForResource) (*etcdkube.Client, etcd3.Compactor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		client, err := dialEtcd(c.Transport)
		if err != nil {
			return nil, nil, err
		}
		client.KV = etcd3.NewETCDLatencyTracker(client.KV)
		s.client = client
		if c.CompactionInterval > 0 {
			s.compactor = etcd3.StartCompactorPerEndpoint(client.Client, c.CompactionInterval)
		}
	}
	s.refs++
	if s.compactor == nil {
		return s.client, nil, nil
	}
	return s.client, s.compactor, nil
}

func (s *sharedEtcd) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refs--
	if s.refs > 0 || s.client == nil {
		return
	}
	if s.compactor != nil {
		s.compactor.Stop()
		s.compactor = nil
	}
	_ = s.client.Close()
	s.client = nil
}

// dialEtcd opens a client as k8s.io/apiserver's factory does (TLS from the
// transport config, its timeouts and keepalives), minus the per-client
// metrics and tracing interceptors.
func dialEtcd(t storagebackend.TransportConfig) (*etcdkube.Client, error) {
	cfg := clientv3.Config{
		Endpoints:            t.ServerList,
		DialTimeout:          20 * time.Second,
		DialKeepAliveTime:    30 * time.Second,
		DialKeepAliveTimeout: 10 * time.Second,
		Logger:               zap.NewNop(),
	}
	if t.CertFile != "" || t.KeyFile != "" || t.TrustedCAFile != "" {
		tls, err := transport.TLSInfo{CertFile: t.CertFile, KeyFile: t.KeyFile, TrustedCAFile: t.TrustedCAFile}.ClientConfig()
		if err != nil {
			return nil, err
		}
		cfg.TLS = tls
	}
	client, err := etcdkube.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("etcd %v: %w", t.ServerList, err)
	}
	return client, nil
}

// rawDecorator is generic.UndecoratedStorage on the shared client.
func (s *sharedEtcd) rawDecorator(c *storagebackend.ConfigForResource, resourcePrefix string, _ func(runtime.Object) (string, error),
	newFunc, newListFunc func() runtime.Object, _ storage.AttrFunc, _ storage.IndexerFuncs, _ *cache.Indexers) (storage.Interface, factory.DestroyFunc, error) {
	client, compactor, err := s.acquire(*c)
	if err != nil {
		return nil, nil, err
	}
	transformer := c.Transformer
	if transformer == nil {
		transformer = identity.NewEncryptCheckTransformer()
	}
	versioner := storage.APIObjectVersioner{}
	store, err := etcd3.New(client, compactor, c.Codec, newFunc, newListFunc, c.Prefix, resourcePrefix, c.GroupResource,
		transformer, c.LeaseManagerConfig, etcd3.NewDefaultDecoder(c.Codec, versioner), versioner)
	if err != nil {
		s.release()
		return nil, nil, err
	}
	// Subresource stores share their parent's storage and destroy it again.
	var once sync.Once
	return store, func() { once.Do(func() { store.Close(); s.release() }) }, nil
}

// cachedDecorator is genericregistry.StorageWithCacher on the shared client.
func (s *sharedEtcd) cachedDecorator(c *storagebackend.ConfigForResource, resourcePrefix string, keyFunc func(runtime.Object) (string, error),
	newFunc, newListFunc func() runtime.Object, attrs storage.AttrFunc, triggers storage.IndexerFuncs, indexers *cache.Indexers) (storage.Interface, factory.DestroyFunc, error) {
	raw, destroyRaw, err := s.rawDecorator(c, resourcePrefix, keyFunc, newFunc, newListFunc, attrs, triggers, indexers)
	if err != nil {
		return nil, nil, err
	}
	cch, err := cacher.NewCacherFromConfig(cacher.Config{
		Storage:             raw,
		Versioner:           storage.APIObjectVersioner{},
		GroupResource:       c.GroupResource,
		EventsHistoryWindow: c.EventsHistoryWindow,
		ResourcePrefix:      resourcePrefix,
		KeyFunc:             keyFunc,
		NewFunc:             newFunc,
		NewListFunc:         newListFunc,
		GetAttrsFunc:        attrs,
		IndexerFuncs:        triggers,
		Indexers:            indexers,
		Codec:               c.Codec,
	})
	if err != nil {
		destroyRaw()
		return nil, nil, err
	}
	delegator := cacher.NewCacheDelegator(cch, raw)
	var once sync.Once
	return delegator, func() { once.Do(func() { delegator.Stop(); cch.Stop(); destroyRaw() }) }, nil
}
