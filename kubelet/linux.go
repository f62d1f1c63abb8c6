package kubelet

import (
	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/skiff-k8s/skiff/kubelet/envvars"
)

const (
	cpuPeriod = 100000 // µs, the CFS period upstream uses
	minShares = 2
)

// Upstream's default masked and read-only paths for unprivileged
// containers (the runtime applies what the kubelet sends, nothing else).
var (
	defaultMaskedPaths = []string{
		"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
	}
	defaultReadonlyPaths = []string{
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	}
)

// linuxContainerConfig turns requests and limits into cgroup settings
// (CPU shares from requests, CFS quota and memory limit from limits) and
// the security context into the runtime's.
func (k *Kubelet) linuxContainerConfig(pod *v1.Pod, c *v1.Container) *runtimeapi.LinuxContainerConfig {
	res := &runtimeapi.LinuxContainerResources{CpuShares: minShares, CpuPeriod: cpuPeriod}
	if q, ok := c.Resources.Requests[v1.ResourceCPU]; ok {
		res.CpuShares = max(minShares, q.MilliValue()*1024/1000)
	} else if q, ok := c.Resources.Limits[v1.ResourceCPU]; ok {
		res.CpuShares = max(minShares, q.MilliValue()*1024/1000)
	}
	if q, ok := c.Resources.Limits[v1.ResourceCPU]; ok {
		res.CpuQuota = max(1000, q.MilliValue()*cpuPeriod/1000)
	}
	if q, ok := c.Resources.Limits[v1.ResourceMemory]; ok {
		res.MemoryLimitInBytes = q.Value()
	}
	res.OomScoreAdj = oomScoreAdj(pod, c, k.node.memoryCapacity())
	sc := &runtimeapi.LinuxContainerSecurityContext{NamespaceOptions: namespaceOptions(pod)}
	psc := pod.Spec.SecurityContext
	if psc != nil {
		if psc.RunAsUser != nil {
			sc.RunAsUser = &runtimeapi.Int64Value{Value: *psc.RunAsUser}
		}
		if psc.RunAsGroup != nil {
			sc.RunAsGroup = &runtimeapi.Int64Value{Value: *psc.RunAsGroup}
		}
		sc.SupplementalGroups = psc.SupplementalGroups
		if psc.FSGroup != nil {
			sc.SupplementalGroups = append(sc.SupplementalGroups, *psc.FSGroup)
		}
	}
	if csc := c.SecurityContext; csc != nil {
		if csc.RunAsUser != nil {
			sc.RunAsUser = &runtimeapi.Int64Value{Value: *csc.RunAsUser}
		}
		if csc.RunAsGroup != nil {
			sc.RunAsGroup = &runtimeapi.Int64Value{Value: *csc.RunAsGroup}
		}
		if csc.Privileged != nil {
			sc.Privileged = *csc.Privileged
		}
		if csc.ReadOnlyRootFilesystem != nil {
			sc.ReadonlyRootfs = *csc.ReadOnlyRootFilesystem
		}
		if csc.AllowPrivilegeEscalation != nil {
			sc.NoNewPrivs = !*csc.AllowPrivilegeEscalation
		}
		if caps := csc.Capabilities; caps != nil {
			sc.Capabilities = &runtimeapi.Capability{}
			for _, a := range caps.Add {
				sc.Capabilities.AddCapabilities = append(sc.Capabilities.AddCapabilities, string(a))
			}
			for _, d := range caps.Drop {
				sc.Capabilities.DropCapabilities = append(sc.Capabilities.DropCapabilities, string(d))
			}
		}
	}
	if !sc.Privileged {
		sc.MaskedPaths, sc.ReadonlyPaths = defaultMaskedPaths, defaultReadonlyPaths
	}
	return &runtimeapi.LinuxContainerConfig{Resources: res, SecurityContext: sc}
}

// oomScoreAdj follows upstream's QoS policy: guaranteed pods are killed
// last, best-effort first, burstable in proportion to their request.
func oomScoreAdj(pod *v1.Pod, c *v1.Container, memoryCapacity int64) int64 {
	switch pod.Status.QOSClass {
	case v1.PodQOSGuaranteed:
		return -997
	case v1.PodQOSBestEffort:
		return 1000
	}
	req := c.Resources.Requests.Memory().Value()
	if memoryCapacity <= 0 {
		return 999
	}
	adj := 1000 - (1000*req)/memoryCapacity
	return min(max(adj, 2), 999)
}

func expandVars(s string, vars map[string]string) string {
	return envvars.Expand(s, envvars.MappingFor(vars))
}
