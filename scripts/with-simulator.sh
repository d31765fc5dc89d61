#!/usr/bin/env bash
# scripts/with-simulator.sh CMD [ARGS...]: runs CMD with the vendor simulator
# listening on 127.0.0.1:$TEST_SIM_PORT (default 8791, beside the demo's
# 8790), exported as VENDOR_AUTH_SIM_URL, and stops it afterwards. Used
# around the wasm-bindgen tests: Rust test code can read the URL with
# option_env!("VENDOR_AUTH_SIM_URL") (a fixed port keeps cargo from
# rebuilding the tests on every run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${TEST_SIM_PORT:-8791}"
log="$(mktemp)"

node "$ROOT/tests/simulator/server.mjs" --port "$port" >"$log" 2>&1 &
sim=$!
cleanup() {
  kill "$sim" 2>/dev/null && wait "$sim" 2>/dev/null
  rm -f "$log"
}
trap cleanup EXIT

for _ in $(seq 100); do
  grep -q "listening on" "$log" && break
  if ! kill -0 "$sim" 2>/dev/null; then
    echo "with-simulator.sh: the simulator did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
grep -q "listening on" "$log" || { echo "with-simulator.sh: simulator start timed out" >&2; cat "$log" >&2; exit 1; }

export VENDOR_AUTH_SIM_URL="http://127.0.0.1:$port"
"$@"
