// The shipped types in strict projects with skipLibCheck: false, against the
// installed tarball: a Node-only project (lib ES2022 + @types/node), a DOM
// project, and a Workers project (@cloudflare/workers-types, the workerd
// condition). Each compiles types-matrix/common.mts (optional fetch init,
// typed events, vendor-only methods, the errors subpath) and its own file;
// every `@ts-expect-error` there must still be an error. Then every JS/TS
// snippet of the README is type-checked (checkJs) in the project its section
// is about.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { HERE, ROOT } from "./helpers.mjs";
import { consumer } from "./tarball.mjs";

const run = promisify(execFile);
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

async function tsc(dir, config) {
  try {
    await run(process.execPath, [TSC, "-p", config], { cwd: dir });
  } catch (e) {
    assert.fail(`tsc -p ${config} failed:\n${e.stdout}${e.stderr}`);
  }
}

const dir = await consumer("types-matrix", { files: join(HERE, "types-matrix") });

for (const project of ["node", "dom", "workers"]) {
  test(`strict ${project} project, skipLibCheck: false: the package's types compile`, () =>
    tsc(dir, `tsconfig.${project}.json`));
}

/** The README's ```js/```ts blocks, each with the project its section is about. */
function readmeSnippets() {
  const text = readFileSync(join(ROOT, "README.md"), "utf8");
  const snippets = [];
  let heading = "";
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const h = lines[i].match(/^#{2,3} (.*)/);
    if (h) heading = h[1];
    const open = lines[i].match(/^```(js|ts|javascript|typescript)\s*$/);
    if (!open) continue;
    const start = i + 1;
    while (i + 1 < lines.length && !/^```\s*$/.test(lines[++i]));
    const project = /Workers/.test(heading) ? "workers" : /^Node/.test(heading) ? "node" : "dom";
    snippets.push({ line: start, heading, project, ts: open[1].startsWith("t"), code: lines.slice(start, i).join("\n") });
  }
  return snippets;
}

test("every JS/TS snippet of the README that uses the package type-checks against it", async (t) => {
  // Programs that import the package; a block listing method signatures
  // (the atomic store protocol) is not one.
  const all = readmeSnippets();
  const snippets = all.filter((s) => /from "vendor-auth(\/[a-z]+)?"/.test(s.code));
  t.diagnostic(`${snippets.length} of ${all.length} js/ts blocks import vendor-auth; skipped at lines ${all.filter((s) => !snippets.includes(s)).map((s) => s.line).join(", ") || "none"}`);
  assert.ok(snippets.length >= 6, `found the README's snippets (${snippets.length})`);
  const out = join(dir, "readme");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const byProject = { node: [], dom: [], workers: [] };
  for (const s of snippets) {
    const name = `line-${s.line}.${s.ts ? "mts" : "mjs"}`;
    // `export {}` keeps each snippet a module of its own.
    writeFileSync(join(out, name), `${s.code}\nexport {};\n`);
    byProject[s.project].push(`readme/${name}`);
  }
  const base = (project) => JSON.parse(
    readFileSync(join(dir, `tsconfig.${project}.json`), "utf8").replace(/^\s*\/\/.*$/gm, ""),
  );
  for (const [project, files] of Object.entries(byProject)) {
    if (files.length === 0) continue;
    const config = base(project);
    // Strict, except for the snippets' own untyped parameters (a Worker's
    // `fetch(request, env)`): what is checked is the package's API.
    config.compilerOptions = { ...config.compilerOptions, allowJs: true, checkJs: true, noImplicitAny: false };
    config.files = [...files, "readme-globals.d.ts", ...(project === "workers" ? ["readme-workers-globals.d.ts"] : [])];
    writeFileSync(join(dir, `tsconfig.readme-${project}.json`), JSON.stringify(config, null, 2));
    await tsc(dir, `tsconfig.readme-${project}.json`);
  }
});
