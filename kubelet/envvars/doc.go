// Package envvars computes a container's environment the way the kubelet
// does before it asks the runtime to create the container: service link
// variables, envFrom, env with $(VAR) expansion and every valueFrom source.
//
// Error texts match upstream's because they surface verbatim to users as the
// CreateContainerConfigError message in the container's waiting state.
package envvars
