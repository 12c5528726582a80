# ssmde — the two commands a new machine needs are `make demo` and `make test`; both run `make setup`.
SHELL := /bin/bash
GO ?= go
PYTHON := /usr/bin/python3
BIN := bin/ssmde
RECIPE := models/recipe

.PHONY: setup build test test-go test-race test-python lint demo bench check-real clean

setup:
	@scripts/setup.sh

build: setup
	$(GO) build -o $(BIN) ./cmd/ssmde

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

test-go:
	$(GO) test -count=1 ./...

# The concurrent parts run again under the race detector.
test-race:
	$(GO) test -count=1 -race ./pipeline/... ./models/...

test-python:
	cd $(RECIPE) && $(PYTHON) -m unittest discover -s tests

test: setup lint test-python test-go test-race build
	@echo "make test: all passed"

bench: setup
	$(GO) test -run '^$$' -bench . -benchmem ./pipeline/...

demo: build
	@scripts/demo.sh

# Opt-in: a real camera frame from the shared data folder beside the checkout.
check-real: build
	@scripts/check_real.sh

clean:
	rm -rf bin build out
