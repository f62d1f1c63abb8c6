package deployment

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// rolloutRolling moves a deployment one step along a rolling update.
func (r *Reconciler) rolloutRolling(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet, st *syncState) error {
	newRS, oldRSs, err := r.getAllReplicaSetsAndSyncRevision(ctx, d, rsList, true)
	if err != nil {
		return err
	}
	all := append(oldRSs, newRS)
	scaledUp, err := r.reconcileNewReplicaSet(ctx, all, newRS, d)
	if err != nil {
		return err
	}
	if scaledUp {
		return r.syncRolloutStatus(ctx, all, newRS, d, st)
	}
	scaledDown, err := r.reconcileOldReplicaSets(ctx, all, activeReplicaSets(oldRSs), newRS, d)
	if err != nil {
		return err
	}
	if scaledDown {
		return r.syncRolloutStatus(ctx, all, newRS, d, st)
	}
	if deploymentComplete(d, &d.Status) {
		if err := r.cleanupDeployment(ctx, oldRSs, d); err != nil {
			return err
		}
	}
	return r.syncRolloutStatus(ctx, all, newRS, d, st)
}

func (r *Reconciler) reconcileNewReplicaSet(ctx context.Context, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) (bool, error) {
	if replicas(newRS) == *d.Spec.Replicas {
		return false, nil
	}
	if replicas(newRS) > *d.Spec.Replicas {
		scaled, _, err := r.scaleReplicaSet(ctx, newRS, *d.Spec.Replicas, d, false)
		return scaled, err
	}
	n, err := newRSNewReplicas(d, all, newRS)
	if err != nil {
		return false, err
	}
	scaled, _, err := r.scaleReplicaSet(ctx, newRS, n, d, false)
	return scaled, err
}

func (r *Reconciler) reconcileOldReplicaSets(ctx context.Context, all, oldRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) (bool, error) {
	if sumSpec(oldRSs) == 0 {
		return false, nil
	}
	allPods := sumSpec(all)
	minAvailable := *d.Spec.Replicas - maxUnavailable(d)
	newUnavailable := replicas(newRS) - newRS.Status.AvailableReplicas
	maxScaledDown := allPods - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return false, nil
	}
	oldRSs, cleaned, err := r.cleanupUnhealthyReplicas(ctx, oldRSs, d, maxScaledDown)
	if err != nil {
		return false, err
	}
	all = append(oldRSs, newRS)
	scaledDown, err := r.scaleDownOldReplicaSetsForRollingUpdate(ctx, all, oldRSs, d)
	if err != nil {
		return false, err
	}
	return cleaned+scaledDown > 0, nil
}

// cleanupUnhealthyReplicas scales down the unavailable pods of old
// ReplicaSets first, oldest ReplicaSet first.
func (r *Reconciler) cleanupUnhealthyReplicas(ctx context.Context, oldRSs []*appsv1.ReplicaSet, d *appsv1.Deployment, maxCleanup int32) ([]*appsv1.ReplicaSet, int32, error) {
	sortByCreation(oldRSs)
	total := int32(0)
	for i, rs := range oldRSs {
		if total >= maxCleanup {
			break
		}
		if replicas(rs) == 0 || replicas(rs) == rs.Status.AvailableReplicas {
			continue
		}
		down := min(maxCleanup-total, replicas(rs)-rs.Status.AvailableReplicas)
		newCount := replicas(rs) - down
		if newCount > replicas(rs) {
			return nil, 0, fmt.Errorf("when cleaning up unhealthy replicas, got invalid request to scale down %s/%s %d -> %d", rs.Namespace, rs.Name, replicas(rs), newCount)
		}
		_, updated, err := r.scaleReplicaSet(ctx, rs, newCount, d, false)
		if err != nil {
			return nil, total, err
		}
		total += down
		oldRSs[i] = updated
	}
	return oldRSs, total, nil
}

func (r *Reconciler) scaleDownOldReplicaSetsForRollingUpdate(ctx context.Context, all, oldRSs []*appsv1.ReplicaSet, d *appsv1.Deployment) (int32, error) {
	minAvailable := *d.Spec.Replicas - maxUnavailable(d)
	available := sumAvailable(all)
	if available <= minAvailable {
		return 0, nil
	}
	sortByCreation(oldRSs)
	total := int32(0)
	want := available - minAvailable
	for _, rs := range oldRSs {
		if total >= want {
			break
		}
		if replicas(rs) == 0 {
			continue
		}
		down := min(replicas(rs), want-total)
		if _, _, err := r.scaleReplicaSet(ctx, rs, replicas(rs)-down, d, false); err != nil {
			return total, err
		}
		total += down
	}
	return total, nil
}

// rolloutRecreate scales every old ReplicaSet to zero, waits for their
// pods to be gone, then scales the new one up.
func (r *Reconciler) rolloutRecreate(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet, podMap map[types.UID][]*corev1.Pod, st *syncState) error {
	newRS, oldRSs, err := r.getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	all := append(oldRSs, newRS)
	scaled := false
	for _, rs := range activeReplicaSets(oldRSs) {
		s, _, err := r.scaleReplicaSet(ctx, rs, 0, d, false)
		if err != nil {
			return err
		}
		scaled = scaled || s
	}
	if scaled {
		return r.syncRolloutStatus(ctx, all, newRS, d, st)
	}
	if oldPodsRunning(newRS, oldRSs, podMap) {
		return r.syncRolloutStatus(ctx, all, newRS, d, st)
	}
	if newRS == nil {
		newRS, oldRSs, err = r.getAllReplicaSetsAndSyncRevision(ctx, d, rsList, true)
		if err != nil {
			return err
		}
		all = append(oldRSs, newRS)
	}
	if _, _, err := r.scaleReplicaSet(ctx, newRS, *d.Spec.Replicas, d, false); err != nil {
		return err
	}
	if deploymentComplete(d, &d.Status) {
		if err := r.cleanupDeployment(ctx, oldRSs, d); err != nil {
			return err
		}
	}
	return r.syncRolloutStatus(ctx, all, newRS, d, st)
}

func oldPodsRunning(newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet, podMap map[types.UID][]*corev1.Pod) bool {
	if sumStatus(oldRSs) > 0 {
		return true
	}
	for uid, pods := range podMap {
		if newRS != nil && newRS.UID == uid {
			continue
		}
		for _, p := range pods {
			if p.Status.Phase != corev1.PodFailed && p.Status.Phase != corev1.PodSucceeded {
				return true
			}
		}
	}
	return false
}

// syncRolloutStatus updates the status and the Progressing condition of
// a deployment being rolled out, and plans a progress-deadline check.
func (r *Reconciler) syncRolloutStatus(ctx context.Context, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment, st *syncState) error {
	s := calculateStatus(all, newRS, d)
	if !hasProgressDeadline(d) {
		removeCondition(&s, appsv1.DeploymentProgressing)
	}
	cur := getCondition(d.Status, appsv1.DeploymentProgressing)
	complete := s.Replicas == s.UpdatedReplicas && cur != nil && cur.Reason == NewRSAvailableReason
	if hasProgressDeadline(d) && !complete {
		switch {
		case deploymentComplete(d, &s):
			msg := fmt.Sprintf("Deployment %q has successfully progressed.", d.Name)
			if newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q has successfully progressed.", newRS.Name)
			}
			setCondition(&s, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, NewRSAvailableReason, msg))
		case deploymentProgressing(d, &s):
			msg := fmt.Sprintf("Deployment %q is progressing.", d.Name)
			if newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q is progressing.", newRS.Name)
			}
			c := newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReplicaSetUpdatedReason, msg)
			if cur != nil {
				if cur.Status == corev1.ConditionTrue {
					c.LastTransitionTime = cur.LastTransitionTime
				}
				removeCondition(&s, appsv1.DeploymentProgressing)
			}
			setCondition(&s, c)
		case deploymentTimedOut(d, &s):
			msg := fmt.Sprintf("Deployment %q has timed out progressing.", d.Name)
			if newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q has timed out progressing.", newRS.Name)
			}
			setCondition(&s, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, TimedOutReason, msg))
		}
	}
	if failures := replicaFailures(all, newRS); len(failures) > 0 {
		setCondition(&s, failures[0])
	} else {
		removeCondition(&s, appsv1.DeploymentReplicaFailure)
	}
	if equalStatus(d.Status, s) {
		st.requeueAfter = requeueStuck(d, s)
		return nil
	}
	d.Status = s
	return r.updateStatus(ctx, d)
}

func equalStatus(a, b appsv1.DeploymentStatus) bool { return deepEqual(a, b) }

func replicaFailures(all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) []appsv1.DeploymentCondition {
	var out []appsv1.DeploymentCondition
	if newRS != nil {
		for _, c := range newRS.Status.Conditions {
			if c.Type == appsv1.ReplicaSetReplicaFailure {
				out = append(out, rsConditionToDeployment(c))
			}
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, rs := range all {
		if rs == nil {
			continue
		}
		for _, c := range rs.Status.Conditions {
			if c.Type == appsv1.ReplicaSetReplicaFailure {
				out = append(out, rsConditionToDeployment(c))
			}
		}
	}
	return out
}

// requeueStuck is when to check again whether a rollout that shows no
// progress has passed its deadline (0: no need).
func requeueStuck(d *appsv1.Deployment, s appsv1.DeploymentStatus) time.Duration {
	cur := getCondition(d.Status, appsv1.DeploymentProgressing)
	if !hasProgressDeadline(d) || cur == nil {
		return 0
	}
	if deploymentComplete(d, &s) || cur.Reason == TimedOutReason {
		return 0
	}
	after := cur.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second).Sub(nowFn())
	if after < time.Second {
		return time.Second
	}
	return after + time.Second
}
