// A Web Worker bundled by Vite as `iife` (no top-level await allowed there):
// "vendor-auth/lazy" loads the wasm on ready().
import * as pkg from "vendor-auth/lazy";
import { runChecks } from "./check.js";
import { publish } from "./publish.js";

self.onmessage = ({ data }) => publish(pkg.ready().then(() => runChecks(pkg, data.sim)));
