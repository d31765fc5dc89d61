# vendor-auth: the two commands that do everything on a fresh machine are
# `make demo` and `make test`; both install what is missing first
# (scripts/install.sh, idempotent).
#
#   make install   toolchain pieces, Chromium + ChromeDriver, npm dev deps
#   make build     pkg/dist: cargo (wasm32, release) -> wasm-bindgen -> wasm-opt
#   make demo      build, start the vendor simulator and serve www/ (Ctrl-C stops)
#   make test      every test layer (see TEST_LAYERS below)
#   make bench     benchmarks side by side with JS token libraries -> bench/results.md
#   make fuzz      fuzz every parser (FUZZ_SECONDS each, default 60)
#   make fmt       cargo fmt
#   make lint      cargo fmt --check + clippy (native and wasm32)
#
# make test KEEP_GOING=1 runs every layer even after one fails.
# Ports: DEMO_PORT (8080), SIM_PORT (8790), DEMO_HOST (127.0.0.1); the wasm
# tests' simulator: TEST_SIM_PORT (8791).

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

export PATH := $(HOME)/.cargo/bin:$(PATH)
export CARGO_TERM_PROGRESS_WHEN := never

DEMO_PORT ?= 8080
SIM_PORT ?= 8790
DEMO_HOST ?= 127.0.0.1
CHROMEDRIVER ?= /usr/bin/chromedriver
# The wasm-bindgen tests: tests/web.rs, run once in Node and once in Chromium.
WASM_TEST_ARGS ?= --test web
WASM_TARGET := wasm32-unknown-unknown
TIMED := scripts/timed.sh
# The wasm tests run with the simulator on 127.0.0.1:$(TEST_SIM_PORT),
# exported as VENDOR_AUTH_SIM_URL (see scripts/with-simulator.sh).
TEST_SIM_PORT ?= 8791
export TEST_SIM_PORT
WITH_SIM := $(if $(wildcard tests/simulator/server.mjs),scripts/with-simulator.sh)
TIMINGS_FILE := $(CURDIR)/target/test-timings.tsv

TEST_LAYERS := fmt-check clippy clippy-wasm test-native test-fuzz pkg-dist size-budget test-wasm-node test-wasm-browser test-js

.PHONY: help install build pkg-dist size-budget bench fuzz test-fuzz demo test fmt fmt-check lint clippy clippy-wasm \
        test-native test-wasm test-wasm-node test-wasm-browser test-js clean

help:
	@sed -n 's/^#   //p' Makefile

install:
	@scripts/install.sh

build: install
	@$(MAKE) pkg-dist

pkg-dist:
	@$(TIMED) "build pkg/dist" scripts/build.sh

# The gzipped wasm and JS glue against size-budget.json (a test layer).
size-budget:
	@$(TIMED) "size budget" node scripts/size-budget.mjs

# cargo-fuzz over every parser: `make fuzz` for a real run, and a short
# bounded one (corpus replay + 3 s per target) as a test layer.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

test-fuzz:
	@$(TIMED) "fuzz (smoke)" scripts/fuzz.sh --smoke

# Not part of `make test`: measures and prints, and writes bench/results.md.
bench: build
	@node scripts/bench.mjs

demo: build
	@DEMO_PORT=$(DEMO_PORT) SIM_PORT=$(SIM_PORT) DEMO_HOST=$(DEMO_HOST) node scripts/serve.mjs

test: install
	@mkdir -p target && : >"$(TIMINGS_FILE)"
	@start=$$(date +%s); \
	 $(MAKE) $(if $(KEEP_GOING),-k) TIMINGS_FILE="$(TIMINGS_FILE)" $(TEST_LAYERS) || rc=$$?; \
	 printf '\n==> summary\n'; \
	 awk -F'\t' '{ printf "  %-30s %7ss  %s\n", $$1, $$2, $$3 }' "$(TIMINGS_FILE)"; \
	 printf '  %-30s %7ss\n' total "$$(( $$(date +%s) - start ))"; \
	 awk -F'\t' '{ if ($$3 == "ok") p++; else f++ } \
	   END { printf "layers: %d passed, %d failed\n", p, f }' "$(TIMINGS_FILE)"; \
	 exit $${rc:-0}

fmt:
	cargo fmt --all

lint: fmt-check clippy clippy-wasm

fmt-check:
	@$(TIMED) "cargo fmt --check" cargo fmt --all -- --check

clippy:
	@$(TIMED) "clippy (native)" cargo clippy --all-targets -- -D warnings

clippy-wasm:
	@$(TIMED) "clippy (wasm32)" cargo clippy --target $(WASM_TARGET) --lib -- -D warnings

test-native:
	@$(TIMED) "cargo test (native)" cargo test

# wasm-bindgen-test-runner picks the runtime per test binary: a
# wasm_bindgen_test_configure! in the test file wins; without one it runs in
# Node, or in a browser when WASM_BINDGEN_USE_BROWSER is set (0.2.130). The
# ONLY_NODE/ONLY_WEB flags skip a binary configured for the other side
# instead of running it twice. Chromium's flags come from webdriver.json.
test-wasm: test-wasm-node test-wasm-browser

test-wasm-node:
	@if [ -f tests/web.rs ]; then \
	   CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	   WASM_BINDGEN_TEST_ONLY_NODE=1 \
	   $(TIMED) "wasm-bindgen-test (Node)" $(WITH_SIM) cargo test --target $(WASM_TARGET) $(WASM_TEST_ARGS); \
	 else echo "==> wasm-bindgen-test (Node): no tests/web.rs, skipped"; fi

test-wasm-browser:
	@if [ -f tests/web.rs ]; then \
	   CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	   WASM_BINDGEN_USE_BROWSER=1 WASM_BINDGEN_TEST_ONLY_WEB=1 \
	   CHROMEDRIVER=$(CHROMEDRIVER) \
	   WASM_BINDGEN_TEST_WEBDRIVER_JSON=$(CURDIR)/webdriver.json \
	   $(TIMED) "wasm-bindgen-test (Chromium)" $(WITH_SIM) cargo test --target $(WASM_TARGET) $(WASM_TEST_ARGS); \
	 else echo "==> wasm-bindgen-test (Chromium): no tests/web.rs, skipped"; fi

# JS tests: the simulator's own, the package's (tests/js), and the consumer
# tests (Node, Vite, import map, Workers, types). Needs `make build` first.
JS_TEST_DIRS = $(wildcard tests/simulator tests/js tests/consumers tests/demo)
test-js:
	@$(TIMED) "node --test" node --test --test-reporter=spec $(JS_TEST_DIRS)

clean:
	cargo clean
	rm -rf pkg/dist pkg/.dist.tmp
