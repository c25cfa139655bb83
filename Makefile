# snnc: common tasks. `make test` is what CI runs (through .ci/run).

GO ?= go

.PHONY: all build test vet fuzz example testdata generate check-generate test-cpus nir-check neuro-check

all: vet test

build:
	$(GO) build -o bin/snnc ./cmd/snnc

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l . && echo "gofmt: files above need formatting" && exit 1)

test: vet check-generate
	$(GO) test ./...

# A short run of every fuzzer (the seeds also run in `make test`; each
# fuzzer of internal/tensorio, internal/hdf5 and nir keeps its seeds in
# testdata/fuzz/<FuzzName>/). The budgets are counts of executions, up to
# about 15 s each on the CI machine: with a duration, Go 1.26's fuzzing
# coordinator can report "context deadline exceeded" as a failure when the
# time runs out while a worker is busy (golang/go#75804, fixed in Go 1.27).
fuzz:
	$(GO) test ./ir/ -run XXX -fuzz 'FuzzParse$$' -fuzztime 400000x -fuzzminimizetime 2s
	$(GO) test ./ir/ -run XXX -fuzz FuzzParseGraph -fuzztime 400000x -fuzzminimizetime 2s
	$(GO) test ./module/ -run XXX -fuzz FuzzModelFile -fuzztime 200000x -fuzzminimizetime 2s
	$(GO) test ./internal/tensorio/ -run XXX -fuzz FuzzSafetensors -fuzztime 250000x -fuzzminimizetime 2s
	$(GO) test ./internal/tensorio/ -run XXX -fuzz FuzzNpy -fuzztime 200000x -fuzzminimizetime 2s
	$(GO) test ./internal/tensorio/ -run XXX -fuzz FuzzNpz -fuzztime 100000x -fuzzminimizetime 2s
	$(GO) test ./dataset/ -run XXX -fuzz FuzzReadIDX -fuzztime 300000x -fuzzminimizetime 2s
	$(GO) test ./dataset/ -run XXX -fuzz FuzzLoadNpz -fuzztime 10000x -fuzzminimizetime 2s
	$(GO) test ./nir/ -run XXX -fuzz FuzzRead -fuzztime 20000x -fuzzminimizetime 2s
	$(GO) test ./internal/hdf5/ -run XXX -fuzz FuzzOpen -fuzztime 20000x -fuzzminimizetime 2s
	$(GO) test ./backend/neuro/ -run XXX -fuzz FuzzParseTarget -fuzztime 50000x -fuzzminimizetime 2s
	$(GO) test ./backend/neuro/ -run XXX -fuzz FuzzReplayTrace -fuzztime 300000x -fuzzminimizetime 2s

# The README's main command: compile the shipped classifier and run the
# program that links it on the sample input.
example:
	$(GO) run ./cmd/snnc compile testdata/models/mnist_lif.snn.json -o examples/mnist/mnistlif --train && $(GO) run ./examples/mnist

# Regenerate the testdata models and inputs (deterministic).
testdata:
	$(GO) test ./module/ -run TestTestdataModels -update

# The compiled example package: `make generate` rewrites it from the model,
# `make check-generate` fails when the committed one differs from what
# snnc compile writes now. `make generate` also rewrites the small model
# that backend/gogen/testrt's test files run against (TestTestrtUpToDate
# in `go test ./...` checks it); bench/lifc/snnclif is rewritten by
# `cd bench/lifc && go generate`.
EXAMPLE_MODEL = testdata/models/mnist_lif.snn.json
EXAMPLE_PKG = examples/mnist/mnistlif

generate:
	$(GO) run ./cmd/snnc compile $(EXAMPLE_MODEL) -o $(EXAMPLE_PKG) --train
	$(GO) test ./backend/gogen/ -run TestTestrtUpToDate -count=1 -update

check-generate:
	@tmp=$$(mktemp -d) && \
	$(GO) run ./cmd/snnc compile $(EXAMPLE_MODEL) -o $$tmp/mnistlif --train >/dev/null && \
	diff -r $$tmp/mnistlif $(EXAMPLE_PKG) && rm -rf $$tmp && \
	echo "check-generate: $(EXAMPLE_PKG) is up to date"

# NIR export read by HDF5's own tools (Debian's hdf5-tools and
# python3-h5py; .ci/run installs them): h5dump must dump what
# `snnc nir export` writes, and h5py must find NIR's groups and datasets.
NIR_CHECK_DIR ?= /tmp/snnc-nir-check
H5PY_PYTHON ?= /usr/bin/python3

nir-check:
	@rm -rf $(NIR_CHECK_DIR) && mkdir -p $(NIR_CHECK_DIR)
	$(GO) build -o $(NIR_CHECK_DIR)/snnc ./cmd/snnc
	$(NIR_CHECK_DIR)/snnc nir export testdata/models/mnist_lif.snn.json -o $(NIR_CHECK_DIR)/mnist_lif.nir
	$(NIR_CHECK_DIR)/snnc nir export testdata/models/conv_iaf.snn.json -o $(NIR_CHECK_DIR)/conv_iaf.nir
	@for f in mnist_lif conv_iaf; do \
		h5dump $(NIR_CHECK_DIR)/$$f.nir > $(NIR_CHECK_DIR)/$$f.h5dump || exit 1; \
		for want in 'DATASET "version"' 'GROUP "node"' 'DATASET "edges"' 'GROUP "nodes"' '"CubaLIF"' 'H5T_IEEE_F64LE'; do \
			grep -qF "$$want" $(NIR_CHECK_DIR)/$$f.h5dump || { echo "nir-check: h5dump of $$f.nir lacks $$want"; exit 1; }; \
		done; \
	done
	@grep -qF 'GROUP "conv1"' $(NIR_CHECK_DIR)/conv_iaf.h5dump && grep -qF 'H5T_STD_I64LE' $(NIR_CHECK_DIR)/conv_iaf.h5dump
	$(H5PY_PYTHON) nir/testdata/check_h5py.py $(NIR_CHECK_DIR)/mnist_lif.nir $(NIR_CHECK_DIR)/conv_iaf.nir
	@echo "nir-check: h5dump and h5py read the exported files"

# The neuromorphic backend against the chip vendors' own traces
# (../shared/reference/neuro, or SNNC_CHIP_REF) and its lava-dl netx export
# read by h5py; SNNC_REQUIRE_REF=1 turns a missing reference or h5py into a
# failure instead of a skip.
neuro-check:
	SNNC_REQUIRE_REF=1 H5PY_PYTHON=$(H5PY_PYTHON) $(GO) test -count=1 ./backend/neuro -run 'ChipTraces|NetxH5py' -v

# The kernel paths this CPU would not take: the generated packages and the
# assembly kernel tests on emulated CPUs without AVX2 (Nehalem) and without
# AVX-512 (Haswell). Under Nehalem the packages' dispatch picks the generic
# kernels, which the purego runs already test, so only the examples and the
# kernel tests run there. Needs qemu-x86_64 (Debian qemu-user).
test-cpus:
	SNNC_GO_TEST_EXEC="qemu-x86_64 -cpu Nehalem" $(GO) test -count=1 ./backend/amd64 -run 'ForwardKernels'
	SNNC_GO_TEST_EXEC="qemu-x86_64 -cpu Haswell" $(GO) test -count=1 ./compiler ./backend/amd64 -run 'GeneratedPackages|ForwardKernels'
	$(GO) test -count=1 -exec "qemu-x86_64 -cpu Nehalem" ./examples/...
	$(GO) test -count=1 -exec "qemu-x86_64 -cpu Haswell" ./examples/...

# 32-bit builds: everything builds, vets and passes its tests with a 32-bit
# int (386 binaries run natively on amd64 Linux kernels with IA-32
# emulation; where the kernel has none, the tests are skipped with a line
# saying so, and only vet runs). -short leaves out the
# tests that compile whole generated packages (the amd64 run has them).
.PHONY: test-386
test-386:
	GOARCH=386 $(GO) vet ./...
	@probe=$$(mktemp); GOARCH=386 $(GO) build -o $$probe ./cmd/snnc; $$probe --help >/dev/null 2>&1; rc=$$?; rm -f $$probe; \
	if [ $$rc -eq 126 ]; then echo "test-386: this kernel cannot run 386 binaries (exec format error): vetted only"; \
	else echo "GOARCH=386 $(GO) test -short -count=1 ./..."; GOARCH=386 $(GO) test -short -count=1 ./...; fi

# The clang baseline of bench/lifc (../shared/docs/machine.md §3): the LIF
# kernels in C (bench/lifc/_csrc/lif.c), compiled by Debian clang for AVX2
# (c2goasm miscompiles AVX-512) and converted to Go assembly by c2goasm, a
# `tool` of go.mod; it execs asm2plan9s (which assembles with yasm) and
# asmfmt by name, so they are built into a temporary bin directory on PATH.
# The fixes: clang's hex float constants become decimal (c2goasm parses
# decimal only), the header becomes a Go "Code generated" line (the
# obsolete +build line goes: the _amd64 suffix says it), and a $0 frame
# becomes $8 so that the assembler saves the BP c2goasm clobbers (today
# both kernels spill, so c2goasm gives them frames of their own).
# Needs `apt-get install -y clang yasm`.
BASELINE_C_PKG = bench/lifc
CLANG ?= clang
BASELINE_C_CFLAGS = -O3 -mavx2 -mfma -ffp-contract=off -masm=intel -mno-red-zone -mstackrealign \
	-mllvm -inline-threshold=1000 -fno-asynchronous-unwind-tables -fno-exceptions -fno-rtti -fno-jump-tables

.PHONY: baseline-c
baseline-c:
	@command -v $(CLANG) >/dev/null && command -v yasm >/dev/null || \
		{ echo "baseline-c: needs clang and yasm (apt-get install -y clang yasm)"; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(GO) build -o $$tmp/bin/ github.com/minio/asm2plan9s github.com/klauspost/asmfmt/cmd/asmfmt; \
	$(CLANG) $(BASELINE_C_CFLAGS) -S $(BASELINE_C_PKG)/_csrc/lif.c -o $$tmp/lif.s; \
	if grep -q zmm $$tmp/lif.s; then echo "baseline-c: clang emitted AVX-512, which c2goasm miscompiles"; exit 1; fi; \
	perl -pi -e 's/^(\s*\.(?:long|quad|short|byte)\s+)0x([0-9a-fA-F]+)/$$1.hex($$2)/e' $$tmp/lif.s; \
	cp $(BASELINE_C_PKG)/lif_amd64.go $$tmp/lif_amd64.go; \
	PATH=$$tmp/bin:$$PATH $(GO) tool c2goasm -a -f $$tmp/lif.s $$tmp/lif_amd64.s; \
	perl -ni -e 'next if m{^//\s*\+build}; s{^// AUTO-GENERATED BY C2GOASM -- DO NOT EDIT$$}{// Code generated by c2goasm from _csrc/lif.c (make baseline-c). DO NOT EDIT.}; s/^(TEXT\s+\S+,\s*)\$$0-/$${1}\$$8-/; print' $$tmp/lif_amd64.s; \
	grep -q '^// Code generated by c2goasm' $$tmp/lif_amd64.s && grep -q '^TEXT ·_lif_fwd(SB)' $$tmp/lif_amd64.s && \
		grep -q '^TEXT ·_lif_fwd_tiled(SB)' $$tmp/lif_amd64.s || \
		{ echo "baseline-c: c2goasm did not write the kernel"; exit 1; }; \
	cp $$tmp/lif_amd64.s $(BASELINE_C_PKG)/lif_amd64.s
	$(GO) vet ./$(BASELINE_C_PKG)
	$(GO) test -count=1 ./$(BASELINE_C_PKG)
	@echo "baseline-c: $(BASELINE_C_PKG)/lif_amd64.s rewritten"

# The arm64 (NEON) kernels on an emulated arm64 CPU, qemu-aarch64 (Debian
# qemu-user): the asm builder's probe kernels (every WORD-encoded
# instruction is also decoded by go tool objdump), backend/arm64's neuron
# and product kernels against the float32 interpreter and the plain-Go
# products, every package of compiler's TestGeneratedPackages, and the
# compiled example package with and without purego (GOARCH=arm64 go test
# -exec qemu-aarch64). Correctness only: qemu timings say nothing about
# arm64 performance.
.PHONY: test-arm64
test-arm64:
	GOARCH=arm64 $(GO) vet ./...
	SNNC_ARM64_EXEC=qemu-aarch64 $(GO) test -count=1 ./asm ./backend/arm64 -run 'ARM64|Kernels|Products|Unsupported'
	SNNC_GO_TEST_GOARCH=arm64 SNNC_GO_TEST_EXEC=qemu-aarch64 $(GO) test -count=1 ./compiler -run GeneratedPackages
	GOARCH=arm64 $(GO) test -count=1 -exec qemu-aarch64 ./backend/gogen/rt ./backend/interp ./examples/...
	GOARCH=arm64 $(GO) test -count=1 -exec qemu-aarch64 -tags purego ./examples/...
