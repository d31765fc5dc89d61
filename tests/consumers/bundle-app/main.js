// The default entry ("vendor-auth", top-level await), as bundled by webpack
// and esbuild.
import * as pkg from "vendor-auth";
import { runChecks } from "./check.js";
import { publish, sim } from "./publish.js";

publish(runChecks(pkg, sim()));
