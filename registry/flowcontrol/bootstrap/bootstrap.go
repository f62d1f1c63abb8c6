// Package bootstrap creates the mandatory and suggested API Priority and
// Fairness objects (FlowSchemas and PriorityLevelConfigurations) that
// kube-apiserver maintains, from k8s.io/apiserver's bootstrap definitions.
//
// Upstream keeps them up to date continuously (the APF config producer
// honouring the apf.kubernetes.io/autoupdate-spec annotation); this only
// creates the missing ones, which is what a fresh cluster shows.
package bootstrap

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
	flowcontrolclient "k8s.io/client-go/kubernetes/typed/flowcontrol/v1"
)

// PostStartHookName is upstream's name for the hook that maintains the
// APF configuration objects.
const PostStartHookName = "priority-and-fairness-config-producer"

// PostStartHook creates the APF objects through the loopback client,
// retrying for 30 seconds, and starts maintaining the FlowSchemas' Dangling
// condition (RunDanglingConditions) for the life of the server. Register it with
// GenericAPIServer.AddPostStartHookOrDie(PostStartHookName, PostStartHook).
func PostStartHook(hookCtx genericapiserver.PostStartHookContext) error {
	cs, err := kubernetes.NewForConfig(hookCtx.LoopbackClientConfig)
	if err != nil {
		return err
	}
	client := cs.FlowcontrolV1()
	go RunDanglingConditions(hookCtx, cs)
	var last error
	err = wait.PollUntilContextTimeout(hookCtx, time.Second, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		last = Ensure(ctx, client)
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("unable to create the APF configuration objects: %v (last error: %v)", err, last)
	}
	return nil
}

// Ensure creates whichever mandatory and suggested objects are missing.
func Ensure(ctx context.Context, client flowcontrolclient.FlowcontrolV1Interface) error {
	pls := append(append(bootstrap.MandatoryPriorityLevelConfigurations[:0:0], bootstrap.MandatoryPriorityLevelConfigurations...), bootstrap.SuggestedPriorityLevelConfigurations...)
	for _, pl := range pls {
		if _, err := client.PriorityLevelConfigurations().Create(ctx, pl.DeepCopy(), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	fss := append(append(bootstrap.MandatoryFlowSchemas[:0:0], bootstrap.MandatoryFlowSchemas...), bootstrap.SuggestedFlowSchemas...)
	for _, fs := range fss {
		if _, err := client.FlowSchemas().Create(ctx, fs.DeepCopy(), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}
