package replicaset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Kind is the workload a Reconciler manages. Upstream runs the
// ReplicationController controller as the ReplicaSet controller over
// converted objects; so does skiff: each kind reads its objects as
// ReplicaSets and writes the computed status back in its own shape.
type Kind interface {
	GVK() schema.GroupVersionKind
	// Name is the controller's name; EventSource the component of its events.
	Name() string
	EventSource() string
	New() client.Object
	// AsReplicaSet views obj as a ReplicaSet (a copy; the same UID, name,
	// generation and resourceVersion).
	AsReplicaSet(obj client.Object) *appsv1.ReplicaSet
	// SetStatus writes s into obj's status.
	SetStatus(obj client.Object, s appsv1.ReplicaSetStatus)
	// FitStatus is what of s the kind can hold, so comparing it with the
	// stored status shows real changes only.
	FitStatus(s appsv1.ReplicaSetStatus) appsv1.ReplicaSetStatus
	// List returns the objects of a namespace as ReplicaSets.
	List(ctx context.Context, c client.Reader, ns string) ([]*appsv1.ReplicaSet, error)
}

// ReplicaSets is the apps/v1 ReplicaSet kind.
type ReplicaSets struct{}

func (ReplicaSets) GVK() schema.GroupVersionKind {
	return appsv1.SchemeGroupVersion.WithKind("ReplicaSet")
}
func (ReplicaSets) Name() string        { return "replicaset" }
func (ReplicaSets) EventSource() string { return "replicaset-controller" }
func (ReplicaSets) New() client.Object  { return &appsv1.ReplicaSet{} }

func (ReplicaSets) AsReplicaSet(obj client.Object) *appsv1.ReplicaSet {
	return obj.(*appsv1.ReplicaSet).DeepCopy()
}

func (ReplicaSets) SetStatus(obj client.Object, s appsv1.ReplicaSetStatus) {
	obj.(*appsv1.ReplicaSet).Status = s
}

func (ReplicaSets) FitStatus(s appsv1.ReplicaSetStatus) appsv1.ReplicaSetStatus { return s }

func (ReplicaSets) List(ctx context.Context, c client.Reader, ns string) ([]*appsv1.ReplicaSet, error) {
	list := &appsv1.ReplicaSetList{}
	if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	out := make([]*appsv1.ReplicaSet, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

// ReplicationControllers is the core/v1 ReplicationController kind: its
// map selector becomes matchLabels, its status the same counters.
type ReplicationControllers struct{}

func (ReplicationControllers) GVK() schema.GroupVersionKind {
	return corev1.SchemeGroupVersion.WithKind("ReplicationController")
}
func (ReplicationControllers) Name() string        { return "replicationcontroller" }
func (ReplicationControllers) EventSource() string { return "replication-controller" }
func (ReplicationControllers) New() client.Object  { return &corev1.ReplicationController{} }

func (ReplicationControllers) AsReplicaSet(obj client.Object) *appsv1.ReplicaSet {
	rc := obj.(*corev1.ReplicationController)
	rs := &appsv1.ReplicaSet{ObjectMeta: *rc.ObjectMeta.DeepCopy()}
	rs.Spec.Replicas = rc.Spec.Replicas
	rs.Spec.MinReadySeconds = rc.Spec.MinReadySeconds
	if rc.Spec.Selector != nil {
		rs.Spec.Selector = &metav1.LabelSelector{MatchLabels: rc.Spec.Selector}
	}
	if rc.Spec.Template != nil {
		rs.Spec.Template = *rc.Spec.Template.DeepCopy()
	}
	s := rc.Status
	rs.Status = appsv1.ReplicaSetStatus{
		Replicas: s.Replicas, FullyLabeledReplicas: s.FullyLabeledReplicas, ReadyReplicas: s.ReadyReplicas,
		AvailableReplicas: s.AvailableReplicas, ObservedGeneration: s.ObservedGeneration,
	}
	for _, c := range s.Conditions {
		rs.Status.Conditions = append(rs.Status.Conditions, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetConditionType(c.Type), Status: c.Status, LastTransitionTime: c.LastTransitionTime,
			Reason: c.Reason, Message: c.Message,
		})
	}
	return rs
}

// FitStatus drops terminatingReplicas, which a ReplicationController does
// not have.
func (ReplicationControllers) FitStatus(s appsv1.ReplicaSetStatus) appsv1.ReplicaSetStatus {
	s.TerminatingReplicas = nil
	return s
}

func (ReplicationControllers) SetStatus(obj client.Object, s appsv1.ReplicaSetStatus) {
	rc := obj.(*corev1.ReplicationController)
	rc.Status = corev1.ReplicationControllerStatus{
		Replicas: s.Replicas, FullyLabeledReplicas: s.FullyLabeledReplicas, ReadyReplicas: s.ReadyReplicas,
		AvailableReplicas: s.AvailableReplicas, ObservedGeneration: s.ObservedGeneration,
	}
	for _, c := range s.Conditions {
		rc.Status.Conditions = append(rc.Status.Conditions, corev1.ReplicationControllerCondition{
			Type: corev1.ReplicationControllerConditionType(c.Type), Status: c.Status, LastTransitionTime: c.LastTransitionTime,
			Reason: c.Reason, Message: c.Message,
		})
	}
}

func (k ReplicationControllers) List(ctx context.Context, c client.Reader, ns string) ([]*appsv1.ReplicaSet, error) {
	list := &corev1.ReplicationControllerList{}
	if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	out := make([]*appsv1.ReplicaSet, len(list.Items))
	for i := range list.Items {
		out[i] = k.AsReplicaSet(&list.Items[i])
	}
	return out, nil
}
