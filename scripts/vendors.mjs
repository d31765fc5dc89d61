// The vendors, one cargo feature each: the names in Cargo.toml's `default`
// features, which are the one-vendor builds (`vendor-auth/<vendor>`) that
// scripts/build.sh makes. Read from there so that the list is written once.
import { readFileSync } from "node:fs";

const cargo = readFileSync(new URL("../Cargo.toml", import.meta.url), "utf8");
const line = cargo.match(/^default\s*=\s*\[([^\]]*)\]/m);
if (line === null) throw new Error("Cargo.toml has no `default = [...]` features line");

/** @type {string[]} */
export const VENDORS = [...line[1].matchAll(/"([a-z]+)"/g)].map((m) => m[1]);
