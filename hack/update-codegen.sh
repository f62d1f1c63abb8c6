#!/usr/bin/env bash
# Regenerates apis/openapi from the k8s.io/api packages skiff serves.
# Add a group's package here when apis/install.go starts serving it.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  k8s.io/apimachinery/pkg/apis/meta/v1
  k8s.io/apimachinery/pkg/runtime
  k8s.io/apimachinery/pkg/version
  k8s.io/apimachinery/pkg/api/resource
  k8s.io/apimachinery/pkg/util/intstr
  k8s.io/api/core/v1
  k8s.io/api/authorization/v1
  k8s.io/api/coordination/v1
  k8s.io/api/events/v1
)

go tool openapi-gen \
  --output-dir apis/openapi \
  --output-pkg github.com/skiff-k8s/skiff/apis/openapi \
  --output-file zz_generated.openapi.go \
  --go-header-file hack/boilerplate.go.txt \
  --report-filename /dev/null \
  "${packages[@]}"
