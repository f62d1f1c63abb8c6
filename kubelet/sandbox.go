package kubelet

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// createSandbox starts the pod's sandbox: its network namespace (set up
// by CNI in the runtime), cgroup and shared namespaces.
func (k *Kubelet) createSandbox(ctx context.Context, pod *v1.Pod, rt *podRuntime) error {
	// Containers of a dead sandbox go with it; the new one reruns them.
	for _, st := range rt.running() {
		_ = k.runtime.StopContainer(ctx, st.Id, 0)
	}
	for _, sb := range rt.sandboxes {
		_ = k.runtime.StopPodSandbox(ctx, sb.Id)
	}
	attempt := uint32(len(rt.sandboxes))
	cfg := k.sandboxConfig(pod, attempt)
	if err := os.MkdirAll(cfg.LogDirectory, 0o755); err != nil {
		return err
	}
	_, err := k.runtime.RunPodSandbox(ctx, cfg, runtimeHandler(pod))
	return err
}

func runtimeHandler(pod *v1.Pod) string {
	if pod.Spec.RuntimeClassName != nil {
		return *pod.Spec.RuntimeClassName
	}
	return ""
}

// sandboxConfig is the CRI request for the pod's sandbox. It is also
// passed with every CreateContainer, so it must not change between calls.
func (k *Kubelet) sandboxConfig(pod *v1.Pod, attempt uint32) *runtimeapi.PodSandboxConfig {
	labels := map[string]string{}
	for k, v := range pod.Labels {
		labels[k] = v
	}
	labels[labelPodUID] = string(pod.UID)
	labels[labelPodName] = pod.Name
	labels[labelPodNamespace] = pod.Namespace
	annotations := map[string]string{}
	for k, v := range pod.Annotations {
		annotations[k] = v
	}
	hostname := pod.Name
	if pod.Spec.Hostname != "" {
		hostname = pod.Spec.Hostname
	}
	if len(hostname) > 63 {
		hostname = strings.TrimRight(hostname[:63], "-.")
	}
	if pod.Spec.HostNetwork {
		hostname, _ = os.Hostname()
	}
	var ports []*runtimeapi.PortMapping
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			ports = append(ports, &runtimeapi.PortMapping{
				Protocol: protocol(p.Protocol), ContainerPort: p.ContainerPort, HostPort: p.HostPort, HostIp: p.HostIP,
			})
		}
	}
	sc := &runtimeapi.LinuxSandboxSecurityContext{NamespaceOptions: namespaceOptions(pod)}
	if psc := pod.Spec.SecurityContext; psc != nil {
		if psc.RunAsUser != nil {
			sc.RunAsUser = &runtimeapi.Int64Value{Value: *psc.RunAsUser}
		}
		if psc.RunAsGroup != nil {
			sc.RunAsGroup = &runtimeapi.Int64Value{Value: *psc.RunAsGroup}
		}
		sc.SupplementalGroups = psc.SupplementalGroups
	}
	for _, c := range append(append([]v1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
			sc.Privileged = true
		}
	}
	var sysctls map[string]string
	if pod.Spec.SecurityContext != nil && len(pod.Spec.SecurityContext.Sysctls) > 0 {
		sysctls = map[string]string{}
		for _, s := range pod.Spec.SecurityContext.Sysctls {
			sysctls[s.Name] = s.Value
		}
	}
	return &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: pod.Name, Namespace: pod.Namespace, Uid: string(pod.UID), Attempt: attempt},
		Hostname:     hostname,
		LogDirectory: k.podLogDir(pod.Namespace, pod.Name, pod.UID),
		DnsConfig:    dnsConfig(pod),
		PortMappings: ports,
		Labels:       labels,
		Annotations:  annotations,
		Linux: &runtimeapi.LinuxPodSandboxConfig{
			CgroupParent:    cgroupParent(pod),
			SecurityContext: sc,
			Sysctls:         sysctls,
		},
	}
}

func protocol(p v1.Protocol) runtimeapi.Protocol {
	switch p {
	case v1.ProtocolUDP:
		return runtimeapi.Protocol_UDP
	case v1.ProtocolSCTP:
		return runtimeapi.Protocol_SCTP
	}
	return runtimeapi.Protocol_TCP
}

func namespaceOptions(pod *v1.Pod) *runtimeapi.NamespaceOption {
	ns := &runtimeapi.NamespaceOption{
		Network: runtimeapi.NamespaceMode_POD,
		Pid:     runtimeapi.NamespaceMode_CONTAINER,
		Ipc:     runtimeapi.NamespaceMode_POD,
	}
	if pod.Spec.HostNetwork {
		ns.Network = runtimeapi.NamespaceMode_NODE
	}
	if pod.Spec.HostPID {
		ns.Pid = runtimeapi.NamespaceMode_NODE
	} else if pod.Spec.ShareProcessNamespace != nil && *pod.Spec.ShareProcessNamespace {
		ns.Pid = runtimeapi.NamespaceMode_POD
	}
	if pod.Spec.HostIPC {
		ns.Ipc = runtimeapi.NamespaceMode_NODE
	}
	return ns
}

// cgroupParent places the pod under upstream's QoS hierarchy (cgroupfs
// driver): /kubepods/pod<uid>, /kubepods/burstable/pod<uid>,
// /kubepods/besteffort/pod<uid>.
func cgroupParent(pod *v1.Pod) string {
	pod2 := "pod" + string(pod.UID)
	switch pod.Status.QOSClass {
	case v1.PodQOSGuaranteed:
		return "/kubepods/" + pod2
	case v1.PodQOSBestEffort:
		return "/kubepods/besteffort/" + pod2
	}
	return "/kubepods/burstable/" + pod2
}

// dnsConfig gives pods the host's resolvers: skiff runs no cluster DNS,
// and upstream's kubelet also falls back to the Default policy when
// ClusterFirst has no cluster DNS to point at.
func dnsConfig(pod *v1.Pod) *runtimeapi.DNSConfig {
	if pod.Spec.DNSPolicy == v1.DNSNone {
		cfg := &runtimeapi.DNSConfig{}
		if d := pod.Spec.DNSConfig; d != nil {
			cfg.Servers, cfg.Searches = d.Nameservers, d.Searches
			for _, o := range d.Options {
				if o.Value != nil {
					cfg.Options = append(cfg.Options, o.Name+":"+*o.Value)
				} else {
					cfg.Options = append(cfg.Options, o.Name)
				}
			}
		}
		return cfg
	}
	cfg := &runtimeapi.DNSConfig{}
	f, err := os.Open("/etc/resolv.conf")
	if err != nil {
		return cfg
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch fields[0] {
		case "nameserver":
			cfg.Servers = append(cfg.Servers, fields[1])
		case "search":
			cfg.Searches = fields[1:]
		case "options":
			cfg.Options = fields[1:]
		}
	}
	if d := pod.Spec.DNSConfig; d != nil {
		cfg.Servers = append(cfg.Servers, d.Nameservers...)
		cfg.Searches = append(cfg.Searches, d.Searches...)
	}
	return cfg
}

// containerMounts maps the container's volumeMounts onto the pod's
// volume directories, plus the pod's /etc/hosts.
func (k *Kubelet) containerMounts(pod *v1.Pod, c *v1.Container, vars map[string]string) ([]*runtimeapi.Mount, error) {
	w := k.workerOf(pod.UID)
	var out []*runtimeapi.Mount
	hasHosts := false
	for _, vm := range c.VolumeMounts {
		m, ok := w.mount(vm.Name)
		if !ok {
			return nil, fmt.Errorf("cannot find volume %q to mount into container %q", vm.Name, c.Name)
		}
		host := m.HostPath
		sub := vm.SubPath
		if vm.SubPathExpr != "" {
			sub = expandVars(vm.SubPathExpr, vars)
		}
		if sub != "" {
			if filepath.IsAbs(sub) || strings.Contains(filepath.Clean(sub), "..") {
				return nil, fmt.Errorf("subpath %q must be a relative path without ..", sub)
			}
			host = filepath.Join(host, sub)
			if _, err := os.Stat(host); os.IsNotExist(err) {
				if err := os.MkdirAll(host, 0o750); err != nil {
					return nil, err
				}
			}
		}
		if vm.MountPath == "/etc/hosts" {
			hasHosts = true
		}
		mnt := &runtimeapi.Mount{ContainerPath: vm.MountPath, HostPath: host, Readonly: vm.ReadOnly || m.ReadOnly}
		if vm.MountPropagation != nil {
			switch *vm.MountPropagation {
			case v1.MountPropagationHostToContainer:
				mnt.Propagation = runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER
			case v1.MountPropagationBidirectional:
				mnt.Propagation = runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL
			}
		}
		out = append(out, mnt)
	}
	if !hasHosts && !pod.Spec.HostNetwork {
		hosts, err := k.writeHosts(pod)
		if err != nil {
			return nil, err
		}
		out = append(out, &runtimeapi.Mount{ContainerPath: "/etc/hosts", HostPath: hosts})
	}
	return out, nil
}

// writeHosts writes the kubelet-managed /etc/hosts upstream gives pods.
func (k *Kubelet) writeHosts(pod *v1.Pod) (string, error) {
	path := filepath.Join(k.podDir(pod.UID), "etc-hosts")
	hostname := pod.Name
	if pod.Spec.Hostname != "" {
		hostname = pod.Spec.Hostname
	}
	var b strings.Builder
	b.WriteString("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n")
	if ip := k.podIP(pod.UID); ip != "" {
		fqdn := hostname
		if pod.Spec.Subdomain != "" {
			fqdn = fmt.Sprintf("%s.%s.%s.svc.cluster.local\t%s", hostname, pod.Spec.Subdomain, pod.Namespace, hostname)
		}
		fmt.Fprintf(&b, "%s\t%s\n", ip, fqdn)
	}
	for _, ha := range pod.Spec.HostAliases {
		fmt.Fprintf(&b, "\n# Entries added by HostAliases.\n%s\t%s\n", ha.IP, strings.Join(ha.Hostnames, "\t"))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}
