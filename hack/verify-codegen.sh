#!/usr/bin/env bash
# Fails when apis/openapi differs from what hack/update-codegen.sh produces.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
OUT="$tmp" hack/update-codegen.sh
if ! diff -q "$tmp/zz_generated.openapi.go" apis/openapi/zz_generated.openapi.go >/dev/null; then
  echo "apis/openapi is stale: run hack/update-codegen.sh and commit the result" >&2
  exit 1
fi
