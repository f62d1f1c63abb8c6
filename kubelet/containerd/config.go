package containerd

import (
	"bytes"
	"fmt"
	"path/filepath"

	"github.com/BurntSushi/toml"
)

// Paths inside Options.Dir. They are fixed so that a later Start with the
// same Dir finds the socket (and the containerd behind it) of an earlier one.
const (
	configFile = "config.toml"
	socketFile = "containerd.sock"
	pidFile    = "containerd.pid"
	logFile    = "containerd.log"
	rootDir    = "root"
	stateDir   = "state"
	runcDir    = "runc"
)

// disabledPlugins lists plugins skiff never uses. Disabling them keeps
// containerd's log free of "skip loading plugin" noise and saves the probes
// some of them do at start (btrfs, zfs, devmapper look at the filesystem).
// Unknown names are ignored by containerd, so one list serves 1.6 and 2.x.
// Not disabled although unused: io.containerd.runtime.v1.linux (1.6's tasks
// service fails to load without a v1 runtime plugin) and the cgroups monitor.
var disabledPlugins = []string{
	"io.containerd.snapshotter.v1.aufs",
	"io.containerd.snapshotter.v1.btrfs",
	"io.containerd.snapshotter.v1.devmapper",
	"io.containerd.snapshotter.v1.zfs",
	"io.containerd.snapshotter.v1.blockfile",
	"io.containerd.snapshotter.v1.erofs",
	"io.containerd.tracing.processor.v1.otlp",
	"io.containerd.internal.v1.tracing",
}

// Config renders containerd's config.toml for o (after defaults are applied).
// configVersion is 2 for containerd 1.x and 3 for 2.x, which moved the CRI
// settings into the io.containerd.cri.v1.{runtime,images} plugins.
func Config(o Options, configVersion int) ([]byte, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	runc := map[string]any{
		"runtime_type": "io.containerd.runc.v2",
		"options": map[string]any{
			"SystemdCgroup": false, // no systemd on these machines: cgroupfs driver
			"Root":          filepath.Join(o.Dir, runcDir),
		},
	}
	cfg := map[string]any{
		"version":          configVersion,
		"root":             filepath.Join(o.Dir, rootDir),
		"state":            filepath.Join(o.Dir, stateDir),
		"disabled_plugins": disabledPlugins,
		"grpc":             map[string]any{"address": filepath.Join(o.Dir, socketFile)},
	}
	switch configVersion {
	case 2:
		cfg["plugins"] = map[string]any{
			"io.containerd.grpc.v1.cri": map[string]any{
				"restrict_oom_score_adj": true,
				"sandbox_image":          o.SandboxImage,
				"cni":                    map[string]any{"bin_dir": o.CNIBinDir, "conf_dir": o.CNIConfDir},
				"containerd": map[string]any{
					"snapshotter":          "overlayfs",
					"default_runtime_name": "runc",
					"runtimes":             map[string]any{"runc": runc},
				},
			},
		}
	case 3:
		cfg["plugins"] = map[string]any{
			"io.containerd.cri.v1.runtime": map[string]any{
				"restrict_oom_score_adj": true,
				// bin_dirs is 2.1+, bin_dir (deprecated there) is what 2.0 reads.
				"cni": map[string]any{"bin_dirs": []string{o.CNIBinDir}, "conf_dir": o.CNIConfDir},
				"containerd": map[string]any{
					"default_runtime_name": "runc",
					"runtimes":             map[string]any{"runc": runc},
				},
			},
			"io.containerd.cri.v1.images": map[string]any{
				"snapshotter":   "overlayfs",
				"pinned_images": map[string]any{"sandbox": o.SandboxImage},
			},
		}
	default:
		return nil, fmt.Errorf("containerd config version %d not supported (want 2 or 3)", configVersion)
	}
	var b bytes.Buffer
	b.WriteString("# Written by skiff (kubelet/containerd); rewritten on every start.\n")
	if err := toml.NewEncoder(&b).Encode(cfg); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
