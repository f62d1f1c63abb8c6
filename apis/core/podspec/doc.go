// Package podspec defaults and validates PodSpecs and PodTemplateSpecs the
// way upstream does (k8s.io/kubernetes pkg/apis/core/v1/defaults.go and
// pkg/apis/core/validation), for every resource that embeds one: pods,
// podtemplates, replicationcontrollers, and the apps and batch workloads.
package podspec
