#!/usr/bin/env bash
# Compares the Deployment and ReplicaSet status conditions skiff's controllers write
# with those of upstream kube-controller-manager v1.37.2 (build it with
# build-upstream.sh), each run as its own process against a fresh
# `skiff server --disable-controllers` with 3 simulated nodes: create, rollout,
# pause, resume, and a scale-up a ResourceQuota blocks. Prints a diff per state
# ("same" when identical). SKIFF, KCM and OUT (work dir) may be set.
set -u
SKIFF=${SKIFF:-$(cd "$(dirname "$0")/../.." && pwd)/bin/skiff}
KCM=${KCM:-$HOME/.cache/skiff-bench/bin/kube-controller-manager}
OUT=${OUT:-$(mktemp -d)}
run() { # $1 = name, $2 = controller command (uses $D)
  D=$OUT/$1; rm -rf $D; mkdir -p $D
  PORT=$((20000 + RANDOM % 10000))
  $SKIFF server --data-dir $D --secure-port $PORT --bind-address 127.0.0.1 --disable-controllers --disable-scheduler --unsafe-no-fsync > $D/server.log 2>&1 &
  SP=$!
  for i in $(seq 100); do [ -f $D/kubeconfig ] && KUBECONFIG=$D/kubeconfig $SKIFF kubectl get ns >/dev/null 2>&1 && break; sleep 0.2; done
  export KUBECONFIG=$D/kubeconfig
  $SKIFF sim nodes --count 3 > $D/sim.log 2>&1 &
  SIMP=$!
  eval "$2" > $D/cm.log 2>&1 &
  CMP=$!
  for i in $(seq 100); do $SKIFF kubectl get sa default >/dev/null 2>&1 && break; sleep 0.3; done
  cat <<Y | $SKIFF kubectl apply -f - >/dev/null
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  progressDeadlineSeconds: 600
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeName: sim-0
      containers: [{name: c, image: nginx:1.27}]
Y
  sleep 8
  $SKIFF kubectl get deploy web -o jsonpath='{range .status.conditions[*]}{.type} {.status} {.reason} | {.message}{"\n"}{end}' > $D/deploy1.txt
  $SKIFF kubectl get rs -l app=web -o jsonpath='{range .items[*].status.conditions[*]}{.type} {.status} {.reason} | {.message}{"\n"}{end}' > $D/rs1.txt
  $SKIFF kubectl set image deploy/web c=nginx:1.28 >/dev/null; sleep 8
  $SKIFF kubectl get deploy web -o jsonpath='{range .status.conditions[*]}{.type} {.status} {.reason} | {.message}{"\n"}{end}' > $D/deploy2.txt
  $SKIFF kubectl rollout pause deploy/web >/dev/null; sleep 4
  $SKIFF kubectl get deploy web -o jsonpath='{range .status.conditions[*]}{.type} {.status} {.reason} | {.message}{"\n"}{end}' > $D/deploy3.txt
  $SKIFF kubectl rollout resume deploy/web >/dev/null; sleep 4
  $SKIFF kubectl get deploy web -o jsonpath='{range .status.conditions[*]}{.type} {.status} {.reason} | {.message}{"\n"}{end}' > $D/deploy4.txt
  # a quota that forbids pods: ReplicaFailure
  $SKIFF kubectl create quota none --hard=pods=6 >/dev/null
  $SKIFF kubectl scale deploy/web --replicas=9 >/dev/null; sleep 8
  $SKIFF kubectl get deploy web -o jsonpath='{range .status.conditions[*]}{.type} {.status} {.reason} | {.message}{"\n"}{end}' > $D/deploy5.txt
  $SKIFF kubectl get rs -l app=web -o jsonpath='{range .items[*].status.conditions[*]}{.type} {.status} {.reason} | {.message}{"\n"}{end}' > $D/rs5.txt
  kill $CMP $SIMP; sleep 1; kill $SP; wait 2>/dev/null
}
run skiff "$SKIFF controller-manager --kubeconfig \$D/kubeconfig"
run kcm "$KCM --kubeconfig \$D/kubeconfig --controllers=* --leader-elect=false --use-service-account-credentials=false --secure-port=0 --service-account-private-key-file \$D/pki/sa.key --root-ca-file \$D/pki/ca.crt --kube-api-qps=1000 --kube-api-burst=1000"
# Pod names end in a random suffix: mask it.
mask() { sed -E 's/(pods "[a-z0-9-]+-)[a-z0-9]{5}"/\1<random>"/' "$1"; }
for f in deploy1 rs1 deploy2 deploy3 deploy4 deploy5 rs5; do
  echo "== $f"; diff <(mask $OUT/kcm/$f.txt) <(mask $OUT/skiff/$f.txt) && echo same
done
