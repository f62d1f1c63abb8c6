// Package limitranger is kube-apiserver's LimitRanger admission plugin: the
// LimitRanges of a namespace default the resource requests and limits of new
// pods' containers (recording what was set in the kubernetes.io/limit-ranger
// annotation) and reject pods and PersistentVolumeClaims outside their
// min/max/maxLimitRequestRatio bounds.
package limitranger

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corev1listers "k8s.io/client-go/listers/core/v1"

	skiffadmission "github.com/skiff-k8s/skiff/admission"
)

const (
	// PluginName is upstream's plugin name.
	PluginName = "LimitRanger"
	// Annotation records the defaults the plugin set on a pod.
	Annotation = "kubernetes.io/limit-ranger"
	liveTTL    = 30 * time.Second
)

func init() {
	skiffadmission.Register(skiffadmission.Plugin{Name: PluginName, New: func(io.Reader) (admission.Interface, error) {
		return New(), nil
	}})
}

// Plugin is the LimitRanger admission plugin.
type Plugin struct {
	*admission.Handler
	client kubernetes.Interface
	lister corev1listers.LimitRangeLister

	// live lookups of namespaces the cache has no LimitRange for, as
	// upstream, so a just-created LimitRange applies at once.
	mu   sync.Mutex
	live map[string]liveEntry
}

type liveEntry struct {
	expiry time.Time
	items  []*corev1.LimitRange
}

var (
	_ admission.MutationInterface                  = &Plugin{}
	_ admission.ValidationInterface                = &Plugin{}
	_ initializer.WantsExternalKubeClientSet       = &Plugin{}
	_ initializer.WantsExternalKubeInformerFactory = &Plugin{}
)

// New returns the plugin.
func New() *Plugin {
	return &Plugin{Handler: admission.NewHandler(admission.Create, admission.Update), live: map[string]liveEntry{}}
}

// SetExternalKubeInformerFactory implements initializer.WantsExternalKubeInformerFactory.
func (p *Plugin) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	inf := f.Core().V1().LimitRanges()
	p.SetReadyFunc(inf.Informer().HasSynced)
	p.lister = inf.Lister()
}

// SetExternalKubeClientSet implements initializer.WantsExternalKubeClientSet.
func (p *Plugin) SetExternalKubeClientSet(c kubernetes.Interface) { p.client = c }

// ValidateInitialization implements admission.InitializationValidator.
func (p *Plugin) ValidateInitialization() error {
	if p.lister == nil {
		return fmt.Errorf("missing limitRange lister")
	}
	if p.client == nil {
		return fmt.Errorf("missing client")
	}
	return nil
}

// Admit applies the LimitRanges' defaults.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	return p.run(ctx, a, mutate)
}

// Validate enforces the LimitRanges' bounds.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	return p.run(ctx, a, validate)
}

func supports(a admission.Attributes) bool {
	isPod := a.GetKind().GroupKind() == corev1.SchemeGroupVersion.WithKind("Pod").GroupKind()
	if a.GetSubresource() == "resize" && isPod && a.GetOperation() == admission.Update {
		return true
	}
	if a.GetSubresource() != "" {
		return false
	}
	if isPod && a.GetOperation() == admission.Update {
		return false
	}
	return isPod || a.GetKind().GroupKind() == corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim").GroupKind()
}

func (p *Plugin) run(ctx context.Context, a admission.Attributes, fn func(*corev1.LimitRange, string, any) error) error {
	if !supports(a) {
		return nil
	}
	if old := a.GetOldObject(); old != nil {
		acc, err := meta.Accessor(old)
		if err != nil {
			return admission.NewForbidden(a, err)
		}
		if acc.GetDeletionTimestamp() != nil {
			return nil
		}
	}
	items, err := p.limitRanges(ctx, a)
	if err != nil {
		return err
	}
	for _, lr := range items {
		if err := fn(lr, a.GetResource().Resource, a.GetObject()); err != nil {
			return admission.NewForbidden(a, err)
		}
	}
	return nil
}

func (p *Plugin) limitRanges(ctx context.Context, a admission.Attributes) ([]*corev1.LimitRange, error) {
	ns := a.GetNamespace()
	items, err := p.lister.LimitRanges(ns).List(labels.Everything())
	if err != nil {
		return nil, admission.NewForbidden(a, fmt.Errorf("unable to %s %v at this time because there was an error enforcing limit ranges", a.GetOperation(), a.GetResource()))
	}
	if len(items) > 0 {
		return items, nil
	}
	p.mu.Lock()
	e, ok := p.live[ns]
	p.mu.Unlock()
	if ok && e.expiry.After(time.Now()) {
		return e.items, nil
	}
	list, err := p.client.CoreV1().LimitRanges(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, admission.NewForbidden(a, err)
	}
	e = liveEntry{expiry: time.Now().Add(liveTTL)}
	for i := range list.Items {
		e.items = append(e.items, &list.Items[i])
	}
	p.mu.Lock()
	if len(p.live) > 10000 {
		p.live = map[string]liveEntry{}
	}
	p.live[ns] = e
	p.mu.Unlock()
	return e.items, nil
}

func mutate(lr *corev1.LimitRange, resourceName string, obj any) error {
	if resourceName != "pods" {
		return nil
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil
	}
	def := defaultRequirements(lr)
	var notes []string
	for i := range pod.Spec.Containers {
		notes = mergeContainerResources(&pod.Spec.Containers[i], &def, "container", notes)
	}
	for i := range pod.Spec.InitContainers {
		notes = mergeContainerResources(&pod.Spec.InitContainers[i], &def, "init container", notes)
	}
	if len(notes) > 0 {
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		pod.Annotations[Annotation] = "LimitRanger plugin set: " + strings.Join(notes, "; ")
	}
	return nil
}

func validate(lr *corev1.LimitRange, resourceName string, obj any) error {
	switch resourceName {
	case "pods":
		if pod, ok := obj.(*corev1.Pod); ok {
			return ValidatePod(lr, pod)
		}
	case "persistentvolumeclaims":
		if pvc, ok := obj.(*corev1.PersistentVolumeClaim); ok {
			return ValidatePVC(lr, pvc)
		}
	}
	return nil
}

// defaultRequirements are the Container defaults of a LimitRange.
func defaultRequirements(lr *corev1.LimitRange) corev1.ResourceRequirements {
	r := corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
	for _, l := range lr.Spec.Limits {
		if l.Type != corev1.LimitTypeContainer {
			continue
		}
		for k, v := range l.DefaultRequest {
			r.Requests[k] = v.DeepCopy()
		}
		for k, v := range l.Default {
			r.Limits[k] = v.DeepCopy()
		}
	}
	return r
}

func mergeContainerResources(c *corev1.Container, def *corev1.ResourceRequirements, prefix string, notes []string) []string {
	var setRequests, setLimits []string
	if c.Resources.Limits == nil {
		c.Resources.Limits = corev1.ResourceList{}
	}
	if c.Resources.Requests == nil {
		c.Resources.Requests = corev1.ResourceList{}
	}
	for k, v := range def.Limits {
		if _, found := c.Resources.Limits[k]; !found {
			c.Resources.Limits[k] = v.DeepCopy()
			setLimits = append(setLimits, string(k))
		}
	}
	for k, v := range def.Requests {
		if _, found := c.Resources.Requests[k]; !found {
			c.Resources.Requests[k] = v.DeepCopy()
			setRequests = append(setRequests, string(k))
		}
	}
	if len(setRequests) > 0 {
		sort.Strings(setRequests)
		notes = append(notes, strings.Join(setRequests, ", ")+fmt.Sprintf(" request for %s %s", prefix, c.Name))
	}
	if len(setLimits) > 0 {
		sort.Strings(setLimits)
		notes = append(notes, strings.Join(setLimits, ", ")+fmt.Sprintf(" limit for %s %s", prefix, c.Name))
	}
	return notes
}

// values returns the quantities at a common precision.
func values(req, lim, enforced resource.Quantity) (int64, int64, int64) {
	r, l, e := req.Value(), lim.Value(), enforced.Value()
	if r <= resource.MaxMilliValue && l <= resource.MaxMilliValue && e <= resource.MaxMilliValue {
		r, l, e = req.MilliValue(), lim.MilliValue(), enforced.MilliValue()
	}
	return r, l, e
}

func minConstraint(limitType, name string, enforced resource.Quantity, request, limit corev1.ResourceList) error {
	req, reqExists := request[corev1.ResourceName(name)]
	lim, limExists := limit[corev1.ResourceName(name)]
	r, l, e := values(req, lim, enforced)
	if !reqExists {
		return fmt.Errorf("minimum %s usage per %s is %s.  No request is specified", name, limitType, enforced.String())
	}
	if r < e {
		return fmt.Errorf("minimum %s usage per %s is %s, but request is %s", name, limitType, enforced.String(), req.String())
	}
	if limExists && l < e {
		return fmt.Errorf("minimum %s usage per %s is %s, but limit is %s", name, limitType, enforced.String(), lim.String())
	}
	return nil
}

func maxRequestConstraint(limitType, name string, enforced resource.Quantity, request corev1.ResourceList) error {
	req, reqExists := request[corev1.ResourceName(name)]
	r, _, e := values(req, resource.Quantity{}, enforced)
	if !reqExists {
		return fmt.Errorf("maximum %s usage per %s is %s.  No request is specified", name, limitType, enforced.String())
	}
	if r > e {
		return fmt.Errorf("maximum %s usage per %s is %s, but request is %s", name, limitType, enforced.String(), req.String())
	}
	return nil
}

func maxConstraint(limitType, name string, enforced resource.Quantity, request, limit corev1.ResourceList) error {
	req, reqExists := request[corev1.ResourceName(name)]
	lim, limExists := limit[corev1.ResourceName(name)]
	r, l, e := values(req, lim, enforced)
	if !limExists {
		return fmt.Errorf("maximum %s usage per %s is %s.  No limit is specified", name, limitType, enforced.String())
	}
	if l > e {
		return fmt.Errorf("maximum %s usage per %s is %s, but limit is %s", name, limitType, enforced.String(), lim.String())
	}
	if reqExists && r > e {
		return fmt.Errorf("maximum %s usage per %s is %s, but request is %s", name, limitType, enforced.String(), req.String())
	}
	return nil
}

func ratioConstraint(limitType, name string, enforced resource.Quantity, request, limit corev1.ResourceList) error {
	req, reqExists := request[corev1.ResourceName(name)]
	lim, limExists := limit[corev1.ResourceName(name)]
	r, l, _ := values(req, lim, enforced)
	if !reqExists || r == 0 {
		return fmt.Errorf("%s max limit to request ratio per %s is %s, but no request is specified or request is 0", name, limitType, enforced.String())
	}
	if !limExists || l == 0 {
		return fmt.Errorf("%s max limit to request ratio per %s is %s, but no limit is specified or limit is 0", name, limitType, enforced.String())
	}
	observed := float64(l) / float64(r)
	display := observed
	maxRatio := float64(enforced.Value())
	if enforced.Value() <= resource.MaxMilliValue {
		observed *= 1000
		maxRatio = float64(enforced.MilliValue())
	}
	if observed > maxRatio {
		return fmt.Errorf("%s max limit to request ratio per %s is %s, but provided ratio is %f", name, limitType, enforced.String(), display)
	}
	return nil
}

// ValidatePVC enforces PersistentVolumeClaim min/max storage requests.
func ValidatePVC(lr *corev1.LimitRange, pvc *corev1.PersistentVolumeClaim) error {
	var errs []error
	for _, l := range lr.Spec.Limits {
		if l.Type != corev1.LimitTypePersistentVolumeClaim {
			continue
		}
		for k, v := range l.Min {
			if err := minConstraint(string(l.Type), string(k), v, pvc.Spec.Resources.Requests, corev1.ResourceList{}); err != nil {
				errs = append(errs, err)
			}
		}
		for k, v := range l.Max {
			if err := maxRequestConstraint(string(l.Type), string(k), v, pvc.Spec.Resources.Requests); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return utilerrors.NewAggregate(errs)
}

// ValidatePod enforces Container and Pod bounds.
func ValidatePod(lr *corev1.LimitRange, pod *corev1.Pod) error {
	var errs []error
	check := func(limitType string, l corev1.LimitRangeItem, req, lim corev1.ResourceList) {
		for k, v := range l.Min {
			if err := minConstraint(limitType, string(k), v, req, lim); err != nil {
				errs = append(errs, err)
			}
		}
		for k, v := range l.Max {
			if err := maxConstraint(limitType, string(k), v, req, lim); err != nil {
				errs = append(errs, err)
			}
		}
		for k, v := range l.MaxLimitRequestRatio {
			if err := ratioConstraint(limitType, string(k), v, req, lim); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, l := range lr.Spec.Limits {
		switch l.Type {
		case corev1.LimitTypeContainer:
			for _, c := range pod.Spec.Containers {
				check(string(l.Type), l, c.Resources.Requests, c.Resources.Limits)
			}
			for _, c := range pod.Spec.InitContainers {
				check(string(l.Type), l, c.Resources.Requests, c.Resources.Limits)
			}
		case corev1.LimitTypePod:
			check(string(l.Type), l, podResources(pod, true), podResources(pod, false))
		}
	}
	return utilerrors.NewAggregate(errs)
}

// podResources is the pod's effective requests (or limits) from its spec:
// the sum of its containers and restartable init containers, at least the
// largest init container, overridden by pod-level resources.
func podResources(pod *corev1.Pod, requests bool) corev1.ResourceList {
	get := func(r corev1.ResourceRequirements) corev1.ResourceList {
		if requests {
			return r.Requests
		}
		return r.Limits
	}
	out := corev1.ResourceList{}
	for _, c := range pod.Spec.Containers {
		addResourceList(out, get(c.Resources))
	}
	restartable := corev1.ResourceList{}
	initMax := corev1.ResourceList{}
	for _, c := range pod.Spec.InitContainers {
		r := get(c.Resources)
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			addResourceList(out, r)
			addResourceList(restartable, r)
			r = restartable
		} else {
			tmp := corev1.ResourceList{}
			addResourceList(tmp, r)
			addResourceList(tmp, restartable)
			r = tmp
		}
		maxResourceList(initMax, r)
	}
	maxResourceList(out, initMax)
	if pod.Spec.Resources != nil {
		for name, q := range get(*pod.Spec.Resources) {
			if name == corev1.ResourceCPU || name == corev1.ResourceMemory {
				out[name] = q
			}
		}
	}
	return out
}

func addResourceList(list, add corev1.ResourceList) {
	for name, q := range add {
		if v, ok := list[name]; !ok {
			list[name] = q.DeepCopy()
		} else {
			v.Add(q)
			list[name] = v
		}
	}
}

func maxResourceList(list, other corev1.ResourceList) {
	for name, q := range other {
		if v, ok := list[name]; !ok || q.Cmp(v) > 0 {
			list[name] = q.DeepCopy()
		}
	}
}
