package apiserver

import (
	apimachineryversion "k8s.io/apimachinery/pkg/version"
	basecompatibility "k8s.io/component-base/compatibility"
	baseversion "k8s.io/component-base/version"
)

// GitVersion is the Kubernetes version skiff serves. Builds through the
// Makefile also stamp it into client-go and component-base with -ldflags so
// the embedded kubectl reports it too.
const GitVersion = "v1.37.2+skiff"

// effectiveVersion reports GitVersion at /version even in binaries built
// without -ldflags (go test), where component-base would say v0.0.0-master.
type effectiveVersion struct {
	basecompatibility.MutableEffectiveVersion
}

func newEffectiveVersion() basecompatibility.EffectiveVersion {
	return effectiveVersion{basecompatibility.NewEffectiveVersionFromString("1.37.2", "", "")}
}

func (v effectiveVersion) Info() *apimachineryversion.Info {
	info := v.MutableEffectiveVersion.Info()
	if b := baseversion.Get(); b.GitVersion == "" || b.GitVersion[:6] == "v0.0.0" {
		info.GitVersion = GitVersion
		info.GitCommit = ""
	}
	return info
}
