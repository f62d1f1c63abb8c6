package podautoscaler

import (
	"context"
	"errors"
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// parseSelector parses the selector of the target's scale and checks that
// no other HPA selects any of its pods: two autoscalers fighting over the
// same pods would flap. On failure ScalingActive says why.
func (r *Reconciler) parseSelector(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, selector string) (labels.Selector, error) {
	if selector == "" {
		msg := "selector is required"
		r.Recorder.Event(hpa, corev1.EventTypeWarning, "SelectorRequired", msg)
		setCondition(hpa, autoscalingv2.ScalingActive, corev1.ConditionFalse, "InvalidSelector", "the HPA target's scale is missing a selector")
		return nil, errors.New(msg)
	}
	sel, err := labels.Parse(selector)
	if err != nil {
		msg := fmt.Sprintf("couldn't convert selector into a corresponding internal selector object: %v", err)
		r.Recorder.Event(hpa, corev1.EventTypeWarning, "InvalidSelector", msg)
		setCondition(hpa, autoscalingv2.ScalingActive, corev1.ConditionFalse, "InvalidSelector", "%s", msg)
		return nil, errors.New(msg)
	}
	key := hpaKey{hpa.Namespace, hpa.Name}
	r.selMu.Lock()
	r.selectors[key] = sel
	r.selMu.Unlock()
	pods, err := r.listPods(ctx, hpa.Namespace, sel)
	if err != nil {
		return nil, err
	}
	if others := r.hpasSelecting(hpa.Namespace, pods, 2); len(others) > 1 {
		msg := fmt.Sprintf("pods by selector %v are controlled by more than one HPA (e.g. %v)", selector, others)
		r.Recorder.Event(hpa, corev1.EventTypeWarning, "AmbiguousSelector", msg)
		setCondition(hpa, autoscalingv2.ScalingActive, corev1.ConditionFalse, "AmbiguousSelector", "%s", msg)
		return nil, errors.New(msg)
	}
	return sel, nil
}

// hpasSelecting lists up to limit HPAs of namespace whose last seen
// selector matches one of pods.
func (r *Reconciler) hpasSelecting(namespace string, pods []*corev1.Pod, limit int) []hpaKey {
	r.selMu.Lock()
	defer r.selMu.Unlock()
	var out []hpaKey
	for k, sel := range r.selectors {
		if k.Namespace != namespace {
			continue
		}
		for _, p := range pods {
			if sel.Matches(labels.Set(p.Labels)) {
				out = append(out, k)
				break
			}
		}
		if len(out) >= limit {
			break
		}
	}
	return out
}
