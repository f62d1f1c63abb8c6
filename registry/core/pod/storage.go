// Package pod serves core/v1 Pods and their status, binding, eviction,
// ephemeralcontainers and resize subresources, the node-facing log, exec,
// attach, portforward and proxy subresources, and the namespace-level
// bindings resource.
package pod

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/util/dryrun"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/registry/subresource"
)

// Storage is pods and its subresources.
type Storage struct {
	Pod                 *REST
	Status              *subresource.Status
	Binding             *BindingREST
	LegacyBinding       *LegacyBindingREST
	Eviction            *EvictionREST
	EphemeralContainers *UpdateREST
	Resize              *UpdateREST
	Log                 *LogREST
	Exec                *ExecREST
	Attach              *AttachREST
	PortForward         *PortForwardREST
	Proxy               *ProxyREST
}

// REST is the pods resource.
type REST struct {
	*genericregistry.Store
}

// NewREST returns the pods storage and its subresources. kubelets reaches
// the kubelets of log, exec, attach and portforward; authz checks the
// "create" verb of their WebSocket requests.
func NewREST(optsGetter generic.RESTOptionsGetter, kubelets Kubelets, authz authorizer.Authorizer) (Storage, error) {
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &corev1.Pod{} },
		NewListFunc:               func() runtime.Object { return &corev1.PodList{} },
		DefaultQualifiedResource:  corev1.Resource("pods"),
		SingularQualifiedResource: corev1.Resource("pod"),
		CreateStrategy:            Strategy,
		UpdateStrategy:            Strategy,
		DeleteStrategy:            Strategy,
		ResetFieldsStrategy:       Strategy,
		ReturnDeletedObject:       true,
		TableConvertor:            Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}); err != nil {
		return Storage{}, err
	}
	status := subresource.NewStatus(store, StatusStrategy)
	ephemeral := *store
	ephemeral.UpdateStrategy = EphemeralContainersStrategy
	resize := *store
	resize.UpdateStrategy = ResizeStrategy
	binding := &BindingREST{store: store}
	stream := StreamREST{Pods: store, Kubelets: kubelets, Authorizer: authz}
	return Storage{
		Pod:                 &REST{store},
		Status:              status,
		Binding:             binding,
		LegacyBinding:       &LegacyBindingREST{binding},
		Eviction:            newEviction(store, status.Store, optsGetter),
		EphemeralContainers: &UpdateREST{store: &ephemeral},
		Resize:              &UpdateREST{store: &resize},
		Log:                 &LogREST{Pods: store, Kubelets: kubelets},
		Exec:                &ExecREST{stream},
		Attach:              &AttachREST{stream},
		PortForward:         &PortForwardREST{stream},
		Proxy:               &ProxyREST{Pods: store, Transport: ProxyTransport()},
	}, nil
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// ShortNames implements rest.ShortNamesProvider.
func (*REST) ShortNames() []string { return []string{"po"} }

// Categories implements rest.CategoriesProvider.
func (*REST) Categories() []string { return []string{"all"} }

// UpdateREST is a pod subresource that only updates (ephemeralcontainers,
// resize): get, update, patch.
type UpdateREST struct {
	store *genericregistry.Store
}

var _ rest.Patcher = &UpdateREST{}

func (r *UpdateREST) New() runtime.Object { return &corev1.Pod{} }
func (r *UpdateREST) Destroy()            {}

func (r *UpdateREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

func (r *UpdateREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, _ bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

func (r *UpdateREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}

// BindingREST is pods/binding: it sets spec.nodeName of an unbound pod.
type BindingREST struct {
	store *genericregistry.Store
}

var (
	_ rest.NamedCreater                   = &BindingREST{}
	_ rest.SubresourceObjectMetaPreserver = &BindingREST{}
)

func (r *BindingREST) NamespaceScoped() bool { return true }
func (r *BindingREST) New() runtime.Object   { return &corev1.Binding{} }
func (r *BindingREST) Destroy()              {}

// PreserveRequestObjectMetaSystemFieldsOnSubresourceCreate keeps the
// binding's UID and resourceVersion, used as preconditions.
func (r *BindingREST) PreserveRequestObjectMetaSystemFieldsOnSubresourceCreate() bool { return true }

// ValidateBinding is upstream's ValidatePodBinding.
func ValidateBinding(b *corev1.Binding) field.ErrorList {
	var errs field.ErrorList
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		errs = append(errs, field.NotSupported(field.NewPath("target", "kind"), b.Target.Kind, []string{"Node", "<empty>"}))
	}
	if b.Target.Name == "" {
		errs = append(errs, field.Required(field.NewPath("target", "name"), ""))
	}
	return errs
}

// Create binds the pod named name to binding.target.name.
func (r *BindingREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	binding, ok := obj.(*corev1.Binding)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a Binding object: %#v", obj))
	}
	if name != binding.Name {
		return nil, apierrors.NewBadRequest("name in URL does not match name in Binding object")
	}
	if errs := ValidateBinding(binding); len(errs) != 0 {
		return nil, apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Binding").GroupKind(), binding.Name, errs)
	}
	if createValidation != nil {
		if err := createValidation(ctx, binding.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	if err := r.assign(ctx, binding, dryrun.IsDryRun(options.DryRun)); err != nil {
		return nil, err
	}
	return &metav1.Status{Status: metav1.StatusSuccess}, nil
}

func (r *BindingREST) assign(ctx context.Context, b *corev1.Binding, dryRun bool) error {
	key, err := r.store.KeyFunc(ctx, b.Name)
	if err != nil {
		return err
	}
	var pre *storage.Preconditions
	if b.UID != "" || b.ResourceVersion != "" {
		pre = &storage.Preconditions{}
		if b.UID != "" {
			uid := types.UID(b.UID)
			pre.UID = &uid
		}
		if b.ResourceVersion != "" {
			rv := b.ResourceVersion
			pre.ResourceVersion = &rv
		}
	}
	err = r.store.Storage.GuaranteedUpdate(ctx, key, &corev1.Pod{}, false, pre, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
		pod := obj.(*corev1.Pod)
		if pod.DeletionTimestamp != nil {
			return nil, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", pod.Name)
		}
		if pod.Spec.NodeName != "" {
			return nil, fmt.Errorf("pod %v is already assigned to node %q", pod.Name, pod.Spec.NodeName)
		}
		if len(pod.Spec.SchedulingGates) != 0 {
			return nil, fmt.Errorf("pod %v has non-empty .spec.schedulingGates", pod.Name)
		}
		pod.Spec.NodeName = b.Target.Name
		pod.Status.NominatedNodeName = ""
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		for k, v := range b.Annotations {
			pod.Annotations[k] = v
		}
		setCondition(&pod.Status, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue})
		return pod, nil
	}), dryRun, nil)
	if err == nil {
		return nil
	}
	if storage.IsNotFound(err) {
		return apierrors.NewNotFound(corev1.Resource("pods"), b.Name)
	}
	if storage.IsConflict(err) {
		return apierrors.NewConflict(corev1.Resource("pods"), b.Name, err)
	}
	if _, ok := err.(*apierrors.StatusError); ok {
		return err
	}
	return apierrors.NewConflict(corev1.Resource("pods/binding"), b.Name, err)
}

// setCondition updates or appends a pod condition, moving the transition
// time only when the status changes, as upstream's UpdatePodCondition.
func setCondition(status *corev1.PodStatus, c corev1.PodCondition) {
	now := metav1.Now()
	c.LastProbeTime = now
	c.LastTransitionTime = now
	for i := range status.Conditions {
		if status.Conditions[i].Type != c.Type {
			continue
		}
		old := status.Conditions[i]
		if old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
		if old.Status == c.Status && old.Reason == c.Reason && old.Message == c.Message {
			c.LastProbeTime = old.LastProbeTime
		}
		status.Conditions[i] = c
		return
	}
	status.Conditions = append(status.Conditions, c)
}

// LegacyBindingREST is /namespaces/<ns>/bindings: POST a Binding naming
// the pod.
type LegacyBindingREST struct {
	binding *BindingREST
}

var (
	_ rest.Creater              = &LegacyBindingREST{}
	_ rest.SingularNameProvider = &LegacyBindingREST{}
)

func (r *LegacyBindingREST) NamespaceScoped() bool   { return true }
func (r *LegacyBindingREST) New() runtime.Object     { return &corev1.Binding{} }
func (r *LegacyBindingREST) Destroy()                {}
func (r *LegacyBindingREST) GetSingularName() string { return "binding" }

func (r *LegacyBindingREST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a Binding object: %T", obj))
	}
	return r.binding.Create(ctx, m.GetName(), obj, createValidation, options)
}
