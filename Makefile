# hwsim-medium: build, unit tests and the VM-based integration tests.
# `make help` lists the targets.

GO       ?= go
CACHE    ?= .cache/vm
VM       := $(CACHE)/hwsim-vm
# The VM tool, told where the cache is (its own default is <repo>/.cache/vm),
# so CACHE=... moves the kernel, the initramfs and the test binary together.
VMTOOL   := $(VM) -cache $(abspath $(CACHE))
# Extra flags for the VM tool (e.g. VMFLAGS="-timeout 20m -accel tcg").
VMFLAGS  ?=
# Extra flags for the integration test binary (e.g. TESTFLAGS="-test.run WPA2 -test.count=3").
TESTFLAGS ?=
# The tests `make test-container` runs in the container.
CONTAINER_TESTS ?= ^TestWPA2TwoStations$$
# Extra flags for the test binary in `make bench` (e.g. BENCHFLAGS="-test.bench BenchmarkAir").
BENCHFLAGS ?=
# How long `make fuzz` runs each fuzz target.
FUZZTIME ?= 30s
# How long `make soak` loads the medium, and in which timing mode.
SOAK ?= 10m
SOAK_TIMING ?= fast
# How long `make soak` floods the medium per timing mode (TestOverload).
OVERLOAD ?= 60s

.PHONY: help build unit fuzz vm-deps vm-tool integration test-container test-browser test demo demo-vms vm bench soak

help:
	@echo "make build        build ./cmd/... into bin/ (CGO_ENABLED=0)"
	@echo "make unit         go vet, staticcheck (pinned) and go test -race ./..."
	@echo "make fuzz         run every fuzz target for FUZZTIME (default 30s) each; their corpora"
	@echo "                  (testdata/fuzz) replay in every go test"
	@echo "make vm-deps      install host packages and the VM kernel (integration/vm/setup.sh)"
	@echo "make integration  run the integration tests in the VM (TESTFLAGS=..., VMFLAGS=...)"
	@echo "make test-container  in the VM: build a container image (podman import, no registry) and run"
	@echo "                  CONTAINER_TESTS (TestWPA2TwoStations) in podman run --privileged --network host"
	@echo "make test-browser the live view (--http) in headless Chromium: a medium in the VM and one on the host"
	@echo "                  (WATCH_SCREENSHOT=docs/watch.png saves the page)"
	@echo "make test         unit + integration + test-container + test-browser + demo-vms"
	@echo "make demo         run integration/vm/demo.sh (the vwifi walkthrough) in the VM"
	@echo "make demo-vms     the vwifi README's three-VM walkthrough: an air served on this host (loopback),"
	@echo "                  three VMs (AP in vm1, stations in vm2 and vm3) joining it (integration/vm/demo-vms.sh)"
	@echo "make soak         in the VM: 50 radios (10 APs, 40 stations pinging) for SOAK (10m), the medium's"
	@echo "                  RSS, heap, goroutines and fds sampled and required flat (SOAK_TIMING=airtime);"
	@echo "                  then unlimited UDP between 3 pairs next to 20 beaconing APs for OVERLOAD (60s),"
	@echo "                  fast and airtime: no deadlock, bounded memory, pings after"
	@echo "make vm           interactive shell in the VM"
	@echo "make bench        Go micro-benchmarks on the host, then BenchmarkAir/BenchmarkScale in one VM boot"
	@echo "                  (results: $(CACHE)/bench.json, $(CACHE)/microbench.txt, medium CPU profiles"
	@echo "                  $(CACHE)/{air,scale}-*.prof and their pprof -top in *.top; docs/benchmarks.md)"

build:
	@mkdir -p bin
	CGO_ENABLED=0 $(GO) build -o bin/ ./cmd/...

# staticcheck is pinned (the newest release that supports this Go) and run
# through go run, so the check needs no install and is the same everywhere.
unit:
	$(GO) vet ./...
	$(GO) vet -tags integration ./integration/...
	$(GO) vet -tags browser ./integration/browser/
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	$(GO) test -race ./...

# Every Fuzz* target of every package, one after the other; a failure
# stops here and leaves its input in the package's testdata/fuzz, which
# go test then replays. Go's fuzzing coordinator (go1.26) can end a
# duration-bound run with "context deadline exceeded" and no failing input
# (golang/go#75804, a race at -fuzztime's end): that is said and skipped;
# a failure that writes an input, or any other failure, stops the run.
fuzz:
	@set -e; log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "==== $$pkg $$f ($(FUZZTIME))"; \
			before=$$(ls "$$dir/testdata/fuzz/$$f" 2>/dev/null | wc -l); \
			s=0; $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg >"$$log" 2>&1 || s=$$?; \
			cat "$$log"; \
			[ $$s -eq 0 ] && continue; \
			after=$$(ls "$$dir/testdata/fuzz/$$f" 2>/dev/null | wc -l); \
			if [ $$after -eq $$before ] && grep -q 'context deadline exceeded' "$$log"; then \
				echo "==== $$f: not a finding: Go's fuzzing coordinator stopped with 'context deadline exceeded' and wrote no input (golang/go#75804)"; \
				continue; \
			fi; \
			echo "==== $$pkg $$f FAILED (new inputs in $$dir/testdata/fuzz/$$f: $$((after - before)))"; exit 1; \
		done; \
	done

vm-deps:
	integration/vm/setup.sh $(CACHE)

vm-tool:
	@mkdir -p $(CACHE)
	$(GO) build -o $(VM) ./integration/vm

integration: build vm-deps vm-tool
	$(VMTOOL) $(VMFLAGS) test -- $(TESTFLAGS)

# The privileged-container use (docs/interop.md): the VM builds an image
# from a root filesystem the VM tool assembles and runs the tests in
# podman run --privileged; the status is the test binary's in the container.
# One VM boot, about 70 s under TCG (boot 9 s, image 17 s, tests 40 s),
# so it is part of make test.
test-container: build vm-deps vm-tool
	$(VMTOOL) $(VMFLAGS) container -- -test.run '$(CONTAINER_TESTS)'

# The live view in a real browser (integration/browser): headless Chromium
# on the host, driven by chromedp, against a medium in the VM reached
# through a port QEMU forwards to the host's loopback, and against one on
# the host with the in-memory kernel connection.
test-browser: build vm-deps vm-tool
	HWSIM_VM=$(abspath $(VM)) HWSIM_VM_CACHE=$(abspath $(CACHE)) $(GO) test -tags browser -count=1 -v -timeout 25m ./integration/browser/

test: unit integration test-container test-browser demo-vms

# The soak test is skipped unless given a duration; the VM gets room for
# 50 namespaces' daemons and time for the setup.
soak: build vm-deps vm-tool
	$(VMTOOL) -timeout 60m -mem 2048 $(VMFLAGS) test -- -test.run '^(TestSoak|TestOverload)$$' -soak.duration $(SOAK) -soak.timing $(SOAK_TIMING) -overload.duration $(OVERLOAD) $(TESTFLAGS)

demo: build vm-deps vm-tool
	$(VMTOOL) $(VMFLAGS) demo

# Three VMs at once (one CPU and 1 GB each) and the air's server on the
# host's loopback; integration/vm/demovms.go. Under a minute under TCG
# (43-52 s on 2 cores), so make test runs it too.
demo-vms: build vm-deps vm-tool
	$(VMTOOL) $(VMFLAGS) demo-vms

vm: build vm-deps vm-tool
	$(VMTOOL) $(VMFLAGS) shell

# Micro-benchmarks first (seconds), saved and printed; then one VM boot runs
# every configuration of the air scenario in alternating rounds and the
# scale scenario (VMFLAGS="-timeout 60m" to change the 45m default).
bench: build vm-deps vm-tool
	@echo "==== Go micro-benchmarks (host): go test -run '^$$' -bench . -benchmem ./medium/ ./hwsim/ ./mac/ ===="
	@$(GO) test -run '^$$' -bench . -benchmem ./medium/ ./hwsim/ ./mac/ >$(CACHE)/microbench.txt 2>&1; \
		s=$$?; cat $(CACHE)/microbench.txt; exit $$s
	@echo "==== VM benchmarks ===="
	@rm -f $(CACHE)/air-*.prof $(CACHE)/scale-*.prof $(CACHE)/air-*.top $(CACHE)/scale-*.top
	$(VMTOOL) $(VMFLAGS) bench -- $(BENCHFLAGS)
	@for p in $(CACHE)/air-*.prof $(CACHE)/scale-*.prof; do \
		[ -f "$$p" ] || continue; \
		echo "==== go tool pprof -top $$p (hwsim-medium CPU profile from the VM) ===="; \
		$(GO) tool pprof -top -nodecount=30 bin/hwsim-medium "$$p" 2>/dev/null | tee "$${p%.prof}.top" | head -40; \
	done
