package kubelet

import (
	"encoding/json"
	"net/http"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	stats "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
)

// serveSummary is /stats/summary: the node's and each pod's CPU, memory
// and filesystem use, from /proc and the runtime's container stats (the
// Summary API metrics-server reads).
func (k *Kubelet) serveSummary(w http.ResponseWriter, r *http.Request) {
	now := metav1.Now()
	total, avail := meminfo()
	used := uint64(max(0, total-avail))
	var fs syscall.Statfs_t
	_ = syscall.Statfs(k.opts.RootDir, &fs)
	capBytes, availBytes := fs.Blocks*uint64(fs.Bsize), fs.Bavail*uint64(fs.Bsize)
	usedBytes := capBytes - fs.Bfree*uint64(fs.Bsize)
	sum := stats.Summary{
		Node: stats.NodeStats{
			NodeName:  k.opts.NodeName,
			StartTime: metav1.NewTime(bootTime()),
			Memory: &stats.MemoryStats{
				Time: now, AvailableBytes: u64(uint64(avail)), UsageBytes: &used, WorkingSetBytes: &used,
			},
			Fs: &stats.FsStats{Time: now, CapacityBytes: &capBytes, AvailableBytes: &availBytes, UsedBytes: &usedBytes},
		},
	}
	cs, err := k.runtime.ListContainerStats(r.Context(), &runtimeapi.ContainerStatsFilter{})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	byPod := map[string]*stats.PodStats{}
	var order []string
	for _, c := range cs {
		a := c.GetAttributes()
		uid := a.GetLabels()[labelPodUID]
		if uid == "" {
			continue
		}
		p := byPod[uid]
		if p == nil {
			p = &stats.PodStats{PodRef: stats.PodReference{
				Name: a.Labels[labelPodName], Namespace: a.Labels[labelPodNamespace], UID: uid,
			}, StartTime: now}
			byPod[uid] = p
			order = append(order, uid)
		}
		ctr := stats.ContainerStats{Name: a.GetMetadata().GetName(), StartTime: metav1.NewTime(time.Unix(0, c.GetCpu().GetTimestamp()))}
		if cpu := c.GetCpu(); cpu != nil {
			ctr.CPU = &stats.CPUStats{Time: metav1.NewTime(time.Unix(0, cpu.Timestamp))}
			if cpu.UsageCoreNanoSeconds != nil {
				ctr.CPU.UsageCoreNanoSeconds = u64(cpu.UsageCoreNanoSeconds.Value)
			}
			if cpu.UsageNanoCores != nil {
				ctr.CPU.UsageNanoCores = u64(cpu.UsageNanoCores.Value)
			}
		}
		if m := c.GetMemory(); m != nil {
			ctr.Memory = &stats.MemoryStats{Time: metav1.NewTime(time.Unix(0, m.Timestamp))}
			if m.WorkingSetBytes != nil {
				ctr.Memory.WorkingSetBytes = u64(m.WorkingSetBytes.Value)
			}
			if m.UsageBytes != nil {
				ctr.Memory.UsageBytes = u64(m.UsageBytes.Value)
			}
		}
		p.Containers = append(p.Containers, ctr)
	}
	for _, uid := range order {
		sum.Pods = append(sum.Pods, *byPod[uid])
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(&sum)
}

func u64(v uint64) *uint64 { return &v }

func bootTime() time.Time {
	var info syscall.Sysinfo_t
	if err := syscall.Sysinfo(&info); err != nil {
		return time.Now()
	}
	return time.Now().Add(-time.Duration(info.Uptime) * time.Second)
}
