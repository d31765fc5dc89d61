#!/usr/bin/env bash
# Fuzzes the parsers of vendor-auth with cargo-fuzz (libFuzzer): every target
# in fuzz/Cargo.toml, each for a set time, and prints the executions per
# target. Exits non-zero when a target crashes (a panic: no input may make a
# parser panic), naming the crash artifact.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   each target SECONDS (default 60)
#   scripts/fuzz.sh --smoke [TARGET...]     the bounded run for `make test`:
#                                           replays the corpus, then fuzzes
#                                           each target FUZZ_SMOKE_SECONDS (3)
#
# Environment:
#   FUZZ_JOBS       targets run at once (default: the number of cores)
#   FUZZ_SANITIZER  none (default: the crate is safe Rust, and none runs ~2x
#                   faster) or address
#   FUZZ_SMOKE_SECONDS  per target in --smoke (default 3)
#
# Each target reads its seeds from fuzz/corpus/<target>/ (committed, read
# only here) and keeps what it finds in fuzz/work/<target>/ (not committed; a
# later run starts from it). Crash inputs land in fuzz/artifacts/<target>/.
# Reproduce one with:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none <target> <artifact>   (in the repo root)
#
# cargo-fuzz needs nightly flags (-Z...): RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them. The first run installs cargo-fuzz (about 50 s) and
# builds the targets (45 s on 2 cores, 70 s of CPU).
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1
export CARGO_TERM_PROGRESS_WHEN=never

CARGO_FUZZ_VERSION=0.13.2
SANITIZER=${FUZZ_SANITIZER:-none}
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}

usage() { sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; }

smoke=0
seconds=60
case "${1:-}" in
  --smoke) smoke=1; seconds=${FUZZ_SMOKE_SECONDS:-3}; shift ;;
  -h|--help) usage; exit 0 ;;
  '') ;;
  *[!0-9]*) if [[ "$1" == -* ]]; then usage >&2; exit 2; fi ;;
  *) seconds=$1; shift ;;
esac
if (( seconds < 1 )); then echo "fuzz.sh: SECONDS must be at least 1" >&2; exit 2; fi

# --- cargo-fuzz ------------------------------------------------------------
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz $CARGO_FUZZ_VERSION (cargo install)"
  cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi

all_targets=$(cargo fuzz list)
if (( $# )); then
  for t in "$@"; do
    grep -qx -- "$t" <<<"$all_targets" || { echo "fuzz.sh: no target $t (have: $(echo $all_targets))" >&2; exit 2; }
  done
  targets=("$@")
else
  mapfile -t targets <<<"$all_targets"
fi

# --- build once ------------------------------------------------------------
logs=fuzz/target/fuzz-logs
rm -rf "$logs" && mkdir -p "$logs"
echo "==> building ${#targets[@]} fuzz targets (sanitizer: $SANITIZER)"
build_start=$(date +%s)
if ! cargo fuzz build -s "$SANITIZER" >"$logs/build.log" 2>&1; then
  cat "$logs/build.log" >&2
  echo "fuzz.sh: the fuzz targets did not build" >&2
  exit 1
fi
echo "    built in $(( $(date +%s) - build_start )) s"

# --- run -------------------------------------------------------------------
run_target() {
  local t=$1
  mkdir -p "fuzz/work/$t" "fuzz/corpus/$t"
  # The first corpus directory receives new inputs: the work one, so the
  # committed seeds stay as they are.
  set +e
  cargo fuzz run -s "$SANITIZER" "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 >"$logs/$t.log" 2>&1
  echo $? >"$logs/$t.rc"
  set -e
}

echo "==> fuzzing: ${seconds} s per target, $JOBS at a time$( ((smoke)) && echo ' (smoke)')"
run_start=$(date +%s)
running=0
for t in "${targets[@]}"; do
  run_target "$t" &
  running=$((running + 1))
  if (( running >= JOBS )); then wait -n || true; running=$((running - 1)); fi
done
wait || true
run_seconds=$(( $(date +%s) - run_start ))

# --- report ----------------------------------------------------------------
failed=0
passed=0
printf '\n%-18s %12s %9s %7s  %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
  log="$logs/$t.log"
  rc=$(cat "$logs/$t.rc" 2>/dev/null || echo 1)
  # libFuzzer's final stats, else its last status line (#N ...).
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [[ -n "$execs" ]] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  units=$(grep -oE 'corp: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
  if [[ "$rc" == 0 ]]; then
    result=ok
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    if [[ -n "$artifact" ]]; then result="CRASH $artifact"; else result="FAILED (exit $rc)"; fi
  fi
  printf '%-18s %12s %9s %7s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${units:-?}" "$result"
done
echo "(${run_seconds} s of fuzzing; logs in $logs/)"

if (( failed )); then
  for t in "${targets[@]}"; do
    [[ "$(cat "$logs/$t.rc" 2>/dev/null || echo 1)" == 0 ]] && continue
    log="$logs/$t.log"
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    echo
    echo "==> $t failed (full log: $log)"
    if grep -q "panicked at" "$log"; then
      grep -m1 -A1 "panicked at" "$log" | sed 's/^/    /'
    else
      grep -m1 -E "ERROR: libFuzzer|error:|ERROR" "$log" | sed 's/^/    /' || tail -5 "$log"
    fi
    if [[ -n "$artifact" ]]; then
      # libFuzzer prints the input escaped on the line before the artifact.
      input=$(grep -B1 "Test unit written to" "$log" | head -1 | cut -c1-300)
      echo "    input: $input"
      echo "    artifact: $artifact"
      # Artifacts are named by the input's SHA-1: say when it is a seed.
      sum=${artifact##*-}
      for seed in "fuzz/corpus/$t"/*; do
        if [[ -f "$seed" && "$(sha1sum <"$seed" | cut -c1-40)" == "$sum" ]]; then
          echo "    (the committed seed $seed)"
        fi
      done
      echo "    reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run -s $SANITIZER $t $artifact"
    fi
  done
fi
echo
echo "fuzz targets: $passed passed, $failed failed"
(( failed == 0 ))
