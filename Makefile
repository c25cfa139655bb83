# snnc: common tasks. `make test` is what CI runs (through .ci/run).

GO ?= go

.PHONY: all build test vet fuzz example testdata generate check-generate

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

# The README's main command: run the shipped classifier on its sample input.
example:
	$(GO) run ./cmd/snnc run testdata/models/mnist_lif.snn.json --input testdata/inputs/mnist_lif.npy --output /tmp/mnist_lif.out.npy

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
