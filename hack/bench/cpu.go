package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The machine is shared (and small): the harness measures how much CPU
// other processes use while it runs, waits for a quiet machine before each
// system, and reports the disturbance next to the figures.

// cpuSample is the machine's busy CPU time and the harness's own (itself
// plus its reaped children) at one instant.
type cpuSample struct {
	busy, own time.Duration
	at        time.Time
}

const clkTck = 100 // USER_HZ on Linux

func sampleCPU() (cpuSample, error) {
	s := cpuSample{at: time.Now()}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return s, fmt.Errorf("unexpected /proc/stat: %q", line)
	}
	// user nice system idle iowait irq softirq steal: count all but idle
	// and iowait.
	var ticks int64
	for i, v := range f[1:9] {
		if i == 3 || i == 4 {
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	s.busy = time.Duration(ticks) * time.Second / clkTck
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err != nil {
			return s, err
		}
		s.own += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	// Live (not yet reaped) children count too.
	for p := range running {
		s.own += procCPU(p.cmd.Process.Pid)
	}
	if ownExtra != nil {
		s.own += ownExtra()
	}
	return s, nil
}

// ownExtra, when set, adds the CPU time of processes the harness caused
// that are not its children (containerd's shims and their runc calls).
var ownExtra func() time.Duration

// procCPU is utime+stime of a process from /proc/<pid>/stat.
func procCPU(pid int) time.Duration { return statTicks(pid, 11, 12) }

// statTicks sums fields of /proc/<pid>/stat, counted from the state field
// after the ")" that closes the command name (state is 0, utime 11, stime
// 12, cutime 13, cstime 14), as CPU time.
func statTicks(pid int, fields ...int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b)[i+1:])
	var t int64
	for _, k := range fields {
		if k >= len(f) {
			return 0
		}
		n, _ := strconv.ParseInt(f[k], 10, 64)
		t += n
	}
	return time.Duration(t) * time.Second / clkTck
}

// phaseCPU tracks other processes' CPU use over one phase.
type phaseCPU struct {
	name  string
	start cpuSample
	share float64 // of one core
}

func beginPhase(name string) *phaseCPU {
	s, _ := sampleCPU()
	return &phaseCPU{name: name, start: s}
}

func (p *phaseCPU) end() *phaseCPU {
	s, err := sampleCPU()
	if err == nil && s.at.After(p.start.at) {
		p.share = foreign(p.start, s).Seconds() / s.at.Sub(p.start.at).Seconds()
	}
	return p
}

// foreign is the CPU time used by other processes between two samples,
// valid when every child started in between has been reaped by the end.
func foreign(a, b cpuSample) time.Duration {
	d := (b.busy - a.busy) - (b.own - a.own)
	if d < 0 {
		return 0
	}
	return d
}

// waitQuiet waits (at most max) until other processes use less than
// threshold of one core over a 10 s window. It returns the share seen last.
func waitQuiet(ctx context.Context, threshold float64, max time.Duration) (float64, error) {
	deadline := time.Now().Add(max)
	for {
		a, err := sampleCPU()
		if err != nil {
			return 0, err
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(10 * time.Second):
		}
		b, err := sampleCPU()
		if err != nil {
			return 0, err
		}
		share := foreign(a, b).Seconds() / b.at.Sub(a.at).Seconds()
		if share < threshold || time.Now().After(deadline) {
			return share, nil
		}
		logf("machine busy (other processes use %.0f%% of a core): waiting", 100*share)
	}
}

// procTreeCPU is utime+stime+cutime+cstime: the process and its reaped
// children (a shim's runc invocations).
func procTreeCPU(pid int) time.Duration { return statTicks(pid, 11, 12, 13, 14) }
