package podautoscaler

import (
	"context"
	"errors"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
)

// sync is one pass of upstream's reconcileAutoscaler: read the target's
// scale, decide the replicas (bounds first, then metrics, normalized),
// rescale when they differ, and record the outcome in the status.
func (r *Reconciler) sync(ctx context.Context, shared *autoscalingv2.HorizontalPodAutoscaler) (retErr error) {
	hpa := shared.DeepCopy()
	old := hpa.Status.DeepCopy()
	key := hpaKey{hpa.Namespace, hpa.Name}.String()
	ref := hpa.Spec.ScaleTargetRef
	reference := fmt.Sprintf("%s/%s/%s", ref.Kind, hpa.Namespace, ref.Name)

	sc, gr, err := r.getScale(ctx, hpa)
	if err != nil {
		r.Recorder.Event(hpa, corev1.EventTypeWarning, "FailedGetScale", err.Error())
		setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionFalse, "FailedGetScale", "the HPA controller was unable to get the target's current scale: %v", err)
		if uerr := r.updateStatusIfNeeded(ctx, old, hpa); uerr != nil {
			ctrl.LoggerFrom(ctx).Error(uerr, "Failed to update status")
		}
		return fmt.Errorf("failed to get the scale of %s: %w", reference, err)
	}
	setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededGetScale", "the HPA controller was able to get the target's current scale")
	current := sc.Spec.Replicas
	r.mem.seed(key, current)

	minReplicas := int32(1)
	if hpa.Spec.MinReplicas != nil {
		minReplicas = *hpa.Spec.MinReplicas
	}
	// HPAScaleToZero (beta, on in 1.37): a target the HPA itself scaled to
	// zero keeps being computed; one scaled to zero by a user is left alone.
	objectOrExternal := hasObjectOrExternalMetrics(hpa)
	scaledToZero := hasCondition(hpa, autoscalingv2.ScaledToZero, corev1.ConditionTrue)

	var (
		desired  int32
		reason   string
		statuses []autoscalingv2.MetricStatus
		compute  = true
		rescale  = true
	)
	switch {
	case current == 0:
		if !(minReplicas != 0 && scaledToZero) && !(scaledToZero && objectOrExternal) {
			compute, rescale = false, false
			setCondition(hpa, autoscalingv2.ScalingActive, corev1.ConditionFalse, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")
		}
	case current > hpa.Spec.MaxReplicas:
		reason, desired, compute = "Current number of replicas above Spec.MaxReplicas", hpa.Spec.MaxReplicas, false
	case current < minReplicas:
		reason, desired, compute = "Current number of replicas below Spec.MinReplicas", minReplicas, false
	}

	if compute {
		var p proposal
		p, statuses, err = r.replicasForMetrics(ctx, hpa, sc)
		if err != nil && p.replicas == -1 {
			r.setStatus(hpa, current, hpa.Status.DesiredReplicas, statuses, false)
			if uerr := r.updateStatusIfNeeded(ctx, old, hpa); uerr != nil {
				ctrl.LoggerFrom(ctx).Error(uerr, "Failed to update status")
			}
			r.Recorder.Event(hpa, corev1.EventTypeWarning, "FailedComputeMetricsReplicas", err.Error())
			return fmt.Errorf("failed to compute desired number of replicas based on listed metrics for %s: %w", reference, err)
		}
		// some metrics failed, but the others are enough to scale on
		retErr = err
		metric := ""
		if p.replicas > desired {
			desired, metric = p.replicas, p.metric
		}
		if desired > current {
			reason = fmt.Sprintf("%s above target", metric)
		}
		if desired < current {
			reason = "All metrics below target"
		}
		if hpa.Spec.Behavior == nil {
			desired = r.mem.normalize(hpa, key, current, desired, minReplicas)
		} else {
			desired = r.mem.normalizeWithBehavior(hpa, key, current, desired, minReplicas)
		}
		if current == 0 && minReplicas != 0 && scaledToZero && desired < minReplicas {
			desired = minReplicas
			if reason == "" {
				reason = "Current number of replicas below Spec.MinReplicas"
			}
		}
		rescale = desired != current
	}

	if rescale {
		if err := r.updateScale(ctx, hpa, sc, gr, desired); err != nil {
			r.Recorder.Eventf(hpa, corev1.EventTypeWarning, "FailedRescale", "New size: %d; reason: %s; error: %v", desired, reason, err.Error())
			setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionFalse, "FailedUpdateScale", "the HPA controller was unable to update the target scale: %v", err)
			r.setStatus(hpa, current, hpa.Status.DesiredReplicas, statuses, false)
			if uerr := r.updateStatusIfNeeded(ctx, old, hpa); uerr != nil {
				ctrl.LoggerFrom(ctx).Error(uerr, "Failed to update status")
			}
			return fmt.Errorf("failed to rescale %s: %w", reference, err)
		}
		setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededRescale", "the HPA controller was able to update the target scale to %d", desired)
		r.Recorder.Eventf(hpa, corev1.EventTypeNormal, "SuccessfulRescale", "New size: %d; reason: %s", desired, reason)
		r.mem.recordScale(hpa.Spec.Behavior, key, current, desired)
		ctrl.LoggerFrom(ctx).Info("Successfully rescaled", "currentReplicas", current, "desiredReplicas", desired, "reason", reason)
		if current > 0 && desired == 0 && minReplicas == 0 && objectOrExternal {
			setCondition(hpa, autoscalingv2.ScaledToZero, corev1.ConditionTrue, "ScaledToZero", "the HPA controller scaled the workload to zero")
		} else {
			setCondition(hpa, autoscalingv2.ScaledToZero, corev1.ConditionFalse, "NotScaledToZero", "the HPA controller did not scale the workload to zero")
		}
	} else {
		desired = current
	}
	r.setStatus(hpa, current, desired, statuses, rescale)
	if err := r.updateStatusIfNeeded(ctx, old, hpa); err != nil {
		return err
	}
	return retErr
}

func hasObjectOrExternalMetrics(hpa *autoscalingv2.HorizontalPodAutoscaler) bool {
	for _, m := range hpa.Spec.Metrics {
		if m.Type == autoscalingv2.ObjectMetricSourceType || m.Type == autoscalingv2.ExternalMetricSourceType {
			return true
		}
	}
	return false
}

// setStatus rebuilds the status around the conditions and last scale time.
func (r *Reconciler) setStatus(hpa *autoscalingv2.HorizontalPodAutoscaler, current, desired int32, statuses []autoscalingv2.MetricStatus, rescaled bool) {
	gen := hpa.Generation
	hpa.Status = autoscalingv2.HorizontalPodAutoscalerStatus{
		ObservedGeneration: &gen,
		CurrentReplicas:    current,
		DesiredReplicas:    desired,
		LastScaleTime:      hpa.Status.LastScaleTime,
		CurrentMetrics:     statuses,
		Conditions:         hpa.Status.Conditions,
	}
	if rescaled {
		now := metav1.NewTime(r.Now())
		hpa.Status.LastScaleTime = &now
	}
}

// getScale reads the target's scale through the first of its resources
// that serves one.
func (r *Reconciler) getScale(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler) (*autoscalingv1.Scale, schema.GroupResource, error) {
	ref := hpa.Spec.ScaleTargetRef
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return nil, schema.GroupResource{}, err
	}
	mappings, err := r.Mapper.RESTMappings(schema.GroupKind{Group: gv.Group, Kind: ref.Kind})
	if err != nil {
		return nil, schema.GroupResource{}, err
	}
	sc, gr, err := r.scaleFor(ctx, hpa.Namespace, ref.Name, mappings)
	if err != nil {
		return nil, gr, err
	}
	return sc, gr, nil
}

func (r *Reconciler) scaleFor(ctx context.Context, namespace, name string, mappings []*apimeta.RESTMapping) (*autoscalingv1.Scale, schema.GroupResource, error) {
	var first error
	for i, m := range mappings {
		gr := m.Resource.GroupResource()
		sc, err := r.Scales.Scales(namespace).Get(ctx, gr, name, metav1.GetOptions{})
		if err == nil {
			return sc, gr, nil
		}
		if i == 0 {
			first = err
		}
	}
	if first == nil {
		first = errors.New("unrecognized resource")
	}
	return nil, schema.GroupResource{}, first
}

// updateScale sets the target's replicas, re-reading the scale on
// conflicts.
func (r *Reconciler) updateScale(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, sc *autoscalingv1.Scale, gr schema.GroupResource, desired int32) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sc.Spec.Replicas = desired
		_, err := r.Scales.Scales(hpa.Namespace).Update(ctx, gr, sc, metav1.UpdateOptions{})
		if err == nil {
			return nil
		}
		if latest, gerr := r.Scales.Scales(hpa.Namespace).Get(ctx, gr, hpa.Spec.ScaleTargetRef.Name, metav1.GetOptions{}); gerr == nil {
			sc = latest
		}
		return err
	})
}
