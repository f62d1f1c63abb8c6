package scheduler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	configv1 "k8s.io/kube-scheduler/config/v1"
	"sigs.k8s.io/yaml"

	fw "github.com/skiff-k8s/skiff/scheduler/framework"
	"github.com/skiff-k8s/skiff/scheduler/plugins"
)

// DefaultSchedulerName is the profile pods get when they name none.
const DefaultSchedulerName = "default-scheduler"

// Profile is one resolved scheduling profile.
type Profile struct {
	SchedulerName            string
	Plugins                  fw.ProfilePlugins
	Args                     map[string]runtime.Object
	PercentageOfNodesToScore *int32
}

// Config is the scheduler's resolved configuration.
type Config struct {
	Profiles                 []Profile
	PercentageOfNodesToScore int32
	Parallelism              int
	InitialBackoff           time.Duration
	MaxBackoff               time.Duration
	// ClientConnection is used only by the standalone `skiff scheduler`;
	// inside `skiff server` the scheduler uses the loopback client.
	ClientConnection ClientConnection
}

// ClientConnection is the configuration's clientConnection.
type ClientConnection struct {
	Kubeconfig string
	QPS        float32
	Burst      int32
}

// DefaultConfig is one default-scheduler profile with upstream's defaults.
func DefaultConfig() *Config {
	c, err := ParseConfig([]byte("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"))
	if err != nil {
		panic(err)
	}
	return c
}

// LoadConfig reads a KubeSchedulerConfiguration file.
func LoadConfig(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig decodes and defaults a kubescheduler.config.k8s.io/v1
// KubeSchedulerConfiguration (unknown fields are errors, as with
// kube-scheduler's strict decoding).
func ParseConfig(raw []byte) (*Config, error) {
	var kc configv1.KubeSchedulerConfiguration
	if err := yaml.UnmarshalStrict(raw, &kc); err != nil {
		return nil, err
	}
	if kc.APIVersion != configv1.SchemeGroupVersion.String() || kc.Kind != "KubeSchedulerConfiguration" {
		return nil, fmt.Errorf("want apiVersion %s and kind KubeSchedulerConfiguration, got %q %q", configv1.SchemeGroupVersion, kc.APIVersion, kc.Kind)
	}
	c := &Config{Parallelism: 16, InitialBackoff: time.Second, MaxBackoff: 10 * time.Second,
		// kube-scheduler's client defaults.
		ClientConnection: ClientConnection{Kubeconfig: kc.ClientConnection.Kubeconfig, QPS: 50, Burst: 100}}
	if kc.ClientConnection.QPS != 0 {
		c.ClientConnection.QPS = kc.ClientConnection.QPS
	}
	if kc.ClientConnection.Burst != 0 {
		c.ClientConnection.Burst = kc.ClientConnection.Burst
	}
	if kc.Parallelism != nil {
		if *kc.Parallelism <= 0 {
			return nil, fmt.Errorf("parallelism: Invalid value: %d: should be an integer value greater than zero", *kc.Parallelism)
		}
		c.Parallelism = int(*kc.Parallelism)
	}
	if p := kc.PercentageOfNodesToScore; p != nil {
		if *p < 0 || *p > 100 {
			return nil, fmt.Errorf("percentageOfNodesToScore: Invalid value: %d: not in valid range [0-100]", *p)
		}
		c.PercentageOfNodesToScore = *p
	}
	if s := kc.PodInitialBackoffSeconds; s != nil {
		if *s <= 0 {
			return nil, fmt.Errorf("podInitialBackoffSeconds: Invalid value: %d: must be greater than 0", *s)
		}
		c.InitialBackoff = time.Duration(*s) * time.Second
	}
	if s := kc.PodMaxBackoffSeconds; s != nil {
		if *s <= 0 {
			return nil, fmt.Errorf("podMaxBackoffSeconds: Invalid value: %d: must be greater than 0", *s)
		}
		c.MaxBackoff = time.Duration(*s) * time.Second
	}
	if c.MaxBackoff < c.InitialBackoff {
		return nil, fmt.Errorf("podMaxBackoffSeconds: Invalid value: %v: must be greater than or equal to PodInitialBackoffSeconds", c.MaxBackoff.Seconds())
	}
	if len(kc.Profiles) == 0 {
		kc.Profiles = []configv1.KubeSchedulerProfile{{}}
	}
	names := map[string]bool{}
	for i, kp := range kc.Profiles {
		p, err := resolveProfile(kp)
		if err != nil {
			return nil, fmt.Errorf("profiles[%d]: %w", i, err)
		}
		if names[p.SchedulerName] {
			return nil, fmt.Errorf("profiles[%d].schedulerName: Duplicate value: %q", i, p.SchedulerName)
		}
		names[p.SchedulerName] = true
		c.Profiles = append(c.Profiles, p)
	}
	return c, nil
}

func refs(list []configv1.Plugin) []fw.PluginRef {
	out := make([]fw.PluginRef, 0, len(list))
	for _, p := range list {
		r := fw.PluginRef{Name: p.Name}
		if p.Weight != nil {
			r.Weight = *p.Weight
		}
		out = append(out, r)
	}
	return out
}

func set(ps configv1.PluginSet) fw.PluginSet {
	s := fw.PluginSet{Enabled: refs(ps.Enabled)}
	for _, d := range ps.Disabled {
		s.Disabled = append(s.Disabled, d.Name)
	}
	return s
}

func resolveProfile(kp configv1.KubeSchedulerProfile) (Profile, error) {
	p := Profile{SchedulerName: DefaultSchedulerName, Args: map[string]runtime.Object{}, PercentageOfNodesToScore: kp.PercentageOfNodesToScore}
	if kp.SchedulerName != nil {
		if *kp.SchedulerName == "" {
			return p, fmt.Errorf("schedulerName: Required value")
		}
		p.SchedulerName = *kp.SchedulerName
	}
	multi := plugins.DefaultMultiPoint()
	if kp.Plugins != nil {
		pl := kp.Plugins
		disabled := map[string]bool{}
		for _, d := range pl.MultiPoint.Disabled {
			disabled[d.Name] = true
		}
		kept := multi[:0]
		for _, r := range multi {
			if !disabled["*"] && !disabled[r.Name] {
				kept = append(kept, r)
			}
		}
		multi = kept
		for _, e := range refs(pl.MultiPoint.Enabled) {
			replaced := false
			for i := range multi {
				if multi[i].Name == e.Name {
					multi[i] = e
					replaced = true
				}
			}
			if !replaced {
				multi = append(multi, e)
			}
		}
		p.Plugins = fw.ProfilePlugins{
			PreEnqueue: set(pl.PreEnqueue), QueueSort: set(pl.QueueSort), PreFilter: set(pl.PreFilter),
			Filter: set(pl.Filter), PostFilter: set(pl.PostFilter), PreScore: set(pl.PreScore),
			Score: set(pl.Score), Reserve: set(pl.Reserve), Permit: set(pl.Permit),
			PreBind: set(pl.PreBind), Bind: set(pl.Bind), PostBind: set(pl.PostBind),
		}
	}
	p.Plugins.MultiPoint = multi
	for i, pc := range kp.PluginConfig {
		obj := plugins.ArgsFor(pc.Name)
		if obj == nil {
			return p, fmt.Errorf("pluginConfig[%d]: plugin %q takes no args", i, pc.Name)
		}
		if len(pc.Args.Raw) > 0 {
			dec := json.NewDecoder(bytes.NewReader(pc.Args.Raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(obj); err != nil {
				return p, fmt.Errorf("pluginConfig[%d].args: decoding %s args: %w", i, pc.Name, err)
			}
		}
		p.Args[pc.Name] = obj
	}
	return p, nil
}
