# snnc: common tasks. `make test` is what CI runs (through .ci/run).

GO ?= go

.PHONY: all build test vet fuzz example testdata generate check-generate test-cpus nir-check

all: vet test

build:
	$(GO) build -o bin/snnc ./cmd/snnc

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l . && echo "gofmt: files above need formatting" && exit 1)

test: vet check-generate
	$(GO) test ./...

# A short run of every fuzzer (the seeds also run in `make test`).
fuzz:
	$(GO) test ./ir/ -run XXX -fuzz 'FuzzParse$$' -fuzztime 15s
	$(GO) test ./ir/ -run XXX -fuzz FuzzParseGraph -fuzztime 15s
	$(GO) test ./module/ -run XXX -fuzz FuzzModelFile -fuzztime 15s
	$(GO) test ./internal/tensorio/ -run XXX -fuzz FuzzSafetensors -fuzztime 10s
	$(GO) test ./internal/tensorio/ -run XXX -fuzz FuzzNpy -fuzztime 10s
	$(GO) test ./internal/tensorio/ -run XXX -fuzz FuzzNpz -fuzztime 10s
	$(GO) test ./nir/ -run XXX -fuzz FuzzRead -fuzztime 15s -fuzzminimizetime 2s

# The README's main command: compile the shipped classifier and run the
# program that links it on the sample input.
example:
	$(GO) run ./cmd/snnc compile testdata/models/mnist_lif.snn.json -o examples/mnist/mnistlif --train && $(GO) run ./examples/mnist

# Regenerate the testdata models and inputs (deterministic).
testdata:
	$(GO) test ./module/ -run TestTestdataModels -update

# The compiled example package: `make generate` rewrites it from the model,
# `make check-generate` fails when the committed one differs from what
# snnc compile writes now.
EXAMPLE_MODEL = testdata/models/mnist_lif.snn.json
EXAMPLE_PKG = examples/mnist/mnistlif

generate:
	$(GO) run ./cmd/snnc compile $(EXAMPLE_MODEL) -o $(EXAMPLE_PKG) --train

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

# The kernel paths this CPU would not take: the generated packages and the
# assembly kernel tests on emulated CPUs without AVX2 (Nehalem) and without
# AVX-512 (Haswell). Needs qemu-x86_64 (Debian qemu-user).
test-cpus:
	SNNC_GO_TEST_EXEC="qemu-x86_64 -cpu Nehalem" $(GO) test -count=1 ./backend/gogen ./backend/amd64 -run 'GeneratedPackages|ForwardKernels'
	SNNC_GO_TEST_EXEC="qemu-x86_64 -cpu Haswell" $(GO) test -count=1 ./backend/gogen ./backend/amd64 -run 'GeneratedPackages|ForwardKernels'
	$(GO) test -count=1 -exec "qemu-x86_64 -cpu Nehalem" ./examples/...
	$(GO) test -count=1 -exec "qemu-x86_64 -cpu Haswell" ./examples/...
