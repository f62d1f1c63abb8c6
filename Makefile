# The Kubernetes version skiff reports, stamped into the embedded kubectl
# (client-go) and component-base; apiserver/version.go says the same.
VERSION_PKGS := k8s.io/client-go/pkg/version k8s.io/component-base/version
LDFLAGS := $(foreach p,$(VERSION_PKGS),-X $(p).gitVersion=v1.37.2+skiff -X $(p).gitMajor=1 -X $(p).gitMinor=37)
GO ?= go

.PHONY: build run test test-short verify bench bench-controllers bench-kubelet fuzz

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/skiff ./cmd/skiff

# As root, installs the node's runtime (containerd, runc, CNI plugins) with
# apt-get when missing, so the server also runs its kubelet.
run: build
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && ! { command -v containerd && command -v runc && [ -x /usr/lib/cni/bridge -o -x /opt/cni/bin/bridge ]; } >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq containerd runc containernetworking-plugins; fi
	bin/skiff server

# Every test: unit, integration (in-process servers), the kubectl and Helm suites.
test: verify build
	SKIFF_BIN=$(CURDIR)/bin/skiff $(GO) test -ldflags '$(LDFLAGS)' -count=1 ./...

# The inner loop: skips the slower suites.
test-short:
	$(GO) test -ldflags '$(LDFLAGS)' -short ./...

verify:
	hack/verify-codegen.sh
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed" >&2; exit 1; }
	$(GO) vet ./...

bench: build
	cd hack/bench && $(GO) run . -skiff ../../bin/skiff

# Deployment of 1000 replicas on 100 simulated nodes: skiff controller-manager vs kube-controller-manager.
bench-controllers: build
	cd hack/bench && $(GO) run . -phase controllers -skiff ../../bin/skiff

# Pod start-up latency (1, 10, 30 pods) and RSS: skiff agent vs upstream kubelet on one containerd. As root.
bench-kubelet: build
	cd hack/bench && $(GO) run . -phase kubelet -skiff ../../bin/skiff

FUZZTIME ?= 30s
FUZZ_VALIDATORS := ./registry/core/configmap ./registry/core/secret ./registry/core/event ./registry/core/namespace

fuzz:
	$(GO) test ./apis -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)
	for p in $(FUZZ_VALIDATORS); do $(GO) test $$p -run '^$$' -fuzz FuzzValidate -fuzztime $(FUZZTIME) || exit 1; done
