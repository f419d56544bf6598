# deco: the two commands a newcomer needs are `make demo` and `make test`.
GO      ?= go
BIN     := bin/deco
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: build demo test test-short fuzz image contracts-check bench chaos clean completions deb compose-test web-assets

# A static binary (no cgo): it runs on any Linux without a matching libc and
# starts ~2 ms sooner, without the dynamic loader. go-ethereum then signs
# and recovers with its pure-Go secp256k1, as deco's own identity does.
build:
	CGO_ENABLED=0 $(GO) build -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN) ./cmd/deco

# Shell completion scripts for bash, zsh and fish (the .deb installs them).
DIST ?= dist
completions: build
	mkdir -p $(DIST)/completions
	$(BIN) completion bash >$(DIST)/completions/deco.bash
	$(BIN) completion zsh >$(DIST)/completions/_deco
	$(BIN) completion fish >$(DIST)/completions/deco.fish

# $(DIST)/deco_<version>_<arch>.deb, built by nfpm (a Go tool in go.mod) from
# deploy/nfpm.yaml: the binary, the systemd unit, completions, the provider
# docs and the scripts that make the deco user. The version is git describe
# made Debian-valid (deploy/deb-version.sh).
DEB_VERSION = $(shell deploy/deb-version.sh)
DEB_ARCH    = $(shell $(GO) env GOARCH)
deb: completions
	DECO_VERSION=$(DEB_VERSION) DECO_ARCH=$(DEB_ARCH) DECO_BIN=$(BIN) DECO_DIST=$(DIST) \
		$(GO) tool nfpm pkg --config deploy/nfpm.yaml --packager deb --target $(DIST)/deco_$(DEB_VERSION)_$(DEB_ARCH).deb

# A chain and three nodes in containers (deploy/compose.yaml), a wasm job
# through them, then teardown. Needs docker-compose and the Docker engine.
compose-test: build
	deploy/compose-test.sh

# The main job on a local network: build, start a 3-node devnet, run a
# container job on a provider found over the network, show output and where
# it ran.
demo: build
	scripts/demo.sh

# Every test, then each fuzz target briefly. Docker tests skip without an
# engine unless DECO_REQUIRE_DOCKER is set (CI sets it).
# RACE packages run once, under the race detector; the rest once without,
# and the hole-punching test (timing-sensitive) without it too.
RACE := ./internal/p2p/... ./internal/inventory/... ./internal/offer/... ./internal/requester/... ./internal/store/... ./internal/settle/devchain/...

test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m $$($(GO) list ./... | grep -v -x -F "$$($(GO) list $(RACE))")
	$(GO) test -count=1 -race -timeout 10m $(RACE)
	$(GO) test -count=1 -timeout 5m -run '^TestHolePunchThroughNAT$$' ./internal/p2p
	scripts/fuzz.sh 20000x

test-short:
	$(GO) test -short ./...

fuzz:
	scripts/fuzz.sh 200000x

image:
	scripts/build-busybox-image.sh

contracts-check:
	npm ci --prefix contracts --no-audit --no-fund
	contracts/check.sh

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./...

# Seeded fault schedules over full job lifecycles of separate node and
# chain processes, money invariants checked after each (internal/chaos).
# SEED=N replays one schedule; CHAOS_N schedules from CHAOS_FIRST otherwise,
# CHAOS_PARALLEL at a time (2 suits a 2-core machine). Needs Docker; root
# adds the disk-full faults, root with iptables the network cuts.
CHAOS_N        ?= 1000
CHAOS_FIRST    ?= 1000
CHAOS_PARALLEL ?= 2
chaos:
	$(GO) test -count=1 -timeout 0 -run '^TestChaos$$' ./internal/chaos -v \
		$(if $(SEED),-chaos.seed=$(SEED),-chaos.n=$(CHAOS_N) -chaos.first=$(CHAOS_FIRST) -chaos.parallel=$(CHAOS_PARALLEL))

# The dashboard's front-end pieces (internal/web/assets/README), fetched
# from the npm registry at pinned versions and committed built.
HTMX_VERSION  ?= 2.0.11
UPLOT_VERSION ?= 1.6.32
web-assets:
	tmp=$$(mktemp -d) && cd $$tmp && npm install --no-audit --no-fund --no-save htmx.org@$(HTMX_VERSION) uplot@$(UPLOT_VERSION) && \
	cp node_modules/htmx.org/dist/htmx.min.js $(CURDIR)/internal/web/assets/htmx.min.js && \
	cp node_modules/htmx.org/LICENSE $(CURDIR)/internal/web/assets/htmx.LICENSE && \
	cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css $(CURDIR)/internal/web/assets/ && \
	cp node_modules/uplot/LICENSE $(CURDIR)/internal/web/assets/uPlot.LICENSE && rm -rf $$tmp

clean:
	rm -rf bin dist .devnet
