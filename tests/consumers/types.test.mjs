// (e) The published types: types/usage.mts must compile under `tsc
// --noEmit` (strict) with the two module resolutions consumers use (NodeNext
// and Bundler), each of its `@ts-expect-error` lines must still be an error,
// and no `any` may appear anywhere on the public surface (every declaration
// reachable from the package's types entry).
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import ts from "typescript";
import { HERE, ROOT } from "./helpers.mjs";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const TSC = require.resolve("typescript/bin/tsc");
const PKG_DIR = dirname(require.resolve("vendor-auth/package.json"));

for (const config of ["tsconfig.json", "tsconfig.bundler.json"]) {
  test(`tsc --noEmit -p types/${config}`, async () => {
    try {
      await run(process.execPath, [TSC, "--noEmit", "-p", join(HERE, "types", config)], { cwd: ROOT });
    } catch (e) {
      assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
    }
  });
}

test("no `any` on the public type surface", () => {
  const entry = join(HERE, "types", "usage.mts");
  const program = ts.createProgram([entry], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  });
  const checker = program.getTypeChecker();
  const resolved = ts.resolveModuleName("vendor-auth", entry, program.getCompilerOptions(), ts.sys);
  const typesFile = resolved.resolvedModule?.resolvedFileName;
  assert.ok(typesFile, "vendor-auth resolves to a .d.ts");
  const root = program.getSourceFile(typesFile);
  const moduleSymbol = checker.getSymbolAtLocation(root);
  const exported = checker.getExportsOfModule(moduleSymbol);
  const names = exported.map((s) => s.name);
  for (const name of ["AuthClient", "AuthClientOptions", "AuthError", "AuthErrorCode"]) {
    assert.ok(names.includes(name), `types export ${name} (got ${names.join(", ")})`);
  }

  // Walk every declaration reachable from the exports, following type
  // references into the package's own files (not lib.dom.d.ts etc.).
  const inPackage = (node) => node.getSourceFile().fileName.startsWith(PKG_DIR);
  const seen = new Set();
  const offenders = [];
  const visitSymbol = (symbol) => {
    if (!symbol) return;
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    for (const decl of symbol.declarations ?? []) {
      if (seen.has(decl) || !inPackage(decl)) continue;
      seen.add(decl);
      walk(decl);
    }
  };
  const walk = (node) => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) {
      const sf = node.getSourceFile();
      const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
      offenders.push(`${relative(ROOT, sf.fileName)}:${line + 1}: ${sf.text.split("\n")[line].trim()}`);
    }
    if (ts.isTypeReferenceNode(node)) visitSymbol(checker.getSymbolAtLocation(node.typeName));
    if (ts.isExpressionWithTypeArguments(node)) visitSymbol(checker.getSymbolAtLocation(node.expression));
    if (ts.isTypeQueryNode(node)) visitSymbol(checker.getSymbolAtLocation(node.exprName));
    ts.forEachChild(node, walk);
  };
  for (const symbol of exported) visitSymbol(symbol);
  assert.ok(seen.size > 0, "found the public declarations");
  assert.deepEqual(offenders, [], `\`any\` on the public surface:\n${offenders.join("\n")}`);
});
