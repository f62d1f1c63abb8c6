package containerd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestConfigV2(t *testing.T) {
	o := Options{Dir: "/var/lib/skiff/node1", SandboxImage: "127.0.0.1:5000/skiff/pause:3.10", CNIBinDir: "/usr/lib/cni"}
	b, err := Config(o, 2)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Version         int      `toml:"version"`
		Root            string   `toml:"root"`
		State           string   `toml:"state"`
		DisabledPlugins []string `toml:"disabled_plugins"`
		GRPC            struct {
			Address string `toml:"address"`
		} `toml:"grpc"`
		Plugins struct {
			CRI struct {
				RestrictOOMScoreAdj bool   `toml:"restrict_oom_score_adj"`
				SandboxImage        string `toml:"sandbox_image"`
				CNI                 struct {
					BinDir  string `toml:"bin_dir"`
					ConfDir string `toml:"conf_dir"`
				} `toml:"cni"`
				Containerd struct {
					Snapshotter        string `toml:"snapshotter"`
					DefaultRuntimeName string `toml:"default_runtime_name"`
					Runtimes           map[string]struct {
						RuntimeType string `toml:"runtime_type"`
						Options     struct {
							SystemdCgroup *bool  `toml:"SystemdCgroup"`
							Root          string `toml:"Root"`
						} `toml:"options"`
					} `toml:"runtimes"`
				} `toml:"containerd"`
			} `toml:"io.containerd.grpc.v1.cri"`
		} `toml:"plugins"`
	}
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if u := md.Undecoded(); len(u) > 0 {
		t.Errorf("keys the test does not check: %v", u)
	}
	cri := c.Plugins.CRI
	runc := cri.Containerd.Runtimes["runc"]
	for _, check := range []struct {
		name      string
		got, want any
	}{
		{"version", c.Version, 2},
		{"root", c.Root, "/var/lib/skiff/node1/root"},
		{"state", c.State, "/var/lib/skiff/node1/state"},
		{"grpc.address", c.GRPC.Address, "/var/lib/skiff/node1/containerd.sock"},
		{"restrict_oom_score_adj", cri.RestrictOOMScoreAdj, true},
		{"sandbox_image", cri.SandboxImage, o.SandboxImage},
		{"cni.bin_dir", cri.CNI.BinDir, "/usr/lib/cni"},
		{"cni.conf_dir", cri.CNI.ConfDir, "/var/lib/skiff/node1/cni/net.d"},
		{"snapshotter", cri.Containerd.Snapshotter, "overlayfs"},
		{"default_runtime_name", cri.Containerd.DefaultRuntimeName, "runc"},
		{"runc.runtime_type", runc.RuntimeType, "io.containerd.runc.v2"},
		{"runc.SystemdCgroup set", runc.Options.SystemdCgroup != nil, true},
		{"runc.Root", runc.Options.Root, "/var/lib/skiff/node1/runc"},
	} {
		if check.got != check.want {
			t.Errorf("%s = %v, want %v", check.name, check.got, check.want)
		}
	}
	if p := runc.Options.SystemdCgroup; p != nil && *p {
		t.Error("SystemdCgroup = true, want false (no systemd)")
	}
	for _, p := range c.DisabledPlugins {
		if strings.Contains(p, "overlayfs") || strings.Contains(p, "cri") || strings.Contains(p, "runtime") {
			t.Errorf("disabled plugin %s is needed", p)
		}
	}
}

func TestConfigV3(t *testing.T) {
	b, err := Config(Options{Dir: "/d", SandboxImage: "h/p:1"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if _, err := toml.Decode(string(b), &c); err != nil {
		t.Fatal(err)
	}
	plugins := c["plugins"].(map[string]any)
	rt := plugins["io.containerd.cri.v1.runtime"].(map[string]any)
	img := plugins["io.containerd.cri.v1.images"].(map[string]any)
	if c["version"] != int64(3) || rt["restrict_oom_score_adj"] != true ||
		img["pinned_images"].(map[string]any)["sandbox"] != "h/p:1" {
		t.Errorf("unexpected v3 config:\n%s", b)
	}
}

func TestOptionsValidation(t *testing.T) {
	if _, err := Config(Options{SandboxImage: "x"}, 2); err == nil {
		t.Error("no Dir: want error")
	}
	if _, err := Config(Options{Dir: "/d"}, 2); err == nil {
		t.Error("no SandboxImage: want error")
	}
	if _, err := Config(Options{Dir: "/" + strings.Repeat("x", 100), SandboxImage: "x"}, 2); err == nil {
		t.Error("socket path too long: want error")
	}
}

func TestWriteCNIConfig(t *testing.T) {
	dir := t.TempDir()
	if err := WriteCNIConfig(dir, "skiff0", "10.88.0.0/16"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, CNIConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		CNIVersion string `json:"cniVersion"`
		Name       string `json:"name"`
		Plugins    []struct {
			Type        string `json:"type"`
			Bridge      string `json:"bridge"`
			IsGateway   bool   `json:"isGateway"`
			IPMasq      bool   `json:"ipMasq"`
			HairpinMode bool   `json:"hairpinMode"`
			IPAM        struct {
				Type   string                `json:"type"`
				Ranges [][]map[string]string `json:"ranges"`
				Routes []map[string]string   `json:"routes"`
			} `json:"ipam"`
			Capabilities map[string]bool `json:"capabilities"`
		} `json:"plugins"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.Name != "skiff" || c.CNIVersion != "1.0.0" || len(c.Plugins) != 3 {
		t.Fatalf("conflist:\n%s", b)
	}
	br := c.Plugins[0]
	// The node masquerades the pod network with one iptables rule; only
	// where that cannot be done does the bridge plugin do it per pod.
	masqRule := ensureMasquerade("10.88.0.0/16") == nil
	if masqRule {
		t.Cleanup(func() { _ = RemoveMasquerade("10.88.0.0/16") })
	}
	if br.IPMasq == masqRule {
		t.Errorf("bridge ipMasq %v with the node's own masquerade rule %v", br.IPMasq, masqRule)
	}
	if br.Type != "bridge" || br.Bridge != "skiff0" || !br.IsGateway || !br.HairpinMode ||
		br.IPAM.Type != "host-local" || br.IPAM.Ranges[0][0]["subnet"] != "10.88.0.0/16" || br.IPAM.Routes[0]["dst"] != "0.0.0.0/0" {
		t.Errorf("bridge plugin:\n%s", b)
	}
	if c.Plugins[1].Type != "portmap" || !c.Plugins[1].Capabilities["portMappings"] || c.Plugins[2].Type != "loopback" {
		t.Errorf("portmap/loopback:\n%s", b)
	}
	if err := WriteCNIConfig(dir, "skiff0", "not-a-cidr"); err == nil {
		t.Error("bad CIDR: want error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("conf dir holds %d files, want 1 (no temp file left)", len(entries))
	}
}
