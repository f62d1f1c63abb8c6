// Package volumebinding is the VolumeBinding plugin: pods whose
// PersistentVolumeClaims are bound go only to nodes their PersistentVolumes'
// node affinity allows; unbound claims of an Immediate class keep the pod
// waiting for the PV controller; unbound claims of a WaitForFirstConsumer
// class are matched to an available PV on the node (or left to dynamic
// provisioning), and PreBind makes the binding (PV claimRef, or the PVC's
// selected-node annotation) and waits for the claims to become Bound.
package volumebinding

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	configv1 "k8s.io/kube-scheduler/config/v1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins/helper"
)

// Name of the plugin.
const Name = "VolumeBinding"

// Upstream's messages.
const (
	ErrReasonBindConflict = "node(s) didn't find available persistent volumes to bind"
	ErrReasonNodeConflict = "node(s) didn't match PersistentVolume's node affinity"
	ErrReasonPVNotExist   = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
	errUnboundImmediate   = "pod has unbound immediate PersistentVolumeClaims"
	// AnnSelectedNode asks the provisioner to provision for a node.
	AnnSelectedNode = "volume.kubernetes.io/selected-node"
	noProvisioner   = "kubernetes.io/no-provisioner"
)

const stateKey fw.StateKey = "PreFilter" + Name

// Plugin is VolumeBinding.
type Plugin struct {
	h           fw.Handle
	pvcs        corelisters.PersistentVolumeClaimLister
	pvs         corelisters.PersistentVolumeLister
	classes     storagelisters.StorageClassLister
	bindTimeout time.Duration

	mu sync.Mutex
	// assumed PVs (name -> claim key) chosen by pods still binding.
	assumed map[string]string
}

// New builds the plugin from VolumeBindingArgs (bindTimeoutSeconds 600).
func New(_ context.Context, obj runtime.Object, h fw.Handle) (fw.Plugin, error) {
	pl := &Plugin{h: h, bindTimeout: 600 * time.Second, assumed: map[string]string{}}
	if args, _ := obj.(*configv1.VolumeBindingArgs); args != nil && args.BindTimeoutSeconds != nil {
		pl.bindTimeout = time.Duration(*args.BindTimeoutSeconds) * time.Second
	}
	if f := h.SharedInformerFactory(); f != nil {
		pl.pvcs = f.Core().V1().PersistentVolumeClaims().Lister()
		pl.pvs = f.Core().V1().PersistentVolumes().Lister()
		pl.classes = f.Storage().V1().StorageClasses().Lister()
	}
	return pl, nil
}

// Name implements Plugin.
func (*Plugin) Name() string { return Name }

type claims struct {
	bound   []*v1.PersistentVolumeClaim
	delayed []*v1.PersistentVolumeClaim
	classes map[string]*storagev1.StorageClass
}

type stateData struct {
	claims
	mu sync.Mutex
	// chosen maps node -> claim key -> PV name (static bindings found by
	// Filter; "" means dynamic provisioning).
	chosen map[string]map[string]string
}

func (s *stateData) Clone() fw.StateData { return s }

func claimNames(p *v1.Pod) []string {
	var out []string
	for _, vol := range p.Spec.Volumes {
		switch {
		case vol.PersistentVolumeClaim != nil:
			out = append(out, vol.PersistentVolumeClaim.ClaimName)
		case vol.Ephemeral != nil:
			out = append(out, p.Name+"-"+vol.Name)
		}
	}
	return out
}

// PreFilter sorts the pod's claims and rejects unbound Immediate ones.
func (pl *Plugin) PreFilter(_ context.Context, state *fw.CycleState, p *v1.Pod, _ []*fw.NodeInfo) (*fw.PreFilterResult, *fw.Status) {
	names := claimNames(p)
	if len(names) == 0 || pl.pvcs == nil {
		return nil, fw.NewStatus(fw.Skip)
	}
	s := &stateData{claims: claims{classes: map[string]*storagev1.StorageClass{}}, chosen: map[string]map[string]string{}}
	immediate := false
	for _, name := range names {
		pvc, err := pl.pvcs.PersistentVolumeClaims(p.Namespace).Get(name)
		if err != nil {
			return nil, fw.NewStatus(fw.UnschedulableAndUnresolvable, err.Error())
		}
		if pvc.DeletionTimestamp != nil {
			return nil, fw.NewStatus(fw.UnschedulableAndUnresolvable, fmt.Sprintf("persistentvolumeclaim %q is being deleted", pvc.Name))
		}
		if pvc.Spec.VolumeName != "" {
			s.bound = append(s.bound, pvc)
			continue
		}
		class := className(pvc)
		var sc *storagev1.StorageClass
		if class != "" {
			if sc, err = pl.classes.Get(class); err != nil && !apierrors.IsNotFound(err) {
				return nil, fw.AsStatus(err)
			}
		}
		if sc == nil || sc.VolumeBindingMode == nil || *sc.VolumeBindingMode != storagev1.VolumeBindingWaitForFirstConsumer {
			immediate = true
			continue
		}
		s.classes[class] = sc
		s.delayed = append(s.delayed, pvc)
	}
	if immediate {
		return nil, fw.NewStatus(fw.UnschedulableAndUnresolvable, errUnboundImmediate)
	}
	state.Write(stateKey, s)
	return nil, nil
}

func className(pvc *v1.PersistentVolumeClaim) string {
	if pvc.Spec.StorageClassName != nil {
		return *pvc.Spec.StorageClassName
	}
	return pvc.Annotations[v1.BetaStorageClassAnnotation]
}

// PreFilterExtensions implements PreFilterPlugin.
func (*Plugin) PreFilterExtensions() fw.PreFilterExtensions { return nil }

func pvMatchesNode(pv *v1.PersistentVolume, node *v1.Node) bool {
	if pv.Spec.NodeAffinity == nil || pv.Spec.NodeAffinity.Required == nil {
		return true
	}
	sel, err := nodeaffinity.NewNodeSelector(pv.Spec.NodeAffinity.Required)
	if err != nil {
		return false
	}
	return sel.Match(node)
}

// Filter checks bound PVs' node affinity and finds PVs (or provisioning)
// for the delayed claims.
func (pl *Plugin) Filter(_ context.Context, state *fw.CycleState, p *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	s, err := helper.Read[*stateData](state, stateKey)
	if err != nil {
		return fw.AsStatus(err)
	}
	node := ni.Node()
	var reasons []string
	for _, pvc := range s.bound {
		pv, err := pl.pvs.Get(pvc.Spec.VolumeName)
		if err != nil {
			reasons = append(reasons, ErrReasonPVNotExist)
			break
		}
		if !pvMatchesNode(pv, node) {
			reasons = append(reasons, ErrReasonNodeConflict)
			break
		}
	}
	chosen := map[string]string{}
	if len(s.delayed) > 0 {
		all, err := pl.pvs.List(labels.Everything())
		if err != nil {
			return fw.AsStatus(err)
		}
		taken := map[string]bool{}
		pl.mu.Lock()
		for name := range pl.assumed {
			taken[name] = true
		}
		pl.mu.Unlock()
		ok := true
		for _, pvc := range s.delayed {
			pv := findPV(all, pvc, node, taken)
			if pv != nil {
				taken[pv.Name] = true
				chosen[key(pvc)] = pv.Name
				continue
			}
			sc := s.classes[className(pvc)]
			if sc.Provisioner == noProvisioner || !topologyAllows(sc, node) {
				ok = false
				continue
			}
			chosen[key(pvc)] = ""
		}
		if !ok {
			reasons = append(reasons, ErrReasonBindConflict)
		}
	}
	if len(reasons) > 0 {
		return fw.NewStatus(fw.UnschedulableAndUnresolvable, reasons...)
	}
	s.mu.Lock()
	s.chosen[node.Name] = chosen
	s.mu.Unlock()
	return nil
}

func key(pvc *v1.PersistentVolumeClaim) string { return pvc.Namespace + "/" + pvc.Name }

func topologyAllows(sc *storagev1.StorageClass, node *v1.Node) bool {
	if len(sc.AllowedTopologies) == 0 {
		return true
	}
	for _, term := range sc.AllowedTopologies {
		ok := true
		for _, e := range term.MatchLabelExpressions {
			v, has := node.Labels[e.Key]
			found := false
			for _, want := range e.Values {
				if has && v == want {
					found = true
				}
			}
			if !found {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// findPV picks the smallest available PV of the claim's class that fits
// its request, access modes, volume mode and selector, and the node.
func findPV(all []*v1.PersistentVolume, pvc *v1.PersistentVolumeClaim, node *v1.Node, taken map[string]bool) *v1.PersistentVolume {
	want := pvc.Spec.Resources.Requests[v1.ResourceStorage]
	var sel labels.Selector
	if pvc.Spec.Selector != nil {
		var err error
		if sel, err = metav1.LabelSelectorAsSelector(pvc.Spec.Selector); err != nil {
			return nil
		}
	}
	mode := v1.PersistentVolumeFilesystem
	if pvc.Spec.VolumeMode != nil {
		mode = *pvc.Spec.VolumeMode
	}
	var candidates []*v1.PersistentVolume
	for _, pv := range all {
		if taken[pv.Name] || pv.DeletionTimestamp != nil || pv.Spec.StorageClassName != className(pvc) {
			continue
		}
		if ref := pv.Spec.ClaimRef; ref != nil && !(ref.Namespace == pvc.Namespace && ref.Name == pvc.Name && (ref.UID == "" || ref.UID == pvc.UID)) {
			continue
		}
		if pv.Status.Phase != "" && pv.Status.Phase != v1.VolumeAvailable && pv.Spec.ClaimRef == nil {
			continue
		}
		pvMode := v1.PersistentVolumeFilesystem
		if pv.Spec.VolumeMode != nil {
			pvMode = *pv.Spec.VolumeMode
		}
		if pvMode != mode {
			continue
		}
		capacity := pv.Spec.Capacity[v1.ResourceStorage]
		if capacity.Cmp(want) < 0 || !hasModes(pv.Spec.AccessModes, pvc.Spec.AccessModes) {
			continue
		}
		if sel != nil && !sel.Matches(labels.Set(pv.Labels)) {
			continue
		}
		if !pvMatchesNode(pv, node) {
			continue
		}
		candidates = append(candidates, pv)
	}
	if len(candidates) == 0 {
		return nil
	}
	sort.Slice(candidates, func(i, j int) bool {
		a, b := candidates[i].Spec.Capacity[v1.ResourceStorage], candidates[j].Spec.Capacity[v1.ResourceStorage]
		if c := a.Cmp(b); c != 0 {
			return c < 0
		}
		return candidates[i].Name < candidates[j].Name
	})
	return candidates[0]
}

func hasModes(have, want []v1.PersistentVolumeAccessMode) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if h == w {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Reserve keeps the chosen PVs from other pods while this one binds.
func (pl *Plugin) Reserve(_ context.Context, state *fw.CycleState, _ *v1.Pod, node string) *fw.Status {
	s, err := helper.Read[*stateData](state, stateKey)
	if err != nil {
		return nil
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	for claim, pv := range s.chosen[node] {
		if pv != "" {
			pl.assumed[pv] = claim
		}
	}
	return nil
}

// Unreserve releases the PVs.
func (pl *Plugin) Unreserve(_ context.Context, state *fw.CycleState, _ *v1.Pod, node string) {
	s, err := helper.Read[*stateData](state, stateKey)
	if err != nil {
		return
	}
	pl.release(s, node)
}

func (pl *Plugin) release(s *stateData, node string) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	for _, pv := range s.chosen[node] {
		delete(pl.assumed, pv)
	}
}

// PreBind binds the chosen PVs (claimRef) or asks for provisioning on the
// node (selected-node), then waits for every claim to be Bound.
func (pl *Plugin) PreBind(ctx context.Context, state *fw.CycleState, p *v1.Pod, node string) *fw.Status {
	s, err := helper.Read[*stateData](state, stateKey)
	if err != nil || len(s.delayed) == 0 {
		return nil
	}
	defer pl.release(s, node)
	cs := pl.h.ClientSet()
	for _, pvc := range s.delayed {
		pvName := s.chosen[node][key(pvc)]
		if pvName != "" {
			pv, err := cs.CoreV1().PersistentVolumes().Get(ctx, pvName, metav1.GetOptions{})
			if err != nil {
				return fw.AsStatus(err)
			}
			if pv.Spec.ClaimRef == nil {
				pv.Spec.ClaimRef = &v1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID, ResourceVersion: pvc.ResourceVersion}
				if pv.Annotations == nil {
					pv.Annotations = map[string]string{}
				}
				pv.Annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
				if _, err := cs.CoreV1().PersistentVolumes().Update(ctx, pv, metav1.UpdateOptions{}); err != nil {
					return fw.AsStatus(err)
				}
			}
			continue
		}
		cur, err := cs.CoreV1().PersistentVolumeClaims(pvc.Namespace).Get(ctx, pvc.Name, metav1.GetOptions{})
		if err != nil {
			return fw.AsStatus(err)
		}
		if cur.Annotations[AnnSelectedNode] != node {
			if cur.Annotations == nil {
				cur.Annotations = map[string]string{}
			}
			cur.Annotations[AnnSelectedNode] = node
			if _, err := cs.CoreV1().PersistentVolumeClaims(pvc.Namespace).Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
				return fw.AsStatus(err)
			}
		}
	}
	err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, pl.bindTimeout, true, func(context.Context) (bool, error) {
		for _, pvc := range s.delayed {
			cur, err := pl.pvcs.PersistentVolumeClaims(pvc.Namespace).Get(pvc.Name)
			if err != nil {
				return false, err
			}
			if cur.Spec.VolumeName == "" || cur.Status.Phase != v1.ClaimBound {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fw.AsStatus(fmt.Errorf("binding volumes: %w", err))
	}
	return nil
}
