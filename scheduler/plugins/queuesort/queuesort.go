// Package queuesort is the PrioritySort plugin: the active queue pops
// higher-priority pods first, then the ones that waited longest.
package queuesort

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
)

// Name of the plugin.
const Name = "PrioritySort"

// PrioritySort orders pods by priority, then queue time.
type PrioritySort struct{}

// New builds the plugin.
func New(context.Context, runtime.Object, fw.Handle) (fw.Plugin, error) { return &PrioritySort{}, nil }

// Name implements Plugin.
func (*PrioritySort) Name() string { return Name }

// Less implements QueueSortPlugin.
func (*PrioritySort) Less(a, b *fw.QueuedPodInfo) bool {
	pa, pb := corev1helpers.PodPriority(a.Pod), corev1helpers.PodPriority(b.Pod)
	return pa > pb || pa == pb && a.Timestamp.Before(b.Timestamp)
}
