// A consumer's page built by Vite: vendor-auth resolves from node_modules
// with the "browser" condition; Vite bundles the glue and emits the wasm.
import * as pkg from "vendor-auth";
import { runChecks } from "../fixtures/check.js";

const sim = new URLSearchParams(location.search).get("sim");
runChecks(pkg, sim).then(
  (result) => {
    document.getElementById("out").textContent = JSON.stringify(result, null, 2);
    window.__result = result;
  },
  (e) => {
    window.__error = String(e?.stack ?? e);
  },
);
