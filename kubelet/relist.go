package kubelet

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
)

// relistPeriod is upstream's PLEG relist period.
const relistPeriod = time.Second

// relistLoop lists the runtime's sandboxes and containers every second
// and wakes the worker of each pod whose containers changed state (a
// container exited, say). Pods the runtime has and the kubelet has no
// worker for — left from before a restart — get one, which adopts them
// or, when the API has forgotten them, removes them.
func (k *Kubelet) relistLoop(ctx context.Context) {
	t := time.NewTicker(relistPeriod)
	defer t.Stop()
	for {
		k.relist(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (k *Kubelet) relist(ctx context.Context) {
	sbs, err := k.runtime.ListPodSandbox(ctx, nil)
	if err != nil {
		klog.FromContext(ctx).V(2).Info("Relisting sandboxes failed", "err", err)
		return
	}
	cs, err := k.runtime.ListContainers(ctx, nil)
	if err != nil {
		return
	}
	seen := map[types.UID][]string{}
	meta := map[types.UID][2]string{}
	for _, sb := range sbs {
		uid := types.UID(sb.Labels[labelPodUID])
		if uid == "" {
			continue // not ours
		}
		seen[uid] = append(seen[uid], fmt.Sprintf("s%s=%d", sb.Id, sb.State))
		meta[uid] = [2]string{sb.Metadata.Namespace, sb.Metadata.Name}
	}
	for _, c := range cs {
		uid := types.UID(c.Labels[labelPodUID])
		if uid == "" {
			continue
		}
		seen[uid] = append(seen[uid], fmt.Sprintf("c%s=%d", c.Id, c.State))
	}
	for uid, parts := range seen {
		sort.Strings(parts)
		fp := strings.Join(parts, ",")
		k.mu.Lock()
		changed := k.lastSeen[uid] != fp
		k.lastSeen[uid] = fp
		w := k.workers[uid]
		k.mu.Unlock()
		if w == nil {
			m := meta[uid]
			if m[1] == "" {
				continue
			}
			w = k.ensureWorker(ctx, uid, m[0], m[1], nil)
			changed = true
		}
		if changed {
			w.kick()
		}
	}
}
