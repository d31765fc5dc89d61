#!/usr/bin/env bash
# Builds the npm package in pkg/: Rust -> wasm32 (release) -> wasm-bindgen
# (--target web) -> wasm-opt -Oz, into pkg/dist/ (generated, git-ignored),
# then prints the sizes of the wasm and the JS glue, raw and gzip -9.
#
# Needs what scripts/install.sh installs (wasm32 target, wasm-bindgen-cli,
# node_modules/.bin/wasm-opt from the binaryen npm package).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WASM_IN="$TARGET_DIR/wasm32-unknown-unknown/release/vendor_auth.wasm"
# VENDOR_AUTH_DIST writes the build elsewhere (a test's scratch directory).
OUT="${VENDOR_AUTH_DIST:-$ROOT/pkg/dist}"
TMP="$OUT.tmp"
[ -z "${VENDOR_AUTH_DIST:-}" ] && TMP="$ROOT/pkg/.dist.tmp"
# VENDOR_AUTH_DEBUG_NAMES=1 keeps the wasm's "name" section (function
# names), so that a trap's stack trace says which Rust function it was in:
# a debugging build, larger than the published one.
DEBUG_NAMES=()
[ -n "${VENDOR_AUTH_DEBUG_NAMES:-}" ] && DEBUG_NAMES=(--debuginfo)
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
[ -x "$WASM_OPT" ] || { echo "build.sh: $WASM_OPT missing; run scripts/install.sh" >&2; exit 1; }

t0=$(date +%s)
echo "==> cargo build --release --target wasm32-unknown-unknown --lib"
cargo build --release --target wasm32-unknown-unknown --lib
t1=$(date +%s)

# wasm-bindgen + wasm-opt take most of the time: skip them when neither the
# cargo output nor this pipeline changed since the last build.
stamp="$(cat "$WASM_IN" scripts/build.sh scripts/gen-public-dts.mjs scripts/gen-inline-wasm.mjs | sha256sum | cut -d' ' -f1) $(wasm-bindgen --version) $("$WASM_OPT" --version) ${DEBUG_NAMES[*]:-}"
if [ -f "$OUT/.build-stamp" ] && [ "$(cat "$OUT/.build-stamp")" = "$stamp" ] && [ -z "${FORCE:-}" ]; then
  echo "==> pkg/dist is up to date with the cargo output (FORCE=1 rebuilds)"
else
  echo "==> wasm-bindgen --target web"
  rm -rf "$TMP"
  # --weak-refs: a client the program drops is freed with its JS object
  # (FinalizationRegistry), so clients made per request without free() do not
  # grow the wasm memory.
  wasm-bindgen --target web --weak-refs --out-dir "$TMP" --out-name vendor_auth "$WASM_IN"

  # The features rustc enables by default for wasm32-unknown-unknown (Rust >=
  # 1.87): wasm-opt must accept each one the module uses, and must not
  # introduce any other (Workers, Node 20 and current browsers support all of
  # these).
  echo "==> wasm-opt -Oz"
  "$WASM_OPT" -Oz "${DEBUG_NAMES[@]}" \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$TMP/vendor_auth_bg.wasm" -o "$TMP/vendor_auth_bg.wasm"

  node scripts/gen-public-dts.mjs "$TMP/vendor_auth.d.ts" "$TMP/types.d.ts"
  node scripts/gen-inline-wasm.mjs "$TMP/vendor_auth_bg.wasm" "$TMP/wasm-inline.js"

  # Swap in one step so a running `make demo` never sees a half-written dist.
  rm -rf "$OUT"
  mv "$TMP" "$OUT"
  printf '%s\n' "$stamp" >"$OUT/.build-stamp"
fi
t2=$(date +%s)

# The npm page and the licence: the package's README is the user part of the
# project README, its licence files and changelog are the root's (copied,
# git-ignored, in package.json "files").
node scripts/pkg-readme.mjs README.md pkg/README.md
cp LICENSE-MIT LICENSE-APACHE CHANGELOG.md pkg/

size_line() {
  printf '  %-28s %9d bytes raw  %8d bytes gzip -9\n' \
    "$1" "$(wc -c <"$2")" "$(gzip -9 -c "$2" | wc -c)"
}
echo "==> sizes"
size_line "cargo output (before opt)" "$WASM_IN"
size_line "dist/vendor_auth_bg.wasm" "$OUT/vendor_auth_bg.wasm"
size_line "dist/vendor_auth.js (glue)" "$OUT/vendor_auth.js"
size_line "dist/wasm-inline.js (inline)" "$OUT/wasm-inline.js"
echo "==> built pkg/dist in $((t2 - t0))s (cargo $((t1 - t0))s, bindgen+opt $((t2 - t1))s)"
