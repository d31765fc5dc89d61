// "vendor-auth/inline": one file, no asset.
import * as pkg from "vendor-auth/inline";
import { runChecks } from "./check.js";
import { publish, sim } from "./publish.js";

publish(runChecks(pkg, sim()));
