// Package defaultbinder binds pods through the pods/binding subresource.
package defaultbinder

import (
	"context"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
)

// Name of the plugin.
const Name = "DefaultBinder"

// DefaultBinder posts a Binding.
type DefaultBinder struct{ h fw.Handle }

// New builds the plugin.
func New(_ context.Context, _ runtime.Object, h fw.Handle) (fw.Plugin, error) {
	return &DefaultBinder{h: h}, nil
}

// Name implements Plugin.
func (*DefaultBinder) Name() string { return Name }

// Bind implements BindPlugin.
func (b *DefaultBinder) Bind(ctx context.Context, _ *fw.CycleState, p *v1.Pod, node string) *fw.Status {
	binding := &v1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name, UID: p.UID},
		Target:     v1.ObjectReference{Kind: "Node", Name: node},
	}
	if err := b.h.ClientSet().CoreV1().Pods(p.Namespace).Bind(ctx, binding, metav1.CreateOptions{}); err != nil {
		return fw.AsStatus(err)
	}
	return nil
}
