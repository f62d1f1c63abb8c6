package pod

import (
	"context"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/apis"
	"github.com/skiff-k8s/skiff/apis/core/podspec"
	"github.com/skiff-k8s/skiff/registry/strategy"
)

// selectableFields are the field selectors pods support, as upstream's
// field label conversion (spec.host is the old name of spec.nodeName).
var selectableFields = []string{
	"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
	"spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName",
}

func init() {
	renames := map[string]string{"spec.host": "spec.nodeName"}
	for _, f := range selectableFields {
		renames[f] = f
	}
	apis.MustAddFieldLabelRenames(corev1.SchemeGroupVersion.WithKind("Pod"), renames)
	apis.Scheme.AddTypeDefaultingFunc(&corev1.Pod{}, func(obj interface{}) { podspec.SetDefaultsPod(obj.(*corev1.Pod)) })
}

// GetAttrs returns the labels and selectable fields of a Pod.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, nil, fmt.Errorf("not a pod: %T", obj)
	}
	return pod.Labels, ToSelectableFields(pod), nil
}

// ToSelectableFields returns the fields a pod can be selected on. As
// upstream, status.podIPs is an accepted label without a value of its own.
func ToSelectableFields(pod *corev1.Pod) fields.Set {
	podIP := ""
	if len(pod.Status.PodIPs) > 0 {
		podIP = pod.Status.PodIPs[0].IP
	}
	f := fields.Set{
		"spec.nodeName":            pod.Spec.NodeName,
		"spec.restartPolicy":       string(pod.Spec.RestartPolicy),
		"spec.schedulerName":       pod.Spec.SchedulerName,
		"spec.serviceAccountName":  pod.Spec.ServiceAccountName,
		"spec.hostNetwork":         strconv.FormatBool(pod.Spec.HostNetwork),
		"status.phase":             string(pod.Status.Phase),
		"status.podIP":             podIP,
		"status.nominatedNodeName": pod.Status.NominatedNodeName,
	}
	return generic.AddObjectMetaFieldsSet(f, &pod.ObjectMeta, true)
}

type podStrategy struct{ strategy.Base }

// Strategy is the create, update and delete strategy of Pods.
var Strategy = podStrategy{strategy.Namespaced()}

func (podStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return strategy.ResetStatus("v1")
}

// PrepareForCreate starts a pod Pending at generation 1, gates it if it has
// scheduling gates, defaults pod-level requests and sets its QoS class.
func (podStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	pod := obj.(*corev1.Pod)
	pod.Generation = 1
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending}
	if len(pod.Spec.SchedulingGates) > 0 {
		pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{
			Type:    corev1.PodScheduled,
			Status:  corev1.ConditionFalse,
			Reason:  corev1.PodReasonSchedulingGated,
			Message: "Scheduling is blocked due to non-empty scheduling gates",
		})
	}
	DefaultPodLevelResources(pod)
	pod.Status.QOSClass = GetPodQOS(pod)
}

// PrepareForUpdate keeps the status, which changes only through /status.
func (podStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	pod, prev := obj.(*corev1.Pod), old.(*corev1.Pod)
	pod.Status = prev.Status
	if pod.Spec.Resources == nil && prev.Spec.Resources != nil {
		pod.Spec.Resources = prev.Spec.Resources.DeepCopy()
	}
	updateGeneration(pod, prev)
}

func updateGeneration(pod, prev *corev1.Pod) {
	if !apiequality.Semantic.DeepEqual(pod.Spec, prev.Spec) {
		pod.Generation = prev.Generation + 1
	}
}

func (podStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return ValidateCreate(obj.(*corev1.Pod))
}

func (podStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(obj.(*corev1.Pod), old.(*corev1.Pod))
}

// WarningsOnCreate warns about names that are no DNS label, as upstream.
func (podStrategy) WarningsOnCreate(_ context.Context, obj runtime.Object) []string {
	pod := obj.(*corev1.Pod)
	if msgs := utilvalidation.IsDNS1123Label(pod.Name); len(msgs) != 0 {
		return []string{fmt.Sprintf("metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: %v", msgs)}
	}
	return nil
}

// CheckGracefulDelete gives the pod its grace period: the request's, else
// the pod's terminationGracePeriodSeconds; 0 (immediate) for pods never
// scheduled or already terminal; a negative period becomes 1.
func (podStrategy) CheckGracefulDelete(_ context.Context, obj runtime.Object, options *metav1.DeleteOptions) bool {
	if options == nil {
		return false
	}
	pod := obj.(*corev1.Pod)
	period := int64(0)
	if options.GracePeriodSeconds != nil {
		period = *options.GracePeriodSeconds
	} else if pod.Spec.TerminationGracePeriodSeconds != nil {
		period = *pod.Spec.TerminationGracePeriodSeconds
	}
	if pod.Spec.NodeName == "" {
		period = 0
	}
	if pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded {
		period = 0
	}
	if period < 0 {
		period = 1
	}
	options.GracePeriodSeconds = &period
	return true
}

type statusStrategy struct{ podStrategy }

// StatusStrategy is the update strategy of pods/status.
var StatusStrategy = statusStrategy{Strategy}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"v1": fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"),
			fieldpath.MakePathOrDie("metadata", "deletionTimestamp"),
			fieldpath.MakePathOrDie("metadata", "ownerReferences"),
		),
	}
}

func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	pod, prev := obj.(*corev1.Pod), old.(*corev1.Pod)
	pod.Spec = prev.Spec
	pod.DeletionTimestamp = nil
	pod.OwnerReferences = prev.OwnerReferences
	if pod.Status.QOSClass == "" {
		pod.Status.QOSClass = prev.Status.QOSClass
	}
	if pod.Status.ResourceClaimStatuses == nil {
		pod.Status.ResourceClaimStatuses = prev.Status.ResourceClaimStatuses
	}
	if pod.Status.ObservedGeneration == 0 {
		pod.Status.ObservedGeneration = prev.Status.ObservedGeneration
	}
	oldGens := map[corev1.PodConditionType][]int64{}
	for _, c := range prev.Status.Conditions {
		oldGens[c.Type] = append(oldGens[c.Type], c.ObservedGeneration)
	}
	for i, c := range pod.Status.Conditions {
		g := int64(0)
		if gens := oldGens[c.Type]; len(gens) > 0 {
			g, oldGens[c.Type] = gens[0], gens[1:]
		}
		if c.ObservedGeneration == 0 {
			pod.Status.Conditions[i].ObservedGeneration = g
		}
	}
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateStatusUpdate(obj.(*corev1.Pod), old.(*corev1.Pod))
}

func (statusStrategy) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}

type ephemeralContainersStrategy struct{ podStrategy }

// EphemeralContainersStrategy is the update strategy of
// pods/ephemeralcontainers: only spec.ephemeralContainers may change.
var EphemeralContainersStrategy = ephemeralContainersStrategy{Strategy}

func (ephemeralContainersStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	pod, prev := obj.(*corev1.Pod), old.(*corev1.Pod)
	ecs := pod.Spec.EphemeralContainers
	pod.Spec = *prev.Spec.DeepCopy()
	pod.Spec.EphemeralContainers = ecs
	pod.Status = prev.Status
	metav1.ResetObjectMetaForStatus(&pod.ObjectMeta, &prev.ObjectMeta)
	updateGeneration(pod, prev)
}

func (ephemeralContainersStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateEphemeralContainersUpdate(obj.(*corev1.Pod), old.(*corev1.Pod))
}

type resizeStrategy struct{ podStrategy }

// ResizeStrategy is the update strategy of pods/resize: only the
// containers' resources and resizePolicy may change.
var ResizeStrategy = resizeStrategy{Strategy}

func (resizeStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	pod, prev := obj.(*corev1.Pod), old.(*corev1.Pod)
	if len(pod.Spec.Containers) == len(prev.Spec.Containers) && len(pod.Spec.InitContainers) == len(prev.Spec.InitContainers) {
		containers, ok1 := mergeResources(pod.Spec.Containers, prev.Spec.Containers)
		inits, ok2 := mergeResources(pod.Spec.InitContainers, prev.Spec.InitContainers)
		if ok1 && ok2 {
			resources := pod.Spec.Resources
			pod.Spec = *prev.Spec.DeepCopy()
			pod.Spec.Containers, pod.Spec.InitContainers = containers, inits
			pod.Spec.Resources = resources
			if pod.Spec.Resources == nil && prev.Spec.Resources != nil {
				pod.Spec.Resources = prev.Spec.Resources.DeepCopy()
			}
			pod.Status = prev.Status
			metav1.ResetObjectMetaForStatus(&pod.ObjectMeta, &prev.ObjectMeta)
		}
	}
	updateGeneration(pod, prev)
}

// mergeResources copies the new containers' resources and resize policy
// onto the old containers; false if containers were renamed or reordered.
func mergeResources(cur, prev []corev1.Container) ([]corev1.Container, bool) {
	out := make([]corev1.Container, len(prev))
	for i := range prev {
		if cur[i].Name != prev[i].Name {
			return nil, false
		}
		out[i] = *prev[i].DeepCopy()
		out[i].Resources = cur[i].Resources
		out[i].ResizePolicy = cur[i].ResizePolicy
	}
	return out, true
}

func (resizeStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateResize(obj.(*corev1.Pod), old.(*corev1.Pod))
}
