// Package config holds skiff server's settings. Every setting is a flag, and
// a YAML file given with --config may set the same keys (a key is the flag's
// name); a flag given on the command line wins over the file.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"
)

// Server are the settings of `skiff server`.
type Server struct {
	ConfigFile  string
	DataDir     string
	BindAddress string
	SecurePort  int
	TLSSANs     []string
	EtcdServers []string
	EtcdCAFile  string
	EtcdCert    string
	EtcdKey     string
	EtcdPrefix  string
	// ServiceClusterIPRange is where Service ClusterIPs come from.
	ServiceClusterIPRange string
	// ServiceNodePortRange is where NodePorts come from, "first-last".
	ServiceNodePortRange string
	// UnsafeNoFsync disables fsync in the embedded etcd (benchmarks only).
	UnsafeNoFsync bool
	// SchedulerConfig is a KubeSchedulerConfiguration file for the scheduler.
	SchedulerConfig string
	// DisableScheduler leaves pods to an external scheduler.
	DisableScheduler bool
	// DisableControllers leaves the controllers to a separate process
	// (`skiff controller-manager` or kube-controller-manager).
	DisableControllers bool
	// SimNodes runs that many simulated nodes in the server process.
	SimNodes int
	// DisableKubelet runs no kubelet even where containerd is installed.
	DisableKubelet bool
	// ContainerRuntimeEndpoint is an existing CRI socket for the kubelet;
	// empty starts a private containerd in the data dir.
	ContainerRuntimeEndpoint string
	// NodeName is the kubelet's node (default: the host name).
	NodeName string
	// PodCIDR is the node's pod network.
	PodCIDR string
	// KubeletPort is the kubelet's HTTPS port.
	KubeletPort int
}

// DefaultDataDir is /var/lib/skiff for root and ./.skiff for anyone else, so
// a user can try skiff without privileges and without touching the system.
func DefaultDataDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/skiff"
	}
	return ".skiff"
}

// NewServer returns the defaults.
func NewServer() *Server {
	return &Server{
		DataDir:     DefaultDataDir(),
		BindAddress: "0.0.0.0",
		SecurePort:  6443,
		EtcdPrefix:  "/registry",
		// kubeadm's defaults (upstream kube-apiserver's own is 10.0.0.0/24).
		ServiceClusterIPRange: "10.96.0.0/12",
		ServiceNodePortRange:  "30000-32767",
		PodCIDR:               "10.42.0.0/24",
		KubeletPort:           10250,
	}
}

// AddFlags binds the settings to fs.
func (s *Server) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&s.ConfigFile, "config", s.ConfigFile, "YAML file whose keys are these flags' names; flags given on the command line win")
	fs.StringVar(&s.DataDir, "data-dir", s.DataDir, "directory for etcd data, certificates and the admin kubeconfig (default /var/lib/skiff as root, ./.skiff otherwise)")
	fs.StringVar(&s.BindAddress, "bind-address", s.BindAddress, "address to serve HTTPS on")
	fs.IntVar(&s.SecurePort, "secure-port", s.SecurePort, "port to serve HTTPS on (0 picks a free port)")
	fs.StringSliceVar(&s.TLSSANs, "tls-san", s.TLSSANs, "extra DNS names or IP addresses for the serving certificate")
	fs.StringSliceVar(&s.EtcdServers, "etcd-servers", s.EtcdServers, "external etcd client URLs; when empty an embedded etcd runs in the data dir")
	fs.StringVar(&s.EtcdCAFile, "etcd-cafile", s.EtcdCAFile, "CA file to verify the external etcd servers")
	fs.StringVar(&s.EtcdCert, "etcd-certfile", s.EtcdCert, "client certificate for the external etcd")
	fs.StringVar(&s.EtcdKey, "etcd-keyfile", s.EtcdKey, "client key for the external etcd")
	fs.StringVar(&s.EtcdPrefix, "etcd-prefix", s.EtcdPrefix, "key prefix of every object in etcd")
	fs.StringVar(&s.ServiceClusterIPRange, "service-cluster-ip-range", s.ServiceClusterIPRange, "CIDR from which Service ClusterIPs are allocated")
	fs.StringVar(&s.ServiceNodePortRange, "service-node-port-range", s.ServiceNodePortRange, "port range (first-last, inclusive) from which NodePorts are allocated")
	fs.StringVar(&s.SchedulerConfig, "scheduler-config", s.SchedulerConfig, "KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) file with the scheduler's profiles")
	fs.BoolVar(&s.DisableScheduler, "disable-scheduler", s.DisableScheduler, "do not run skiff's scheduler (e.g. to run upstream kube-scheduler instead)")
	fs.BoolVar(&s.UnsafeNoFsync, "unsafe-no-fsync", s.UnsafeNoFsync, "disable fsync in the embedded etcd; loses data on power failure (benchmarks only)")
	fs.BoolVar(&s.DisableControllers, "disable-controllers", s.DisableControllers, "do not run the controllers; run them apart with `skiff controller-manager` or kube-controller-manager")
	fs.BoolVar(&s.DisableKubelet, "disable-kubelet", s.DisableKubelet, "run no kubelet, even where containerd and runc are installed")
	fs.StringVar(&s.ContainerRuntimeEndpoint, "container-runtime-endpoint", s.ContainerRuntimeEndpoint, "CRI socket of an existing container runtime (unix:///run/containerd/containerd.sock); empty starts a private containerd in the data dir")
	fs.StringVar(&s.NodeName, "node-name", s.NodeName, "the kubelet's node name (default: the host name)")
	fs.StringVar(&s.PodCIDR, "pod-cidr", s.PodCIDR, "this node's pod network (CNI bridge skiff0, host-local IPAM)")
	fs.IntVar(&s.KubeletPort, "kubelet-port", s.KubeletPort, "the kubelet's HTTPS port (logs, exec, port-forward)")
	fs.IntVar(&s.SimNodes, "sim-nodes", s.SimNodes, "run this many simulated nodes (sim-0, sim-1, ...; see `skiff sim nodes`) in the server process")
}

// LoadFile applies the --config file to every flag not set on the command
// line. Unknown keys are an error, so a typo does not go unnoticed.
func LoadFile(fs *pflag.FlagSet, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var values map[string]interface{}
	if err := yaml.Unmarshal(raw, &values); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for key, value := range values {
		f := fs.Lookup(key)
		if f == nil || key == "config" {
			return fmt.Errorf("%s: unknown key %q", path, key)
		}
		if f.Changed {
			continue
		}
		if err := fs.Set(key, flagString(value)); err != nil {
			return fmt.Errorf("%s: %s: %w", path, key, err)
		}
		f.Changed = false
	}
	return nil
}

func flagString(v interface{}) string {
	switch t := v.(type) {
	case []interface{}:
		parts := make([]string, len(t))
		for i, p := range t {
			parts[i] = fmt.Sprint(p)
		}
		return strings.Join(parts, ",")
	case float64:
		if t == float64(int64(t)) {
			return fmt.Sprint(int64(t))
		}
	}
	return fmt.Sprint(v)
}

// KubeconfigPath is where the admin kubeconfig of a data dir lives.
func KubeconfigPath(dataDir string) string {
	return filepath.Join(dataDir, "kubeconfig")
}
