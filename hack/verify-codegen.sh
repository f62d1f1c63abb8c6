#!/usr/bin/env bash
# Fails when apis/openapi is not what hack/update-codegen.sh produces.
set -euo pipefail
cd "$(dirname "$0")/.."
hack/update-codegen.sh
if ! git diff --exit-code --stat -- apis/openapi; then
  echo "apis/openapi is stale: run hack/update-codegen.sh and commit the result" >&2
  exit 1
fi
