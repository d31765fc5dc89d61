# vendor-auth: the two commands that do everything on a fresh machine are
# `make demo` and `make test`; both install what is missing first
# (scripts/install.sh, idempotent).
#
#   make install   toolchain pieces, the browsers and their drivers, npm dev deps
#   make build     pkg/dist: cargo (wasm32, release) -> wasm-bindgen -> wasm-opt
#   make demo      build, start the vendor simulator and serve www/ (Ctrl-C stops)
#   make test      every test layer (see TEST_LAYERS below)
#   make test-chromium, make test-firefox, make test-webkit
#                  one engine's browser layers alone (wasm-bindgen tests and
#                  the browser suites; needs `make build` first)
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
GECKODRIVER ?= $(HOME)/.cargo/bin/geckodriver
WEBKIT_WEBDRIVER ?= /usr/bin/WebKitWebDriver
# The wasm-bindgen tests: tests/web.rs, run in Node and in each browser.
WASM_TEST_ARGS ?= --test web
WASM_TARGET := wasm32-unknown-unknown
TIMED := scripts/timed.sh
# The wasm tests run with the simulator on 127.0.0.1:$(TEST_SIM_PORT),
# exported as VENDOR_AUTH_SIM_URL (see scripts/with-simulator.sh).
TEST_SIM_PORT ?= 8791
export TEST_SIM_PORT
WITH_SIM := $(if $(wildcard tests/simulator/server.mjs),scripts/with-simulator.sh)
TIMINGS_FILE := $(CURDIR)/target/test-timings.tsv

# The browsers: each has a wasm-bindgen layer and a browser-suite layer.
ENGINES := chromium firefox webkit
TEST_LAYERS := fmt-check clippy clippy-wasm test-native test-fuzz pkg-dist size-budget test-wasm-node test-js \
               $(foreach e,$(ENGINES),test-wasm-$(e) test-browser-$(e))

.PHONY: help install build pkg-dist size-budget bench fuzz test-fuzz demo test fmt fmt-check lint clippy clippy-wasm \
        test-native test-wasm test-wasm-node test-wasm-browser test-js clean \
        $(foreach e,$(ENGINES),test-$(e) test-wasm-$(e) test-browser-$(e))

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
	@for v in $$(node --input-type=module -e 'import { VENDORS } from "./scripts/vendors.mjs"; console.log(VENDORS.join(" "))'); do \
	  $(TIMED) "clippy (wasm32, $$v only)" cargo clippy --target $(WASM_TARGET) --lib --no-default-features --features $$v -- -D warnings || exit 1; \
	done

test-native:
	@$(TIMED) "cargo test (native)" cargo test

# wasm-bindgen-test-runner picks the runtime per test binary: a
# wasm_bindgen_test_configure! in the test file wins; without one it runs in
# Node, or in a browser when WASM_BINDGEN_USE_BROWSER is set (0.2.130). The
# ONLY_NODE/ONLY_WEB flags skip a binary configured for the other side
# instead of running it twice. The browser comes from the driver variable
# set (CHROMEDRIVER, GECKODRIVER, SAFARIDRIVER), its options from
# webdriver.json. WebKitWebDriver stands in for safaridriver; MiniBrowser
# has no headless mode, so it runs on an Xvfb display (xvfb-run).
test-wasm: test-wasm-node $(foreach e,$(ENGINES),test-wasm-$(e))
test-wasm-browser: test-wasm-chromium

test-wasm-node:
	@if [ -f tests/web.rs ]; then \
	   CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	   WASM_BINDGEN_TEST_ONLY_NODE=1 \
	   $(TIMED) "wasm-bindgen-test (Node)" $(WITH_SIM) cargo test --target $(WASM_TARGET) $(WASM_TEST_ARGS); \
	 else echo "==> wasm-bindgen-test (Node): no tests/web.rs, skipped"; fi

WASM_BROWSER_ENV = CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  WASM_BINDGEN_USE_BROWSER=1 WASM_BINDGEN_TEST_ONLY_WEB=1 \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON=$(CURDIR)/webdriver.json
WASM_DRIVER_chromium = CHROMEDRIVER=$(CHROMEDRIVER)
WASM_DRIVER_firefox = GECKODRIVER=$(GECKODRIVER)
WASM_DRIVER_webkit = SAFARIDRIVER=$(WEBKIT_WEBDRIVER)
WASM_WRAP_webkit = xvfb-run -a

$(addprefix test-wasm-,$(ENGINES)): test-wasm-%:
	@if [ -f tests/web.rs ]; then \
	   $(WASM_BROWSER_ENV) $(WASM_DRIVER_$*) \
	   $(TIMED) "wasm-bindgen-test ($*)" $(WITH_SIM) $(WASM_WRAP_$*) cargo test --target $(WASM_TARGET) $(WASM_TEST_ARGS); \
	 else echo "==> wasm-bindgen-test ($*): no tests/web.rs, skipped"; fi

# JS tests: the simulator's own, the package's (tests/js), and the consumer
# tests (Node, Vite, import map, Workers, types), without the browser
# suites, which run per engine (tests/browser/driver.mjs; BROWSERS picks
# the engines). Need `make build` first.
BROWSER_TESTS = $(wildcard tests/js/browser*.test.mjs tests/demo/*.test.mjs) \
  $(wildcard tests/consumers/www.test.mjs tests/consumers/importmap.test.mjs tests/consumers/vite.test.mjs)
JS_TESTS = $(filter-out $(BROWSER_TESTS),$(wildcard tests/simulator/*.test.mjs tests/js/*.test.mjs tests/consumers/*.test.mjs))
test-js:
	@$(TIMED) "node --test" node --test --test-reporter=spec $(JS_TESTS)

$(addprefix test-browser-,$(ENGINES)): test-browser-%:
	@$(TIMED) "browser suites ($*)" env BROWSERS=$* node --test --test-reporter=spec $(BROWSER_TESTS)

$(foreach e,$(ENGINES),$(eval test-$(e): test-wasm-$(e) test-browser-$(e)))

clean:
	cargo clean
	rm -rf pkg/dist pkg/.dist.tmp
