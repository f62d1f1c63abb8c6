package sim

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Annotations and labels simulated nodes read or set.
const (
	// LabelSimNode marks nodes a simulator registered.
	LabelSimNode = "sim.skiff.dev/node"
	// AnnotationCompleteAfter, on a pod whose restartPolicy is Never or
	// OnFailure, makes the pod Succeeded that long (a Go duration) after it
	// started running. Without it such pods keep running.
	AnnotationCompleteAfter = "sim.skiff.dev/complete-after"
)

// Options describe the simulated nodes.
type Options struct {
	// Count is how many nodes to run.
	Count int
	// NamePrefix precedes each node's index: sim-0, sim-1, ...
	NamePrefix string
	// CPU, Memory, Pods and EphemeralStorage are each node's capacity
	// (and allocatable).
	CPU, Memory, Pods, EphemeralStorage string
	// Zones, when positive, spreads the nodes over that many zones
	// (topology.kubernetes.io/zone=zone-0...), round-robin.
	Zones int
	// Region labels topology.kubernetes.io/region when Zones is set.
	Region string
	// Arch is the kubernetes.io/arch label and nodeInfo.architecture.
	Arch string
	// LeaseInterval is how often each node's Lease is renewed (the
	// kubelet's 10 s).
	LeaseInterval time.Duration
	// StatusInterval is how often each node's Ready condition heartbeat is
	// refreshed (the kubelet's nodeStatusReportFrequency, 5 min).
	StatusInterval time.Duration
	// Workers process pods in parallel.
	Workers int
	// QPS and Burst bound the simulator's API client.
	QPS   float32
	Burst int
}

// Defaults returns the options a bare `skiff sim nodes` uses.
func Defaults() Options {
	return Options{
		Count:            1,
		NamePrefix:       "sim-",
		CPU:              "32",
		Memory:           "256Gi",
		Pods:             "110",
		EphemeralStorage: "100Gi",
		Region:           "sim-region",
		Arch:             "amd64",
		LeaseInterval:    10 * time.Second,
		StatusInterval:   5 * time.Minute,
		Workers:          16,
		QPS:              1000,
		Burst:            2000,
	}
}

// maxNodes is how many nodes fit the address plan: each node gets a /24
// of 10.128.0.0/9 for its pods.
const maxNodes = 1 << 15

func (o *Options) validate() error {
	d := Defaults()
	if o.Count < 0 || o.Count > maxNodes {
		return fmt.Errorf("node count %d: must be between 0 and %d", o.Count, maxNodes)
	}
	for _, f := range []struct {
		name  string
		value *string
		def   string
	}{{"cpu", &o.CPU, d.CPU}, {"memory", &o.Memory, d.Memory}, {"pods", &o.Pods, d.Pods}, {"ephemeral-storage", &o.EphemeralStorage, d.EphemeralStorage}} {
		if *f.value == "" {
			*f.value = f.def
		}
		if _, err := resource.ParseQuantity(*f.value); err != nil {
			return fmt.Errorf("%s %q: %w", f.name, *f.value, err)
		}
	}
	if o.Zones < 0 {
		return fmt.Errorf("zones %d: must not be negative", o.Zones)
	}
	if o.NamePrefix == "" {
		o.NamePrefix = d.NamePrefix
	}
	if o.Arch == "" {
		o.Arch = d.Arch
	}
	if o.Region == "" {
		o.Region = d.Region
	}
	if o.LeaseInterval <= 0 {
		o.LeaseInterval = d.LeaseInterval
	}
	if o.StatusInterval <= 0 {
		o.StatusInterval = d.StatusInterval
	}
	if o.Workers <= 0 {
		o.Workers = d.Workers
	}
	if o.QPS == 0 {
		o.QPS, o.Burst = d.QPS, d.Burst
	}
	return nil
}
