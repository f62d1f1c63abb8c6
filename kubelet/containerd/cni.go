package containerd

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
)

// cniPlugins are the plugins WriteCNIConfig's conflist calls.
var cniPlugins = []string{"bridge", "host-local", "portmap", "loopback"}

// CNIConfigFile is the name WriteCNIConfig writes in the conf dir. The CRI
// plugin loads the lexically first conflist there (max_conf_num = 1), so the
// "10-" prefix keeps it ahead of anything written later.
const CNIConfigFile = "10-skiff.conflist"

// WriteCNIConfig writes the "skiff" conflist into confDir: pods get a veth on
// the Linux bridge bridgeName (created by the plugin, which is also the pods'
// gateway with masquerading for traffic leaving podCIDR), an address from
// podCIDR allocated by host-local, hostPort support from portmap and a
// loopback interface. This is the shape of upstream containerd's
// "containerd-net" example; cniVersion 1.0.0 is understood by the Debian
// plugins (1.1.1) and containerd 1.6's libcni.
func WriteCNIConfig(confDir, bridgeName, podCIDR string) error {
	if _, _, err := net.ParseCIDR(podCIDR); err != nil {
		return fmt.Errorf("cni: pod CIDR: %w", err)
	}
	if bridgeName == "" || len(bridgeName) > 15 {
		return fmt.Errorf("cni: bridge name %q must be 1 to 15 characters (IFNAMSIZ)", bridgeName)
	}
	// host-local keeps its leases next to the conf dir, in the node's own
	// data dir, not in the machine-wide /var/lib/cni: two nodes on one
	// machine (tests, an agent beside a server) never share them.
	ipamDir, err := filepath.Abs(filepath.Join(confDir, "..", "ipam"))
	if err != nil {
		return err
	}
	// One masquerade rule for the whole pod network, installed here, saves
	// the bridge plugin's per-pod iptables chain (a tenth of a pod's
	// start-up CPU on this machine); without iptables the plugin does it.
	masq := ensureMasquerade(podCIDR) != nil
	b, err := json.MarshalIndent(cniConfig(bridgeName, podCIDR, ipamDir, masq), "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		return err
	}
	// Write then rename: the CRI plugin watches the directory and must never
	// read a half-written file.
	tmp := filepath.Join(confDir, "."+CNIConfigFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(confDir, CNIConfigFile))
}

func cniConfig(bridgeName, podCIDR, ipamDir string, pluginMasq bool) map[string]any {
	defaultRoute := "0.0.0.0/0"
	if ip, _, _ := net.ParseCIDR(podCIDR); ip.To4() == nil {
		defaultRoute = "::/0"
	}
	return map[string]any{
		"cniVersion": "1.0.0",
		"name":       "skiff",
		"plugins": []any{
			map[string]any{
				"type":        "bridge",
				"bridge":      bridgeName,
				"isGateway":   true,
				"ipMasq":      pluginMasq,
				"hairpinMode": true, // a pod reaching its own Service IP gets the packet back
				"ipam": map[string]any{
					"type":    "host-local",
					"dataDir": ipamDir,
					"ranges":  [][]map[string]string{{{"subnet": podCIDR}}},
					"routes":  []map[string]string{{"dst": defaultRoute}},
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
			map[string]any{"type": "loopback"},
		},
	}
}

// ensureMasquerade makes traffic from podCIDR to anywhere else leave with
// the node's address: one nat POSTROUTING rule, added once.
func ensureMasquerade(podCIDR string) error {
	if masquerade("-C", podCIDR).Run() == nil {
		return nil
	}
	if out, err := masquerade("-A", podCIDR).CombinedOutput(); err != nil {
		return fmt.Errorf("iptables: %v: %s", err, out)
	}
	return nil
}

// RemoveMasquerade drops the rule WriteCNIConfig added for podCIDR (for
// tests and node teardown).
func RemoveMasquerade(podCIDR string) error {
	return masquerade("-D", podCIDR).Run()
}

func masquerade(op, podCIDR string) *exec.Cmd {
	return exec.Command("iptables", "-t", "nat", "-w", op, "POSTROUTING", "-s", podCIDR, "!", "-d", podCIDR,
		"-m", "comment", "--comment", "skiff pod network "+podCIDR, "-j", "MASQUERADE")
}
