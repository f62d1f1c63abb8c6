package priorityclass

import (
	"context"
	"errors"
	"fmt"
	"time"

	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"
	schedulingclient "k8s.io/client-go/kubernetes/typed/scheduling/v1"
)

func metav1ObjectMeta(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name} }

// PostStartHookName is upstream's name for the hook that creates the
// system priority classes.
const PostStartHookName = "scheduling/bootstrap-system-priority-classes"

// PostStartHook creates the system priority classes through the loopback
// client, retrying for 30 seconds as kube-apiserver does. Register it with
// GenericAPIServer.AddPostStartHookOrDie(PostStartHookName, PostStartHook).
func PostStartHook(hookCtx genericapiserver.PostStartHookContext) error {
	client, err := schedulingclient.NewForConfig(hookCtx.LoopbackClientConfig)
	if err != nil {
		return err
	}
	err = wait.PollUntilContextTimeout(hookCtx, time.Second, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := Bootstrap(ctx, client); err != nil {
			if apierrors.IsServiceUnavailable(err) || !apierrors.IsInvalid(err) {
				return false, nil
			}
			return false, err
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("unable to add default system priority classes: %v", err)
	}
	return nil
}

// Bootstrap creates whichever system priority classes are missing.
func Bootstrap(ctx context.Context, client schedulingclient.PriorityClassesGetter) error {
	for _, pc := range SystemPriorityClasses() {
		_, err := client.PriorityClasses().Get(ctx, pc.Name, metav1.GetOptions{})
		if err == nil {
			continue
		}
		if !apierrors.IsNotFound(err) {
			return err
		}
		if _, err := client.PriorityClasses().Create(ctx, pc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}

// Delete refuses to delete the system priority classes, as upstream.
func (r *REST) Delete(ctx context.Context, name string, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	for _, pc := range SystemPriorityClasses() {
		if name == pc.Name {
			return nil, false, apierrors.NewForbidden(schedulingv1.Resource("priorityclasses"), name, errors.New("this is a system priority class and cannot be deleted"))
		}
	}
	return r.Store.Delete(ctx, name, deleteValidation, options)
}
