#!/usr/bin/env bash
# Builds upstream kube-apiserver, kube-controller-manager and kube-scheduler v1.37.2 and etcd v3.7.0 from the Go module
# proxy into a cache directory outside the repository (default
# $HOME/.cache/skiff-bench), for the side-by-side benchmark in this directory.
#
#   hack/bench/build-upstream.sh [CACHE_DIR]
#
# Prints nothing but progress on stderr; the binaries end up at
# CACHE_DIR/bin/{kube-apiserver,kube-controller-manager,kube-scheduler,etcd}
# (UPSTREAM_CMDS="kubelet" builds CACHE_DIR/bin/kubelet instead, ~2 min with a
# warm build cache; etcd is skipped whenever UPSTREAM_CMDS is set). A binary that already
# exists is not rebuilt (delete it to force a rebuild). The throwaway Go
# modules used for the builds are generated under CACHE_DIR/src; nothing is
# written into the repository.
#
# kube-apiserver takes ~6 min cold on 2 cores and ~5 GB of build cache.
set -euo pipefail

K8S_VERSION=v1.37.2
STAGING_VERSION=v0.37.2
ETCD_VERSION=v3.7.0
GO=${GO:-go}

CACHE_DIR=${1:-${SKIFF_BENCH_CACHE:-$HOME/.cache/skiff-bench}}
BIN=$CACHE_DIR/bin
SRC=$CACHE_DIR/src
mkdir -p "$BIN" "$SRC"

# Only the module proxy is reachable; never consult a vendor dir or workspace.
export GOFLAGS=-mod=mod
export GOWORK=off
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

log() { echo "build-upstream: $*" >&2; }

# Every staging module k8s.io/kubernetes replaces with ./staging/src/...;
# sample-controller and sample-cli-plugin are not required by it and have no
# v0.37.2 release on the proxy, so they are left out.
STAGING=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go
	cloud-provider cluster-bootstrap code-generator component-base component-helpers
	controller-manager cri-api cri-client cri-streaming csi-translation-lib
	dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator
	kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
	mount-utils pod-security-admission sample-apiserver streaming)

# The Kubernetes components built from k8s.io/kubernetes/cmd/<name>; UPSTREAM_CMDS
# narrows the list (e.g. "kube-scheduler" for the scheduler phase alone).
read -r -a K8S_CMDS <<<"${UPSTREAM_CMDS:-kube-apiserver kube-controller-manager kube-scheduler}"

k8s_missing=()
for c in "${K8S_CMDS[@]}"; do
	if [[ ! -x $BIN/$c ]]; then
		k8s_missing+=("$c")
	else
		log "$c already built: $BIN/$c"
	fi
done

if ((${#k8s_missing[@]})); then
	dir=$SRC/kubernetes
	mkdir -p "$dir"
	{
		echo "module skiff-bench/upstream-kubernetes"
		echo
		echo "go 1.26.0"
		echo
		echo "require k8s.io/kubernetes $K8S_VERSION"
		echo
		echo "replace ("
		for m in "${STAGING[@]}"; do
			echo "	k8s.io/$m => k8s.io/$m $STAGING_VERSION"
		done
		echo ")"
	} >"$dir/go.mod"
	{
		echo "//go:build tools"
		echo
		echo "package tools"
		echo
		echo "import ("
		for c in "${K8S_CMDS[@]}"; do
			echo "	_ \"k8s.io/kubernetes/cmd/$c\""
		done
		echo ")"
	} >"$dir/tools.go"
	log "resolving k8s.io/kubernetes $K8S_VERSION modules in $dir"
	(cd "$dir" && $GO mod tidy)
	ld=""
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=37"
		ld+=" -X $p.gitTreeState=clean"
	done
	for c in "${k8s_missing[@]}"; do
		log "building $c $K8S_VERSION (several minutes when cold)"
		(cd "$dir" && $GO build -trimpath -ldflags "$ld" -o "$BIN/$c.tmp" "k8s.io/kubernetes/cmd/$c")
		mv "$BIN/$c.tmp" "$BIN/$c"
	done
fi

if [[ -n ${UPSTREAM_CMDS:-} ]]; then
	log "UPSTREAM_CMDS set: etcd not built"
elif [[ ! -x $BIN/etcd ]]; then
	dir=$SRC/etcd
	mkdir -p "$dir"
	cat >"$dir/go.mod" <<EOF
module skiff-bench/upstream-etcd

go 1.26.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
EOF
	cat >"$dir/tools.go" <<'EOF'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
EOF
	log "resolving etcd $ETCD_VERSION modules in $dir"
	(cd "$dir" && $GO mod tidy)
	log "building etcd $ETCD_VERSION"
	# go.etcd.io/etcd/server/v3 (server/main.go) is etcd's main package.
	(cd "$dir" && $GO build -trimpath -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3)
	mv "$BIN/etcd.tmp" "$BIN/etcd"
else
	log "etcd already built: $BIN/etcd"
fi

"$BIN/etcd" --version >&2 || true
for c in "${K8S_CMDS[@]}"; do "$BIN/$c" --version >&2 || true; done
