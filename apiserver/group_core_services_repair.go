package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/registry/generic"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"

	"github.com/skiff-k8s/skiff/registry/core/service/ipallocator"
	"github.com/skiff-k8s/skiff/registry/core/service/portallocator"
)

// serviceRepairHookName is upstream's name for the hook starting the
// ClusterIP and NodePort repair controllers.
const serviceRepairHookName = "start-service-ip-repair-controllers"

// serviceRepairInterval is how often the repairs run after the first pass
// (3 minutes, as kube-apiserver).
var serviceRepairInterval = 3 * time.Minute

// serviceRepairHook is the post-start hook reconciling the allocations of
// ClusterIPs (IPAddress objects) and NodePorts (the bitmap) with the
// Services stored, as kube-apiserver's repair controllers: the server is
// not ready until a first pass of both succeeded (failing after a minute),
// then they run again every serviceRepairInterval, and sooner when a young
// IPAddress referencing no Service waits for its grace period.
//
// Register it with
// kube.AddPostStartHookOrDie(serviceRepairHookName, serviceRepairHook(c.RESTOptionsGetter)).
func serviceRepairHook(opts generic.RESTOptionsGetter) genericapiserver.PostStartHookFunc {
	return func(hook genericapiserver.PostStartHookContext) error {
		client, err := kubernetes.NewForConfig(hook.LoopbackClientConfig)
		if err != nil {
			return err
		}
		ports, err := portallocator.New(opts)
		if err != nil {
			return err
		}
		var cidrs []netip.Prefix
		if p, err := netip.ParsePrefix(ipallocator.ServiceCIDR); err == nil {
			cidrs = append(cidrs, p.Masked())
		}
		broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: client.EventsV1()})
		if err := broadcaster.StartRecordingToSinkWithContext(hook); err != nil {
			ports.Destroy()
			return err
		}
		ipRepair := &ipallocator.Repair{
			Client:   client,
			Recorder: broadcaster.NewRecorder(scheme.Scheme, ipallocator.RepairControllerName),
			CIDRs:    cidrs,
		}
		portRepair := &portallocator.Repair{
			Alloc:    ports,
			Services: client.CoreV1(),
			Recorder: broadcaster.NewRecorder(scheme.Scheme, portallocator.RepairControllerName),
		}
		// pass runs both repairs and says when to run again.
		pass := func(ctx context.Context) (time.Duration, error) {
			next := serviceRepairInterval
			res, ipErr := ipRepair.RunOnce(ctx)
			if ipErr == nil && res.Recheck > 0 && res.Recheck < next {
				next = res.Recheck
			}
			_, portErr := portRepair.RunOnce(ctx)
			return next, errors.Join(ipErr, portErr)
		}

		var next time.Duration
		err = wait.PollUntilContextTimeout(hook, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			n, err := pass(ctx)
			if err != nil {
				klog.Warningf("repairing Service allocations: %v (retrying)", err)
				return false, nil
			}
			next = n
			return true, nil
		})
		if err != nil {
			broadcaster.Shutdown()
			ports.Destroy()
			return fmt.Errorf("unable to perform initial IP and Port allocation check: %w", err)
		}
		go func() {
			defer ports.Destroy()
			defer broadcaster.Shutdown()
			for {
				select {
				case <-hook.Done():
					return
				case <-time.After(next):
				}
				n, err := pass(hook)
				if err != nil {
					klog.Warningf("repairing Service allocations: %v", err)
					n = serviceRepairInterval
				}
				next = n
			}
		}()
		return nil
	}
}
