package pod

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/wait"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/util/dryrun"
	"k8s.io/client-go/util/retry"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

// maxDisruptedPods is upstream's MaxDisruptedPodSize.
const maxDisruptedPods = 2000

var evictionsRetry = wait.Backoff{Steps: 20, Duration: 500 * time.Millisecond, Factor: 1.0, Jitter: 0.1}

var v1Eviction = policyv1.SchemeGroupVersion.WithKind("Eviction")

// EvictionREST is pods/eviction: it deletes a pod unless that would break
// the PodDisruptionBudget covering it, which it then decrements.
type EvictionREST struct {
	store  *genericregistry.Store // deletes
	status *genericregistry.Store // adds the DisruptionTarget condition
	pdbs   *pdbStorage
}

func newEviction(store, status *genericregistry.Store, opts generic.RESTOptionsGetter) *EvictionREST {
	return &EvictionREST{store: store, status: status, pdbs: &pdbStorage{opts: opts}}
}

var (
	_ rest.NamedCreater             = &EvictionREST{}
	_ rest.GroupVersionKindProvider = &EvictionREST{}
	_ rest.GroupVersionAcceptor     = &EvictionREST{}
)

func (r *EvictionREST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return v1Eviction
}
func (r *EvictionREST) AcceptsGroupVersion(gv schema.GroupVersion) bool {
	return gv == policyv1.SchemeGroupVersion
}
func (r *EvictionREST) New() runtime.Object { return &policyv1.Eviction{} }
func (r *EvictionREST) Destroy()            {}

func propagateDryRun(e *policyv1.Eviction, options *metav1.CreateOptions) (*metav1.DeleteOptions, error) {
	if e.DeleteOptions == nil {
		return &metav1.DeleteOptions{DryRun: options.DryRun}, nil
	}
	if len(e.DeleteOptions.DryRun) == 0 {
		e.DeleteOptions.DryRun = options.DryRun
		return e.DeleteOptions, nil
	}
	if len(options.DryRun) == 0 {
		return e.DeleteOptions, nil
	}
	if !reflect.DeepEqual(options.DryRun, e.DeleteOptions.DryRun) {
		return nil, fmt.Errorf("Non-matching dry-run options in request and content: %v and %v", options.DryRun, e.DeleteOptions.DryRun)
	}
	return e.DeleteOptions, nil
}

// Create evicts the pod named name.
func (r *EvictionREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	eviction, ok := obj.(*policyv1.Eviction)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a Eviction object: %T", obj))
	}
	if name != eviction.Name {
		return nil, apierrors.NewBadRequest("name in URL does not match name in Eviction object")
	}
	if o := eviction.DeleteOptions; o != nil && o.IgnoreStoreReadErrorWithClusterBreakingPotential != nil && *o.IgnoreStoreReadErrorWithClusterBreakingPotential {
		return nil, apierrors.NewInvalid(v1Eviction.GroupKind(), name, field.ErrorList{
			field.Invalid(field.NewPath("deleteOptions").Child("ignoreStoreReadErrorWithClusterBreakingPotential"), true, "can not be set for pod eviction, try after removing the option"),
		})
	}
	deleteOptions, err := propagateDryRun(eviction, options)
	if err != nil {
		return nil, err
	}
	if createValidation != nil {
		if err := createValidation(ctx, eviction.DeepCopyObject()); err != nil {
			return nil, err
		}
	}

	obj, err = r.store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	pod := obj.(*corev1.Pod)
	if canIgnorePDB(pod) {
		if err := r.deletePod(ctx, name, deleteOptions); err != nil {
			return nil, err
		}
		return &metav1.Status{Status: metav1.StatusSuccess}, nil
	}

	pdbs, err := r.pdbs.matching(ctx, pod)
	if err != nil {
		return nil, err
	}
	if len(pdbs) > 1 {
		return &metav1.Status{
			Status:  metav1.StatusFailure,
			Message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
			Code:    500,
		}, nil
	}
	if len(pdbs) == 1 {
		pdb := pdbs[0]
		unhealthyOK := false
		if !podReady(pod) {
			if p := pdb.Spec.UnhealthyPodEvictionPolicy; p != nil && *p == policyv1.AlwaysAllow {
				unhealthyOK = true
			} else if pdb.Status.CurrentHealthy >= pdb.Status.DesiredHealthy && pdb.Status.DesiredHealthy > 0 {
				unhealthyOK = true
			}
		}
		if unhealthyOK {
			deleteOptions = deleteOptions.DeepCopy()
			if deleteOptions.Preconditions == nil {
				deleteOptions.Preconditions = &metav1.Preconditions{}
			}
			if deleteOptions.Preconditions.ResourceVersion == nil {
				rv := pod.ResourceVersion
				deleteOptions.Preconditions.ResourceVersion = &rv
			}
		} else {
			err := retry.RetryOnConflict(evictionsRetry, func() error {
				return r.pdbs.checkAndDecrement(ctx, pod, pdb.Name, dryrun.IsDryRun(deleteOptions.DryRun))
			})
			if wait.Interrupted(err) {
				err = apierrors.NewTimeoutError(fmt.Sprintf("couldn't update PodDisruptionBudget %q due to conflicts", pdb.Name), 10)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if err := r.deletePod(ctx, name, deleteOptions); err != nil {
		return nil, err
	}
	return &metav1.Status{Status: metav1.StatusSuccess}, nil
}

// deletePod marks the pod a DisruptionTarget and deletes it.
func (r *EvictionREST) deletePod(ctx context.Context, name string, options *metav1.DeleteOptions) error {
	if !dryrun.IsDryRun(options.DryRun) {
		appendCondition := rest.DefaultUpdatedObjectInfo(nil, func(_ context.Context, _, old runtime.Object) (runtime.Object, error) {
			pod := old.(*corev1.Pod).DeepCopy()
			if p := options.Preconditions; p != nil {
				if p.UID != nil && *p.UID != "" && *p.UID != pod.UID {
					return nil, apierrors.NewConflict(schema.GroupResource{Resource: "Pod"}, pod.Name,
						fmt.Errorf("the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated", *p.UID, pod.UID))
				}
				if p.ResourceVersion != nil && *p.ResourceVersion != "" && *p.ResourceVersion != pod.ResourceVersion {
					return nil, apierrors.NewConflict(schema.GroupResource{Resource: "Pod"}, pod.Name,
						fmt.Errorf("the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). The object might have been modified", *p.ResourceVersion, pod.ResourceVersion))
				}
			}
			setCondition(&pod.Status, corev1.PodCondition{
				Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
				Reason: "EvictionByEvictionAPI", Message: "Eviction API: evicting",
			})
			return pod, nil
		})
		updated, _, err := r.status.Update(ctx, name, appendCondition, rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		if options.Preconditions != nil && options.Preconditions.ResourceVersion != nil {
			rv, err := meta.NewAccessor().ResourceVersion(updated)
			if err != nil {
				return err
			}
			options = options.DeepCopy()
			options.Preconditions.ResourceVersion = &rv
		}
	}
	_, _, err := r.store.Delete(ctx, name, rest.ValidateAllObjectFunc, options)
	return err
}

func canIgnorePDB(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed, corev1.PodPending:
		return true
	}
	return !pod.DeletionTimestamp.IsZero()
}

func podReady(pod *corev1.Pod) bool {
	return conditionTrue(pod.Status.Conditions, corev1.PodReady)
}

// pdbStorage reads and writes PodDisruptionBudgets straight from storage
// (no watch cache), so that eviction works whoever serves policy/v1.
type pdbStorage struct {
	opts  generic.RESTOptionsGetter
	once  sync.Once
	store *genericregistry.Store
	err   error
}

type uncached struct{ generic.RESTOptionsGetter }

func (u uncached) GetRESTOptions(r schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	o, err := u.RESTOptionsGetter.GetRESTOptions(r, example)
	o.Decorator = generic.UndecoratedStorage
	return o, err
}

type pdbStrategy struct{ strategy.Base }

func (pdbStrategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (pdbStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}
func (pdbStrategy) Validate(context.Context, runtime.Object) field.ErrorList         { return nil }
func (pdbStrategy) ValidateUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}

func (p *pdbStorage) get() (*genericregistry.Store, error) {
	p.once.Do(func() {
		s := &genericregistry.Store{
			NewFunc:                   func() runtime.Object { return &policyv1.PodDisruptionBudget{} },
			NewListFunc:               func() runtime.Object { return &policyv1.PodDisruptionBudgetList{} },
			DefaultQualifiedResource:  policyv1.Resource("poddisruptionbudgets"),
			SingularQualifiedResource: policyv1.Resource("poddisruptionbudget"),
			CreateStrategy:            pdbStrategy{strategy.Namespaced()},
			UpdateStrategy:            pdbStrategy{strategy.Namespaced()},
			DeleteStrategy:            pdbStrategy{strategy.Namespaced()},
			TableConvertor:            rest.NewDefaultTableConvertor(policyv1.Resource("poddisruptionbudgets")),
		}
		p.err = s.CompleteWithOptions(&generic.StoreOptions{RESTOptions: uncached{p.opts}})
		p.store = s
	})
	return p.store, p.err
}

// matching lists the PDBs of the pod's namespace whose selector matches it.
func (p *pdbStorage) matching(ctx context.Context, pod *corev1.Pod) ([]policyv1.PodDisruptionBudget, error) {
	s, err := p.get()
	if err != nil {
		return nil, err
	}
	ctx = genericapirequest.WithNamespace(ctx, pod.Namespace)
	obj, err := s.List(ctx, nil)
	if err != nil {
		return nil, err
	}
	var out []policyv1.PodDisruptionBudget
	for _, pdb := range obj.(*policyv1.PodDisruptionBudgetList).Items {
		if pdb.Namespace != pod.Namespace {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		out = append(out, pdb)
	}
	return out, nil
}

func tooManyRequests(pdb, msg string, retryAfter int) error {
	err := apierrors.NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", retryAfter)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{Type: policyv1.DisruptionBudgetCause, Message: msg})
	return err
}

// checkAndDecrement takes one allowed disruption from the PDB and records
// the pod in its disruptedPods, or refuses the eviction as upstream does.
func (p *pdbStorage) checkAndDecrement(ctx context.Context, pod *corev1.Pod, pdbName string, dryRun bool) error {
	s, err := p.get()
	if err != nil {
		return err
	}
	ctx = genericapirequest.WithNamespace(ctx, pod.Namespace)
	key, err := s.KeyFunc(ctx, pdbName)
	if err != nil {
		return err
	}
	var refusal error
	err = s.Storage.GuaranteedUpdate(ctx, key, &policyv1.PodDisruptionBudget{}, false, nil, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
		pdb := obj.(*policyv1.PodDisruptionBudget)
		if refusal = refuse(pdb); refusal != nil {
			return nil, refusal
		}
		pdb.Status.DisruptionsAllowed--
		if pdb.Status.DisruptionsAllowed == 0 {
			meta.SetStatusCondition(&pdb.Status.Conditions, metav1.Condition{
				Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse,
				Reason: policyv1.InsufficientPodsReason, ObservedGeneration: pdb.Status.ObservedGeneration,
			})
		}
		if pdb.Status.DisruptedPods == nil {
			pdb.Status.DisruptedPods = map[string]metav1.Time{}
		}
		pdb.Status.DisruptedPods[pod.Name] = metav1.Now()
		return pdb, nil
	}), dryRun, nil)
	if refusal != nil && errors.Is(err, refusal) {
		return refusal
	}
	if err != nil && storage.IsConflict(err) {
		return apierrors.NewConflict(policyv1.Resource("poddisruptionbudgets"), pdbName, err)
	}
	if err != nil && refusal != nil {
		return refusal
	}
	return err
}

func refuse(pdb *policyv1.PodDisruptionBudget) error {
	if pdb.Status.ObservedGeneration < pdb.Generation {
		return tooManyRequests(pdb.Name, fmt.Sprintf("The disruption budget %s is still being processed by the server.", pdb.Name), 10)
	}
	if pdb.Status.DisruptionsAllowed < 0 {
		err := apierrors.NewForbidden(policyv1.Resource("poddisruptionbudget"), pdb.Name, errors.New("pdb disruptions allowed is negative"))
		err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{Type: policyv1.DisruptionBudgetCause,
			Message: fmt.Sprintf("The disruption budget %s does not allow evicting pods currently: pdb disruptions allowed is negative", pdb.Name)})
		return err
	}
	if len(pdb.Status.DisruptedPods) > maxDisruptedPods {
		err := apierrors.NewForbidden(policyv1.Resource("poddisruptionbudget"), pdb.Name, errors.New("DisruptedPods map too big - too many evictions not confirmed by PDB controller"))
		err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{Type: policyv1.DisruptionBudgetCause,
			Message: fmt.Sprintf("The disruption budget %s does not allow evicting pods currently: too many pending evictions not confirmed by PDB controller", pdb.Name)})
		return err
	}
	if pdb.Status.DisruptionsAllowed == 0 {
		cond := meta.FindStatusCondition(pdb.Status.Conditions, policyv1.DisruptionAllowedCondition)
		var msg string
		switch {
		case cond != nil && cond.Status == metav1.ConditionFalse && cond.Message != "" && cond.Reason == policyv1.SyncFailedReason:
			msg = fmt.Sprintf("The disruption budget %s does not allow evicting pods currently because it failed sync: %s", pdb.Name, cond.Message)
		case pdb.Status.CurrentHealthy <= pdb.Status.DesiredHealthy:
			msg = fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently", pdb.Name, pdb.Status.DesiredHealthy, pdb.Status.CurrentHealthy)
		case cond != nil && cond.Status == metav1.ConditionFalse && cond.Message != "":
			msg = fmt.Sprintf("The disruption budget %s does not allow evicting pods currently (%s): %s", pdb.Name, cond.Reason, cond.Message)
		default:
			msg = fmt.Sprintf("The disruption budget %s does not allow evicting pods currently", pdb.Name)
		}
		return tooManyRequests(pdb.Name, msg, 0)
	}
	return nil
}
