# ssmde — the two commands a new machine needs are `make demo` and `make test`; both run `make setup`.
SHELL := /bin/bash
GO ?= go
PYTHON := /usr/bin/python3
BIN := bin/ssmde
RECIPE := models/recipe

.PHONY: setup build test test-go test-race test-python lint demo soak fuzz bench check-real data student default-model clean

setup:
	@scripts/setup.sh

build: setup
	$(GO) build -o $(BIN) ./cmd/ssmde

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# The package timeout is above go test's 10 min default: cmd/ssmde trains a student end to end.
test-go:
	$(GO) test -count=1 -timeout 30m ./...

# The concurrent parts run again under the race detector.
test-race:
	$(GO) test -count=1 -race ./pipeline/... ./models/... ./node/... ./msgs/... ./eval/... ./bag/...
	$(GO) test -count=1 -race -run 'TestEvalJobs|TestParseFlags' ./cmd/ssmde

test-python:
	cd $(RECIPE) && $(PYTHON) -m unittest discover -s tests

test: setup lint test-python test-go test-race build
	@echo "make test: all passed"

bench: setup
	$(GO) test -run '^$$' -bench . -benchmem ./pipeline/...

demo: build
	@scripts/demo.sh

# Opt-in: SOAK_MINUTES (default 30) of 1280x720 at 30 Hz through the node over DDS (RSS, threads, open
# files, goroutines, latency p50/p95/p99 per minute into build/soak/soak.{csv,png}), then the hostile
# camera for 60 s.
SOAK_MINUTES ?= 30
soak: build
	SSMDE_SOAK_MINUTES=$(SOAK_MINUTES) $(GO) test -tags soak -count=1 -v -timeout $$(( $(SOAK_MINUTES) + 15 ))m -run '^TestNodeSoak$$' ./cmd/ssmde
	SSMDE_HOSTILE_SECONDS=60 $(GO) test -count=1 -v -run '^TestNodeHostileCamera$$' ./cmd/ssmde

# Opt-in: every fuzz target for FUZZ_EXECS executions each (default 10^6), then a table in build/fuzz.
FUZZ_EXECS ?= 1000000
fuzz: setup
	@scripts/fuzz.sh --execs $(FUZZ_EXECS)

# Opt-in: a real camera frame from the shared data folder beside the checkout.
check-real: build
	@scripts/check_real.sh

# Synthetic train / val / test splits from fixed, disjoint seeds (gitignored, under data/sim).
# Each split is only rendered when its folder is missing; delete it to render again.
DATA := data/sim
INDOOR := data/sim-indoor
data: build
	@[ -d $(DATA)/train ] || $(BIN) sim --out $(DATA)/train --seed 1000 --scenes 40 --frames 100
	@[ -d $(DATA)/val ]   || $(BIN) sim --out $(DATA)/val   --seed 2000 --scenes 4  --frames 50
	@[ -d $(DATA)/test ]  || $(BIN) sim --out $(DATA)/test  --seed 3000 --scenes 4  --frames 50
	@[ -d $(INDOOR)/train ] || $(BIN) sim --world indoor --out $(INDOOR)/train --seed 4000 --scenes 20 --frames 100
	@[ -d $(INDOOR)/val ]   || $(BIN) sim --world indoor --out $(INDOOR)/val   --seed 5000 --scenes 2  --frames 50
	@[ -d $(INDOOR)/test ]  || $(BIN) sim --world indoor --out $(INDOOR)/test  --seed 6000 --scenes 4  --frames 50
	@echo "data: $(DATA)/{train,val,test} (street), $(INDOOR)/{train,val,test} (indoor)"

# Your robot's own student from a recording: make student BAG=drive.mcap [TEACHER=net.onnx|MODEL_DIR]
# (scripts/train_from_bag.sh; its settings, e.g. CAMERA_HEIGHT=1.2 DEVICE=cuda, pass through the environment).
student: build
	@[ -n "$(BAG)" ] || { echo "make student: give BAG=recording (MCAP, rosbag2 folder or ROS 1 .bag)" >&2; exit 2; }
	@scripts/train_from_bag.sh "$(BAG)" $(TEACHER)

# Retrain and ship the default student: the full SS-MDE row on the relative-depth network's maps,
# scored on every split, then copied into models/default (about 1 h on 2 CPU cores; resumable).
default-model: build
	@scripts/ablation.sh full
	@$(PYTHON) scripts/ship_default_model.py build/ablation/full/seed0

clean:
	rm -rf bin build out
