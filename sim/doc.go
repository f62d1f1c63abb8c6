// Package sim runs simulated nodes, the role KWOK plays for upstream: it
// registers nodes with a chosen capacity, keeps their Leases in
// kube-node-lease fresh, and moves the pods bound to them through
// Running/Ready (and finishes their graceful deletion) without running any
// container. Thousands of nodes share one process, one pod informer and one
// work queue, so that the scheduler and controller benchmarks can run on
// many nodes cheaply.
//
// Simulated nodes never bind pods: a scheduler (or a test, through
// pods/binding) does. They act only on pods whose spec.nodeName names one
// of their nodes.
package sim
