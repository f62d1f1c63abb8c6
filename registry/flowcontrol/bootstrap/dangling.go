package bootstrap

import (
	"context"
	"fmt"
	"time"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap"
	flowcontrolapply "k8s.io/client-go/applyconfigurations/flowcontrol/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	flowcontrolclient "k8s.io/client-go/kubernetes/typed/flowcontrol/v1"
	flowcontrollisters "k8s.io/client-go/listers/flowcontrol/v1"
	"k8s.io/client-go/tools/cache"
)

// FieldManager is the field manager upstream's APF config controller
// writes FlowSchema statuses with.
const FieldManager = "api-priority-and-fairness-config-consumer-v1"

// DanglingCondition returns the Dangling condition upstream's APF config
// controller wants on fs, given whether its priority level exists (without
// the transition time).
func DanglingCondition(fs *flowcontrolv1.FlowSchema, plExists bool) flowcontrolv1.FlowSchemaCondition {
	pl := fs.Spec.PriorityLevelConfiguration.Name
	if plExists {
		return flowcontrolv1.FlowSchemaCondition{
			Type:    flowcontrolv1.FlowSchemaConditionDangling,
			Status:  flowcontrolv1.ConditionFalse,
			Reason:  "Found",
			Message: fmt.Sprintf("This FlowSchema references the PriorityLevelConfiguration object named %q and it exists", pl),
		}
	}
	return flowcontrolv1.FlowSchemaCondition{
		Type:    flowcontrolv1.FlowSchemaConditionDangling,
		Status:  flowcontrolv1.ConditionTrue,
		Reason:  "NotFound",
		Message: fmt.Sprintf("This FlowSchema references the PriorityLevelConfiguration object named %q but there is no such object", pl),
	}
}

// RunDanglingConditions maintains the Dangling condition of every
// FlowSchema until ctx is done, as upstream's APF config controller (the
// "priority-and-fairness-filter" consumer in kube-apiserver) does: it
// watches FlowSchemas and PriorityLevelConfigurations and, when a
// FlowSchema's condition is not the wanted one, server-side applies its
// status with a new lastTransitionTime. skiff does not do APF request
// dispatching itself; only this status is kept.
func RunDanglingConditions(ctx context.Context, cs kubernetes.Interface) {
	factory := informers.NewSharedInformerFactory(cs, 0)
	fsInformer := factory.Flowcontrol().V1().FlowSchemas()
	plInformer := factory.Flowcontrol().V1().PriorityLevelConfigurations()
	kick := make(chan struct{}, 1)
	signal := func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(interface{}) { signal() },
		UpdateFunc: func(interface{}, interface{}) { signal() },
		DeleteFunc: func(interface{}) { signal() },
	}
	if _, err := fsInformer.Informer().AddEventHandler(handler); err != nil {
		utilruntime.HandleError(err)
		return
	}
	if _, err := plInformer.Informer().AddEventHandler(handler); err != nil {
		utilruntime.HandleError(err)
		return
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), fsInformer.Informer().HasSynced, plInformer.Informer().HasSynced) {
		return
	}
	signal()
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
		}
		if err := syncDangling(ctx, cs.FlowcontrolV1(), fsInformer.Lister(), plInformer.Lister()); err != nil {
			utilruntime.HandleError(err)
			// Retry later even without a new event.
			go func() {
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
					signal()
				}
			}()
		}
	}
}

func syncDangling(ctx context.Context, client flowcontrolclient.FlowcontrolV1Interface, fsl flowcontrollisters.FlowSchemaLister, pll flowcontrollisters.PriorityLevelConfigurationLister) error {
	fss, err := fsl.List(labels.Everything())
	if err != nil {
		return err
	}
	var last error
	for _, fs := range fss {
		name := fs.Spec.PriorityLevelConfiguration.Name
		_, err := pll.Get(name)
		// Upstream imagines the mandatory priority levels when missing.
		want := DanglingCondition(fs, err == nil || mandatoryPL(name))
		if hasCondition(fs, want) {
			continue
		}
		apply := flowcontrolapply.FlowSchema(fs.Name).WithStatus(flowcontrolapply.FlowSchemaStatus().WithConditions(
			flowcontrolapply.FlowSchemaCondition().
				WithType(want.Type).
				WithStatus(want.Status).
				WithReason(want.Reason).
				WithLastTransitionTime(metav1.Now()).
				WithMessage(want.Message)))
		if _, err := client.FlowSchemas().ApplyStatus(ctx, apply, metav1.ApplyOptions{FieldManager: FieldManager, Force: true}); err != nil {
			last = fmt.Errorf("failed to set a status.condition for FlowSchema %s: %w", fs.Name, err)
		}
	}
	return last
}

func hasCondition(fs *flowcontrolv1.FlowSchema, want flowcontrolv1.FlowSchemaCondition) bool {
	for _, c := range fs.Status.Conditions {
		if c.Type == want.Type {
			return c.Status == want.Status && c.Reason == want.Reason && c.Message == want.Message
		}
	}
	return false
}

func mandatoryPL(name string) bool {
	for _, pl := range bootstrap.MandatoryPriorityLevelConfigurations {
		if pl.Name == name {
			return true
		}
	}
	return false
}
