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

# The one-vendor builds behind "vendor-auth/<vendor>" (cargo features):
# VENDOR_AUTH_VENDORS="" skips them (a quicker build for local work; the
# package then lacks those entries).
ALL_VENDORS="$(node --input-type=module -e 'import { VENDORS } from "./scripts/vendors.mjs"; console.log(VENDORS.join(" "))')"
VENDORS="${VENDOR_AUTH_VENDORS-$ALL_VENDORS}"
vendor_wasm() { printf '%s' "$TARGET_DIR/vendors/$1/wasm32-unknown-unknown/release/vendor_auth.wasm"; }

t0=$(date +%s)
echo "==> cargo build --release --target wasm32-unknown-unknown --lib"
cargo build --release --target wasm32-unknown-unknown --lib
if [ -n "$VENDORS" ]; then
  echo "==> one-vendor builds (--no-default-features --features <vendor>): $VENDORS"
  # Each in its own target directory (one cdylib path per directory), two at a time.
  printf '%s\n' $VENDORS | TARGET_DIR="$TARGET_DIR" xargs -P 2 -I{} sh -c \
    'CARGO_TARGET_DIR="$TARGET_DIR/vendors/{}" cargo build --quiet --release --target wasm32-unknown-unknown --lib --no-default-features --features {}'
fi
t1=$(date +%s)

# wasm-bindgen + wasm-opt take most of the time: skip them when neither the
# cargo output nor this pipeline changed since the last build.
vendor_inputs=()
for v in $VENDORS; do vendor_inputs+=("$(vendor_wasm "$v")"); done
stamp="$(cat "$WASM_IN" "${vendor_inputs[@]}" scripts/build.sh scripts/short-imports.mjs scripts/order-functions.mjs scripts/gen-public-dts.mjs scripts/gen-inline-wasm.mjs scripts/gen-vendor-entry.mjs pkg/*.js pkg/workers.d.ts | sha256sum | cut -d' ' -f1) $(wasm-bindgen --version) $("$WASM_OPT" --version) ${DEBUG_NAMES[*]:-} [$VENDORS]"
if [ -f "$OUT/.build-stamp" ] && [ "$(cat "$OUT/.build-stamp")" = "$stamp" ] && [ -z "${FORCE:-}" ]; then
  echo "==> pkg/dist is up to date with the cargo output (FORCE=1 rebuilds)"
else
  # wasm-bindgen, then wasm-opt, of one cargo output into a directory.
  bindgen_opt() {
    # --weak-refs: a client the program drops is freed with its JS object
    # (FinalizationRegistry), so clients made per request without free() do
    # not grow the wasm memory.
    wasm-bindgen --target web --weak-refs --out-dir "$2" --out-name vendor_auth "$1"
    # The features rustc enables by default for wasm32-unknown-unknown (Rust
    # >= 1.87): wasm-opt must accept each one the module uses, and must not
    # introduce any other (Workers, Node 20 and current browsers support all
    # of these).
    # -ocimfs=25: a function with one caller is inlined into it only when
    # small. wasm-opt's default inlines every such function, and the larger
    # functions that made compressed 4.5 kB worse (zlib 101,118 -> 96,646,
    # brotli 84,626 -> 81,870; raw 233,714 -> 237,853), measured in session
    # 8 over 0 ... 1500 (10 to 25 are the best). --reorder-functions-by-name
    # puts a module's functions side by side, where deflate finds their
    # likenesses: 239 bytes of zlib, 671 of brotli. The "producers" and
    # "target_features" custom sections are for tools, not engines: 199
    # bytes of zlib.
    "$WASM_OPT" -Oz -ocimfs=25 --reorder-functions-by-name \
      --strip-producers --strip-target-features "${DEBUG_NAMES[@]}" \
      --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$2/vendor_auth_bg.wasm" -o "$2/vendor_auth_bg.wasm"
    # Each function body next to the one it most resembles, where deflate
    # and brotli find the repeats (scripts/order-functions.mjs): 1.5 kB of
    # zlib and 1.6 kB of brotli on top of the by-name order.
    node scripts/order-functions.mjs "$2/vendor_auth_bg.wasm"
    # The glue's imports by short names instead of wasm-bindgen's hashed
    # ones, in the wasm and the glue alike (scripts/short-imports.mjs).
    node scripts/short-imports.mjs "$2"
    # wasm-bindgen copies the JS host (pkg/host.js, imported by the glue)
    # into snippets/<crate hash>/: host.js re-exports that one copy for the
    # rest of the host (pkg/client-fetch.js).
    local snippet
    snippet="$(cd "$2" && ls snippets/*/pkg/host.js)"
    printf '// Generated by scripts/build.sh: the one copy of pkg/host.js.\nexport * from "./%s";\n' "$snippet" >"$2/host.js"
  }
  echo "==> wasm-bindgen --target web, wasm-opt -Oz"
  rm -rf "$TMP"
  bindgen_opt "$WASM_IN" "$TMP"
  node scripts/gen-public-dts.mjs "$TMP/vendor_auth.d.ts" "$TMP/types.d.ts"
  node scripts/gen-inline-wasm.mjs "$TMP/vendor_auth_bg.wasm" "$TMP/wasm-inline.js"
  # The Node entries as one module each (esbuild), AuthError left outside:
  # a Node process then loads two files instead of eight, which is 3 to 4
  # ms of its cold start (bench/cold-node.mjs).
  bundle_node() {
    "$ROOT/node_modules/.bin/esbuild" "$1/node.js" --bundle --format=esm --platform=node \
      --target=node20 --log-level=warning --external:"$2" --outfile="$1/node.bundle.js"
    mv "$1/node.bundle.js" "$1/node.js"
  }
  node scripts/gen-vendor-entry.mjs --node "$TMP"
  bundle_node "$TMP" ../auth-error.js
  rm "$TMP/setup.js" "$TMP/client-fetch.js" "$TMP/idb-store.js"
  for v in $VENDORS; do
    bindgen_opt "$(vendor_wasm "$v")" "$TMP/$v"
    rm -f "$TMP/$v/vendor_auth.d.ts" "$TMP/$v/vendor_auth_bg.wasm.d.ts"
    node scripts/gen-vendor-entry.mjs "$v" "$TMP/$v"
    bundle_node "$TMP/$v" ../../auth-error.js
  done

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
# "vendor-auth/<vendor>" for resolvers that ignore "exports" (TypeScript's
# node10, old bundlers): a stub at the package root.
for v in $VENDORS; do
  printf '// Generated by scripts/build.sh: "vendor-auth/%s" where "exports" is not read.\nexport * from "./dist/%s/index.js";\n' "$v" "$v" >"pkg/$v.js"
  cp "pkg/$v.js" "pkg/$v.d.ts"
done
cp LICENSE-MIT LICENSE-APACHE CHANGELOG.md pkg/

# gzip -9 as make bench and the size budget measure it: zlib at level 9. The
# gzip program's own deflate can come out up to 1 kB smaller on the same wasm
# (session 8 measured 99,989 against zlib's 100,996), which is not what a
# server's or a CDN's zlib sends.
size_line() {
  node -e 'const b = require("node:fs").readFileSync(process.argv[2]);
console.log(`  ${process.argv[1].padEnd(28)} ${String(b.length).padStart(9)} bytes raw  ${String(require("node:zlib").gzipSync(b, { level: 9 }).length).padStart(8)} bytes gzip -9`);' "$1" "$2"
}
echo "==> sizes"
size_line "cargo output (before opt)" "$WASM_IN"
size_line "dist/vendor_auth_bg.wasm" "$OUT/vendor_auth_bg.wasm"
size_line "dist/vendor_auth.js (glue)" "$OUT/vendor_auth.js"
size_line "dist/wasm-inline.js (inline)" "$OUT/wasm-inline.js"
for v in $VENDORS; do size_line "dist/$v/vendor_auth_bg.wasm" "$OUT/$v/vendor_auth_bg.wasm"; done
echo "==> built pkg/dist in $((t2 - t0))s (cargo $((t1 - t0))s, bindgen+opt $((t2 - t1))s)"
