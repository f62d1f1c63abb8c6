package resourcequota

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/admission"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	resourcehelper "k8s.io/component-helpers/resource"
)

// ListerFor lists a resource's objects in a namespace (nil in admission,
// which only needs usages).
type ListerFor func(schema.GroupVersionResource) generic.ListFuncByNamespace

// Evaluators are upstream's (pkg/quota/v1/evaluator/core): pods, services
// and PersistentVolumeClaims measure more than counts; configmaps,
// resourcequotas, replicationcontrollers and secrets are counted under
// their legacy names too.
func Evaluators(listerFor ListerFor) []quota.Evaluator {
	if listerFor == nil {
		listerFor = func(schema.GroupVersionResource) generic.ListFuncByNamespace { return nil }
	}
	v1 := corev1.SchemeGroupVersion
	out := []quota.Evaluator{
		&podEvaluator{list: listerFor(v1.WithResource("pods"))},
		&serviceEvaluator{list: listerFor(v1.WithResource("services"))},
		&pvcEvaluator{list: listerFor(v1.WithResource("persistentvolumeclaims"))},
	}
	for res, alias := range map[string]corev1.ResourceName{
		"configmaps":             corev1.ResourceConfigMaps,
		"resourcequotas":         corev1.ResourceQuotas,
		"replicationcontrollers": corev1.ResourceReplicationControllers,
		"secrets":                corev1.ResourceSecrets,
	} {
		gvr := v1.WithResource(res)
		out = append(out, generic.NewObjectCountEvaluator(gvr.GroupResource(), listerFor(gvr), alias))
	}
	return out
}

// IgnoredResources are upstream's DefaultIgnoredResources.
func IgnoredResources() map[schema.GroupResource]struct{} {
	return map[schema.GroupResource]struct{}{
		{Group: "", Resource: "bindings"}:                                      {},
		{Group: "", Resource: "componentstatuses"}:                             {},
		{Group: "authentication.k8s.io", Resource: "tokenreviews"}:             {},
		{Group: "authentication.k8s.io", Resource: "selfsubjectreviews"}:       {},
		{Group: "authorization.k8s.io", Resource: "subjectaccessreviews"}:      {},
		{Group: "authorization.k8s.io", Resource: "selfsubjectaccessreviews"}:  {},
		{Group: "authorization.k8s.io", Resource: "localsubjectaccessreviews"}: {},
		{Group: "authorization.k8s.io", Resource: "selfsubjectrulesreviews"}:   {},
		{Group: "", Resource: "events"}:                                        {},
		{Group: "events.k8s.io", Resource: "events"}:                           {},
	}
}

func usageStats(opts quota.UsageStatsOptions, list generic.ListFuncByNamespace, scope generic.MatchesScopeFunc, usage generic.UsageFunc) (quota.UsageStats, error) {
	if list == nil {
		return quota.UsageStats{}, fmt.Errorf("no lister")
	}
	return generic.CalculateUsageStats(opts, list, scope, usage)
}

func one() resource.Quantity { return *resource.NewQuantity(1, resource.DecimalSI) }

// ---- pods

var (
	podCountName = generic.ObjectCountQuotaResourceNameFor(corev1.Resource("pods"))
	podResources = []corev1.ResourceName{
		podCountName,
		corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage,
		corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory, corev1.ResourceRequestsEphemeralStorage,
		corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory, corev1.ResourceLimitsEphemeralStorage,
		corev1.ResourcePods,
	}
	podResourcePrefixes = []string{corev1.ResourceHugePagesPrefix, corev1.ResourceRequestsHugePagesPrefix}
	validationSet       = sets.New[string]("cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
)

type podEvaluator struct{ list generic.ListFuncByNamespace }

func toPod(obj runtime.Object) (*corev1.Pod, error) {
	if p, ok := obj.(*corev1.Pod); ok {
		return p, nil
	}
	return nil, fmt.Errorf("expect *api.Pod or *v1.Pod, got %T", obj)
}

func (p *podEvaluator) Constraints(required []corev1.ResourceName, item runtime.Object) error {
	pod, err := toPod(item)
	if err != nil {
		return err
	}
	if resourcehelper.IsPodLevelResourcesSet(pod) {
		return nil
	}
	req := sets.New[string]()
	for _, r := range required {
		if validationSet.Has(string(r)) {
			req.Insert(string(r))
		}
	}
	missing := map[string]sets.Set[string]{}
	check := func(c *corev1.Container) {
		have := sets.New[string]()
		for k := range computeUsage(c.Resources.Requests, c.Resources.Limits) {
			have.Insert(string(k))
		}
		for _, d := range sets.List(req.Difference(have)) {
			if missing[d] == nil {
				missing[d] = sets.New[string]()
			}
			missing[d].Insert(c.Name)
		}
	}
	for i := range pod.Spec.Containers {
		check(&pod.Spec.Containers[i])
	}
	for i := range pod.Spec.InitContainers {
		check(&pod.Spec.InitContainers[i])
	}
	if len(missing) == 0 {
		return nil
	}
	var msgs []string
	for _, r := range sets.List(sets.KeySet(missing)) {
		msgs = append(msgs, fmt.Sprintf("%s for: %s", r, strings.Join(sets.List(missing[r]), ",")))
	}
	return fmt.Errorf("must specify %s", strings.Join(msgs, "; "))
}

func (p *podEvaluator) GroupResource() schema.GroupResource { return corev1.Resource("pods") }

func (p *podEvaluator) Handles(a admission.Attributes) bool {
	op := a.GetOperation()
	switch a.GetSubresource() {
	case "":
		if op == admission.Update {
			pod, err1 := toPod(a.GetObject())
			old, err2 := toPod(a.GetOldObject())
			if err1 != nil || err2 != nil {
				return false
			}
			if isTerminating(old) != isTerminating(pod) {
				return true
			}
		}
		return op == admission.Create
	case "resize":
		return op == admission.Update
	}
	return false
}

func (p *podEvaluator) Matches(q *corev1.ResourceQuota, item runtime.Object) (bool, error) {
	return generic.Matches(q, item, p.MatchingResources, podMatchesScope)
}

func (p *podEvaluator) MatchingResources(input []corev1.ResourceName) []corev1.ResourceName {
	result := quota.Intersection(input, podResources)
	for _, r := range input {
		if quota.ContainsPrefix(podResourcePrefixes, r) {
			result = append(result, r)
		}
		if isExtendedResourceNameForQuota(r) {
			result = append(result, r)
		}
	}
	return result
}

func (p *podEvaluator) MatchingScopes(item runtime.Object, selectors []corev1.ScopedResourceSelectorRequirement) ([]corev1.ScopedResourceSelectorRequirement, error) {
	matched := []corev1.ScopedResourceSelectorRequirement{}
	for _, s := range selectors {
		ok, err := podMatchesScope(s, item)
		if err != nil {
			return []corev1.ScopedResourceSelectorRequirement{}, fmt.Errorf("error on matching scope %v: %v", s, err)
		}
		if ok {
			matched = append(matched, s)
		}
	}
	return matched, nil
}

func (p *podEvaluator) UncoveredQuotaScopes(limited, matched []corev1.ScopedResourceSelectorRequirement) ([]corev1.ScopedResourceSelectorRequirement, error) {
	return uncovered(limited, matched), nil
}

func uncovered(limited, matched []corev1.ScopedResourceSelectorRequirement) []corev1.ScopedResourceSelectorRequirement {
	out := []corev1.ScopedResourceSelectorRequirement{}
	for _, s := range limited {
		covered := false
		for _, m := range matched {
			if m.ScopeName == s.ScopeName {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, s)
		}
	}
	return out
}

func (p *podEvaluator) Usage(item runtime.Object) (corev1.ResourceList, error) {
	pod, err := toPod(item)
	if err != nil {
		return corev1.ResourceList{}, err
	}
	result := corev1.ResourceList{podCountName: one()}
	if !quotaV1Pod(pod) {
		return result, nil
	}
	opts := resourcehelper.PodResourcesOptions{UseStatusResources: true}
	return quota.Add(result, computeUsage(resourcehelper.PodRequests(pod, opts), resourcehelper.PodLimits(pod, opts))), nil
}

func (p *podEvaluator) UsageStats(opts quota.UsageStatsOptions) (quota.UsageStats, error) {
	return usageStats(opts, p.list, podMatchesScope, p.Usage)
}

func isExtendedResourceNameForQuota(name corev1.ResourceName) bool {
	s := string(name)
	return strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix) &&
		(!isNativeResource(name) || strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix+"deviceclass.resource.kubernetes.io/"))
}

// isNativeResource: no domain prefix, or a kubernetes.io one.
func isNativeResource(name corev1.ResourceName) bool {
	return !strings.Contains(string(name), "/") || strings.Contains(string(name), corev1.ResourceDefaultNamespacePrefix)
}

func computeUsage(requests, limits corev1.ResourceList) corev1.ResourceList {
	result := corev1.ResourceList{corev1.ResourcePods: resource.MustParse("1")}
	if q, ok := requests[corev1.ResourceCPU]; ok {
		result[corev1.ResourceCPU] = q
		result[corev1.ResourceRequestsCPU] = q
	}
	if q, ok := limits[corev1.ResourceCPU]; ok {
		result[corev1.ResourceLimitsCPU] = q
	}
	if q, ok := requests[corev1.ResourceMemory]; ok {
		result[corev1.ResourceMemory] = q
		result[corev1.ResourceRequestsMemory] = q
	}
	if q, ok := limits[corev1.ResourceMemory]; ok {
		result[corev1.ResourceLimitsMemory] = q
	}
	if q, ok := requests[corev1.ResourceEphemeralStorage]; ok {
		result[corev1.ResourceEphemeralStorage] = q
		result[corev1.ResourceRequestsEphemeralStorage] = q
	}
	if q, ok := limits[corev1.ResourceEphemeralStorage]; ok {
		result[corev1.ResourceLimitsEphemeralStorage] = q
	}
	for name, q := range requests {
		if strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) {
			result[name] = q
			result[corev1.ResourceName(corev1.DefaultResourceRequestsPrefix+string(name))] = q
		} else if !isNativeResource(name) {
			// extended resources are quota'd as requests.<name>
			result[corev1.ResourceName(corev1.DefaultResourceRequestsPrefix+string(name))] = q
		}
	}
	return result
}

func podMatchesScope(s corev1.ScopedResourceSelectorRequirement, obj runtime.Object) (bool, error) {
	pod, err := toPod(obj)
	if err != nil {
		return false, err
	}
	switch s.ScopeName {
	case corev1.ResourceQuotaScopeTerminating:
		return isTerminating(pod), nil
	case corev1.ResourceQuotaScopeNotTerminating:
		return !isTerminating(pod), nil
	case corev1.ResourceQuotaScopeBestEffort:
		return isBestEffort(pod), nil
	case corev1.ResourceQuotaScopeNotBestEffort:
		return !isBestEffort(pod), nil
	case corev1.ResourceQuotaScopePriorityClass:
		if s.Operator == corev1.ScopeSelectorOpExists {
			return pod.Spec.PriorityClassName != "", nil
		}
		sel, err := scopeSelector(s)
		if err != nil {
			return false, fmt.Errorf("failed to parse and convert selector: %v", err)
		}
		var m map[string]string
		if pod.Spec.PriorityClassName != "" {
			m = map[string]string{string(corev1.ResourceQuotaScopePriorityClass): pod.Spec.PriorityClassName}
		}
		return sel.Matches(labels.Set(m)), nil
	case corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
		return usesCrossNamespacePodAffinity(pod), nil
	}
	return false, nil
}

// scopeSelector is upstream's ScopedResourceSelectorRequirementsAsSelector.
func scopeSelector(s corev1.ScopedResourceSelectorRequirement) (labels.Selector, error) {
	var op metav1.LabelSelectorOperator
	switch s.Operator {
	case corev1.ScopeSelectorOpIn:
		op = metav1.LabelSelectorOpIn
	case corev1.ScopeSelectorOpNotIn:
		op = metav1.LabelSelectorOpNotIn
	case corev1.ScopeSelectorOpExists:
		op = metav1.LabelSelectorOpExists
	case corev1.ScopeSelectorOpDoesNotExist:
		op = metav1.LabelSelectorOpDoesNotExist
	default:
		return nil, fmt.Errorf("%q is not a valid scope selector operator", s.Operator)
	}
	return metav1.LabelSelectorAsSelector(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
		Key: string(s.ScopeName), Operator: op, Values: s.Values,
	}}})
}

func isTerminating(pod *corev1.Pod) bool {
	return pod.Spec.ActiveDeadlineSeconds != nil && *pod.Spec.ActiveDeadlineSeconds >= 0
}

// isBestEffort is the pod's QoS class being BestEffort: no cpu or memory
// request or limit anywhere.
func isBestEffort(pod *corev1.Pod) bool {
	if pod.Status.QOSClass != "" {
		return pod.Status.QOSClass == corev1.PodQOSBestEffort
	}
	has := func(l corev1.ResourceList) bool {
		for name, q := range l {
			if (name == corev1.ResourceCPU || name == corev1.ResourceMemory) && !q.IsZero() {
				return true
			}
		}
		return false
	}
	if pod.Spec.Resources != nil && (has(pod.Spec.Resources.Requests) || has(pod.Spec.Resources.Limits)) {
		return false
	}
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range cs {
			if has(c.Resources.Requests) || has(c.Resources.Limits) {
				return false
			}
		}
	}
	return true
}

func usesCrossNamespacePodAffinity(pod *corev1.Pod) bool {
	if pod.Spec.Affinity == nil {
		return false
	}
	cross := func(t *corev1.PodAffinityTerm) bool { return len(t.Namespaces) != 0 || t.NamespaceSelector != nil }
	check := func(req []corev1.PodAffinityTerm, pref []corev1.WeightedPodAffinityTerm) bool {
		for i := range req {
			if cross(&req[i]) {
				return true
			}
		}
		for i := range pref {
			if cross(&pref[i].PodAffinityTerm) {
				return true
			}
		}
		return false
	}
	if a := pod.Spec.Affinity.PodAffinity; a != nil && check(a.RequiredDuringSchedulingIgnoredDuringExecution, a.PreferredDuringSchedulingIgnoredDuringExecution) {
		return true
	}
	if a := pod.Spec.Affinity.PodAntiAffinity; a != nil && check(a.RequiredDuringSchedulingIgnoredDuringExecution, a.PreferredDuringSchedulingIgnoredDuringExecution) {
		return true
	}
	return false
}

// quotaV1Pod: terminal pods do not use compute resources.
func quotaV1Pod(pod *corev1.Pod) bool {
	return pod.Status.Phase != corev1.PodFailed && pod.Status.Phase != corev1.PodSucceeded
}

// ---- services

var (
	serviceCountName = generic.ObjectCountQuotaResourceNameFor(corev1.Resource("services"))
	serviceResources = []corev1.ResourceName{
		serviceCountName, corev1.ResourceServices, corev1.ResourceServicesNodePorts, corev1.ResourceServicesLoadBalancers,
	}
)

type serviceEvaluator struct{ list generic.ListFuncByNamespace }

func (s *serviceEvaluator) Constraints([]corev1.ResourceName, runtime.Object) error { return nil }
func (s *serviceEvaluator) GroupResource() schema.GroupResource {
	return corev1.Resource("services")
}
func (s *serviceEvaluator) Handles(a admission.Attributes) bool {
	return a.GetSubresource() == "" && (a.GetOperation() == admission.Create || a.GetOperation() == admission.Update)
}
func (s *serviceEvaluator) Matches(q *corev1.ResourceQuota, item runtime.Object) (bool, error) {
	return generic.Matches(q, item, s.MatchingResources, generic.MatchesNoScopeFunc)
}
func (s *serviceEvaluator) MatchingResources(input []corev1.ResourceName) []corev1.ResourceName {
	return quota.Intersection(input, serviceResources)
}
func (s *serviceEvaluator) MatchingScopes(runtime.Object, []corev1.ScopedResourceSelectorRequirement) ([]corev1.ScopedResourceSelectorRequirement, error) {
	return []corev1.ScopedResourceSelectorRequirement{}, nil
}
func (s *serviceEvaluator) UncoveredQuotaScopes(_, _ []corev1.ScopedResourceSelectorRequirement) ([]corev1.ScopedResourceSelectorRequirement, error) {
	return []corev1.ScopedResourceSelectorRequirement{}, nil
}
func (s *serviceEvaluator) Usage(item runtime.Object) (corev1.ResourceList, error) {
	svc, ok := item.(*corev1.Service)
	if !ok {
		return corev1.ResourceList{}, fmt.Errorf("expect *api.Service or *v1.Service, got %T", item)
	}
	ports := int64(len(svc.Spec.Ports))
	result := corev1.ResourceList{
		serviceCountName:                     one(),
		corev1.ResourceServices:              one(),
		corev1.ResourceServicesLoadBalancers: {Format: resource.DecimalSI},
		corev1.ResourceServicesNodePorts:     {Format: resource.DecimalSI},
	}
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		result[corev1.ResourceServicesNodePorts] = *resource.NewQuantity(ports, resource.DecimalSI)
	case corev1.ServiceTypeLoadBalancer:
		n := ports
		if svc.Spec.AllocateLoadBalancerNodePorts != nil && !*svc.Spec.AllocateLoadBalancerNodePorts {
			n = 0
			for _, p := range svc.Spec.Ports {
				if p.NodePort != 0 {
					n++
				}
			}
		}
		result[corev1.ResourceServicesNodePorts] = *resource.NewQuantity(n, resource.DecimalSI)
		result[corev1.ResourceServicesLoadBalancers] = one()
	}
	return result, nil
}
func (s *serviceEvaluator) UsageStats(opts quota.UsageStatsOptions) (quota.UsageStats, error) {
	return usageStats(opts, s.list, generic.MatchesNoScopeFunc, s.Usage)
}

// ---- persistentvolumeclaims

const storageClassSuffix = ".storageclass.storage.k8s.io/"

var (
	pvcCountName = generic.ObjectCountQuotaResourceNameFor(corev1.Resource("persistentvolumeclaims"))
	pvcResources = []corev1.ResourceName{corev1.ResourcePersistentVolumeClaims, corev1.ResourceRequestsStorage}
)

type pvcEvaluator struct{ list generic.ListFuncByNamespace }

func toPVC(obj runtime.Object) (*corev1.PersistentVolumeClaim, error) {
	if p, ok := obj.(*corev1.PersistentVolumeClaim); ok {
		return p, nil
	}
	return nil, fmt.Errorf("expect *api.PersistentVolumeClaim or *v1.PersistentVolumeClaim, got %T", obj)
}

func (p *pvcEvaluator) Constraints([]corev1.ResourceName, runtime.Object) error { return nil }
func (p *pvcEvaluator) GroupResource() schema.GroupResource {
	return corev1.Resource("persistentvolumeclaims")
}
func (p *pvcEvaluator) Handles(a admission.Attributes) bool {
	op := a.GetOperation()
	switch a.GetSubresource() {
	case "":
		return op == admission.Create || op == admission.Update
	case "status":
		pvc, err1 := toPVC(a.GetObject())
		old, err2 := toPVC(a.GetOldObject())
		if err1 != nil || err2 != nil {
			return false
		}
		return requiresQuotaReplenish(pvc, old)
	}
	return false
}
func (p *pvcEvaluator) Matches(q *corev1.ResourceQuota, item runtime.Object) (bool, error) {
	return generic.Matches(q, item, p.MatchingResources, pvcMatchesScope)
}
func (p *pvcEvaluator) MatchingScopes(item runtime.Object, selectors []corev1.ScopedResourceSelectorRequirement) ([]corev1.ScopedResourceSelectorRequirement, error) {
	matched := []corev1.ScopedResourceSelectorRequirement{}
	for _, s := range selectors {
		ok, err := pvcMatchesScope(s, item)
		if err != nil {
			return []corev1.ScopedResourceSelectorRequirement{}, fmt.Errorf("error on matching scope %v: %w", s, err)
		}
		if ok {
			matched = append(matched, s)
		}
	}
	return matched, nil
}
func (p *pvcEvaluator) UncoveredQuotaScopes(limited, matched []corev1.ScopedResourceSelectorRequirement) ([]corev1.ScopedResourceSelectorRequirement, error) {
	return uncovered(limited, matched), nil
}
func (p *pvcEvaluator) MatchingResources(items []corev1.ResourceName) []corev1.ResourceName {
	result := []corev1.ResourceName{}
	for _, item := range items {
		if item == pvcCountName || quota.Contains(pvcResources, item) {
			result = append(result, item)
			continue
		}
		for _, r := range pvcResources {
			if strings.HasSuffix(string(item), storageClassSuffix+string(r)) {
				result = append(result, item)
				break
			}
		}
	}
	return result
}
func (p *pvcEvaluator) Usage(item runtime.Object) (corev1.ResourceList, error) {
	pvc, err := toPVC(item)
	if err != nil {
		return corev1.ResourceList{}, err
	}
	result := corev1.ResourceList{corev1.ResourcePersistentVolumeClaims: one(), pvcCountName: one()}
	class := claimClass(pvc)
	if class != "" {
		result[corev1.ResourceName(class+storageClassSuffix+string(corev1.ResourcePersistentVolumeClaims))] = one()
	}
	if req, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
		storage := req.DeepCopy()
		storage.RoundUp(0)
		if alloc, ok := pvc.Status.AllocatedResources[corev1.ResourceStorage]; ok && alloc.Cmp(storage) > 0 {
			storage = alloc.DeepCopy()
		}
		result[corev1.ResourceRequestsStorage] = storage
		if class != "" {
			result[corev1.ResourceName(class+storageClassSuffix+string(corev1.ResourceRequestsStorage))] = storage
		}
	}
	return result, nil
}
func (p *pvcEvaluator) UsageStats(opts quota.UsageStatsOptions) (quota.UsageStats, error) {
	return usageStats(opts, p.list, pvcMatchesScope, p.Usage)
}

func pvcMatchesScope(s corev1.ScopedResourceSelectorRequirement, obj runtime.Object) (bool, error) {
	pvc, err := toPVC(obj)
	if err != nil {
		return false, err
	}
	if s.ScopeName != corev1.ResourceQuotaScopeVolumeAttributesClass {
		return false, nil
	}
	if s.Operator == corev1.ScopeSelectorOpExists {
		return pvc.Spec.VolumeAttributesClassName != nil ||
			pvc.Status.CurrentVolumeAttributesClassName != nil ||
			(pvc.Status.ModifyVolumeStatus != nil && pvc.Status.ModifyVolumeStatus.TargetVolumeAttributesClassName != ""), nil
	}
	sel, err := scopeSelector(s)
	if err != nil {
		return false, err
	}
	for _, name := range pvcVACNames(pvc) {
		if sel.Matches(labels.Set{string(corev1.ResourceQuotaScopeVolumeAttributesClass): name}) {
			return true, nil
		}
	}
	return false, nil
}

func pvcVACNames(pvc *corev1.PersistentVolumeClaim) []string {
	var names []string
	if pvc.Spec.VolumeAttributesClassName != nil {
		names = append(names, *pvc.Spec.VolumeAttributesClassName)
	}
	if pvc.Status.CurrentVolumeAttributesClassName != nil {
		names = append(names, *pvc.Status.CurrentVolumeAttributesClassName)
	}
	if pvc.Status.ModifyVolumeStatus != nil && pvc.Status.ModifyVolumeStatus.TargetVolumeAttributesClassName != "" {
		names = append(names, pvc.Status.ModifyVolumeStatus.TargetVolumeAttributesClassName)
	}
	return names
}

func requiresQuotaReplenish(pvc, old *corev1.PersistentVolumeClaim) bool {
	if claimClass(pvc) != claimClass(old) {
		return true
	}
	a, b := pvc.Status.AllocatedResources[corev1.ResourceStorage], old.Status.AllocatedResources[corev1.ResourceStorage]
	return a.Cmp(b) != 0
}

func claimClass(pvc *corev1.PersistentVolumeClaim) string {
	if c, ok := pvc.Annotations["volume.beta.kubernetes.io/storage-class"]; ok {
		return c
	}
	if pvc.Spec.StorageClassName != nil {
		return *pvc.Spec.StorageClassName
	}
	return ""
}
