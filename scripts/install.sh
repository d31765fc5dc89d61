#!/usr/bin/env bash
# Installs everything vendor-auth needs to build and test on a fresh machine
# of this project's kind (Debian 12, root, Rust by rustup, Node >= 20; only
# the package registries reachable). Idempotent: each step checks first and
# skips what is already present, so a second run takes a second or two.
#
#   scripts/install.sh            # everything
#   SKIP_BROWSER=1 scripts/install.sh   # leave out the browsers and their drivers
#
# Works non-interactively (CI=true, no stdin).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export DEBIAN_FRONTEND=noninteractive
export CARGO_TERM_PROGRESS_WHEN=never
export PATH="$HOME/.cargo/bin:$PATH"

step_start=0
step() { step_start=$(date +%s); printf '==> %s\n' "$*"; }
done_step() { printf '    %s (%ss)\n' "$1" "$(( $(date +%s) - step_start ))"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

# --- Rust toolchain -----------------------------------------------------------
step "Rust toolchain"
command -v cargo >/dev/null || die "cargo not found; this machine kind ships Rust by rustup"
command -v rustup >/dev/null || die "rustup not found"
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  done_step "wasm32-unknown-unknown present"
else
  rustup target add wasm32-unknown-unknown
  done_step "added wasm32-unknown-unknown"
fi

step "rustfmt and clippy"
installed_components="$(rustup component list --installed)"
missing=()
for c in rustfmt clippy; do
  grep -q "^$c" <<<"$installed_components" || missing+=("$c")
done
if [ ${#missing[@]} -eq 0 ]; then
  done_step "present"
else
  rustup component add "${missing[@]}"
  done_step "added ${missing[*]}"
fi

# --- wasm-bindgen-cli, exactly the version in Cargo.lock -----------------------
step "wasm-bindgen-cli"
if [ ! -f Cargo.lock ]; then
  cargo generate-lockfile
fi
wb_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
[ -n "$wb_version" ] || die "no wasm-bindgen entry in Cargo.lock"
have_version="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have_version" = "$wb_version" ] && command -v wasm-bindgen-test-runner >/dev/null; then
  done_step "wasm-bindgen $wb_version present"
else
  # No --locked: the registry's copy of the CLI's lock file lags behind.
  cargo install --quiet wasm-bindgen-cli --version "$wb_version" --force
  done_step "installed wasm-bindgen-cli $wb_version (had: ${have_version:-none})"
fi

# --- Browsers and their drivers (browser tests, in three engines) -------------
# Chromium + ChromeDriver; Firefox ESR (puppeteer-core drives it over
# WebDriver BiDi; wasm-bindgen-test-runner needs geckodriver, which Debian
# does not package: built from crates.io); WebKitGTK's WebKitWebDriver and
# MiniBrowser, which has no headless mode, hence Xvfb.
apt_install() {
  as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" </dev/null
}
MINIBROWSER=/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser

step "browsers: chromium, firefox-esr, webkit2gtk (MiniBrowser), xvfb"
if [ -n "${SKIP_BROWSER:-}" ]; then
  done_step "skipped (SKIP_BROWSER set)"
else
  wanted=()
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || wanted+=(chromium chromium-driver)
  [ -x /usr/bin/firefox-esr ] || wanted+=(firefox-esr)
  [ -x /usr/bin/WebKitWebDriver ] && [ -x "$MINIBROWSER" ] || wanted+=(webkit2gtk-driver)
  command -v Xvfb >/dev/null && command -v xvfb-run >/dev/null && command -v xauth >/dev/null || wanted+=(xvfb xauth)
  if [ ${#wanted[@]} -eq 0 ]; then
    done_step "present"
  else
    apt_install "${wanted[@]}"
    [ -x "$MINIBROWSER" ] || die "MiniBrowser not at $MINIBROWSER (dpkg -L libwebkit2gtk-4.1-0 | grep MiniBrowser)"
    done_step "installed ${wanted[*]}"
  fi
fi

step "geckodriver (wasm-bindgen tests in Firefox)"
if [ -n "${SKIP_BROWSER:-}" ]; then
  done_step "skipped (SKIP_BROWSER set)"
elif command -v geckodriver >/dev/null; then
  done_step "present ($(geckodriver --version 2>/dev/null | awk "NR == 1"))"
else
  # About 7 minutes on 2 cores, once.
  cargo install --quiet --locked geckodriver
  done_step "installed $(geckodriver --version 2>/dev/null | awk "NR == 1")"
fi

# --- redis-server (the Redis tests start their own, on a free port) ------------
step "redis-server"
if command -v redis-server >/dev/null; then
  done_step "present ($(redis-server --version | awk '{print $3}'))"
else
  as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends redis-server </dev/null
  done_step "installed $(redis-server --version | awk '{print $3}')"
fi

# --- Node dev dependencies ----------------------------------------------------
step "npm dev dependencies"
command -v node >/dev/null || die "node not found (need Node >= 20.19)"
node -e '
  const [maj, min] = process.versions.node.split(".").map(Number);
  if (maj < 20 || (maj === 20 && min < 19)) {
    console.error(`install.sh: Node ${process.versions.node} is too old; need >= 20.19`);
    process.exit(1);
  }'
# The stamp holds a hash of the manifest and the lock: node_modules is stale
# when either changed since the last `npm ci`.
stamp=node_modules/.vendor-auth-install-stamp
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ -d node_modules ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  done_step "node_modules up to date"
else
  npm ci --no-audit --no-fund --loglevel=error </dev/null
  printf '%s\n' "$want" > "$stamp"
  done_step "npm ci done"
fi

echo "==> install complete"
