// Package podautoscaler is the HorizontalPodAutoscaler controller.
//
// Users move from kube-controller-manager to skiff with autoscalers,
// dashboards and runbooks that read an HPA's conditions, events and
// `kubectl get hpa` columns; those are the contract, so this controller
// keeps upstream's reasons, messages and arithmetic rather than inventing
// its own, and follows upstream's feature gates as they default in 1.37
// (observedGeneration, configurable tolerances, scale to zero, pod-level
// requests).
//
// The controller only ever talks to a target through its scale
// subresource, so any resource that serves one (Deployments, StatefulSets,
// ReplicaSets, custom resources) can be autoscaled, and it reads usage from
// the aggregated metrics APIs (metrics.k8s.io, custom.metrics.k8s.io,
// external.metrics.k8s.io) exactly as upstream does. skiff ships no
// metrics-server, so without one an HPA behaves as on an upstream cluster
// without it: the replica bounds are still enforced, and the metric
// failure is spelled out in the ScalingActive condition and in events.
//
// Upstream keeps the recent recommendations and scale events of each HPA
// in memory, not in the API: stabilization windows and rate policies are
// judged against what this process has seen. This package does the same
// (a restarted controller starts with fresh windows, as upstream does),
// and reads time through a clock so that windows can be tested without
// sleeping.
//
// Every HPA is resynced on a fixed period rather than on changes of its
// target or pods: metrics change without any object changing, and a fixed
// cadence is what upstream's rate limits and windows are tuned for.
package podautoscaler
