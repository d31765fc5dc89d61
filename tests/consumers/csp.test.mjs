// A page under a strict Content-Security-Policy (`script-src 'self'`): the
// wasm cannot be compiled, and the import of "vendor-auth" (or
// "vendor-auth/lazy"'s ready()) rejects with an AuthError, code UNSUPPORTED,
// whose message names the policy and 'wasm-unsafe-eval'. With
// 'wasm-unsafe-eval' added, the same page works. The package is the packed
// tarball, served from the consumer's node_modules (no bundler).
import test from "node:test";
import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { HERE, assertChecks, launchChromium, resultFromPage, serveStatic, startSim } from "./helpers.mjs";
import { consumer } from "./tarball.mjs";

const page = (policy, entry) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<title>vendor-auth under CSP</title></head>
<body><script type="module" src="/csp.js?entry=${entry}"></script></body></html>`;

const script = `import { runChecks } from "/check.js";
const entry = new URL(import.meta.url).searchParams.get("entry");
const sim = new URLSearchParams(location.search).get("sim");
const describe = (e) => ({ name: e?.name, code: e?.code, message: String(e?.message ?? e), isError: e instanceof Error });
(async () => {
  let pkg;
  try {
    pkg = await import("/node_modules/vendor-auth/" + entry);
    if (pkg.ready) await pkg.ready();
  } catch (e) {
    const { AuthError } = await import("/node_modules/vendor-auth/errors.js");
    return { loadError: { ...describe(e), isAuthError: e instanceof AuthError } };
  }
  return runChecks(pkg, sim);
})().then((r) => (window.__result = r), (e) => (window.__error = String(e?.stack ?? e)));
`;

const dir = await consumer("csp", {
  files: {
    "strict-index.html": page("script-src 'self'", "index.js"),
    "strict-lazy.html": page("script-src 'self'", "lazy.js"),
    "allowed-index.html": page("script-src 'self' 'wasm-unsafe-eval'", "index.js"),
    "csp.js": script,
  },
});
copyFileSync(join(HERE, "fixtures", "check.js"), join(dir, "check.js"));

let sim, browser, site;
test.before(async () => {
  sim = await startSim();
  browser = await launchChromium();
  site = await serveStatic({ "/": dir });
});
test.after(async () => {
  await site?.close();
  await browser?.close();
  await sim?.close();
});
const open = (name) => resultFromPage(browser, `${site.url}/${name}?sim=${encodeURIComponent(sim.url)}`);

for (const entry of ["index", "lazy"]) {
  test(`script-src 'self' without 'wasm-unsafe-eval' (${entry}.js): an AuthError UNSUPPORTED naming CSP`, async () => {
    const { loadError } = await open(`strict-${entry}.html`);
    assert.ok(loadError, "the import failed");
    assert.equal(loadError.isAuthError, true, `an AuthError, not a raw ${loadError.name}: ${loadError.message}`);
    assert.equal(loadError.code, "UNSUPPORTED");
    assert.match(loadError.message, /Content-Security-Policy/);
    assert.match(loadError.message, /'wasm-unsafe-eval'/);
  });
}

test("script-src 'self' 'wasm-unsafe-eval': the package works", async () => {
  assertChecks(await open("allowed-index.html"));
});
