// `vendor-auth` on the command line, against the simulator, as a user runs
// it: the packed and npm-installed package's bin in child processes.
import test, { after, before, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CREDENTIALS, fault, requests, simulator } from "./helpers.mjs";
import { cacheFiles, freshHome, installPackedCli, runCli } from "./cli-helpers.mjs";

let sim;
let cli;

before(async () => {
  [sim, cli] = await Promise.all([simulator(), installPackedCli()]);
});
after(() => {
  sim?.close();
  if (cli) rmSync(cli.work, { recursive: true, force: true });
});
beforeEach(() => sim.reset());

const root = (vendor) => `${sim.url}/${vendor}`;
const EMNIFY_APP = () => ({ EMNIFY_APPLICATION_TOKEN: CREDENTIALS.emnify.applicationToken });
const emnifyLogins = () => sim.count("emnify", "POST /api/v1/authenticate");

/** Runs the installed bin in `home` with these credentials. */
const vendorAuth = (home, args, env = {}, input = "") => runCli(cli.bin, args, { env: { ...home.env, ...env }, input });

/** A token the simulator accepts on emnify's API. */
async function emnifyAccepts(token) {
  const response = await fetch(`${root("emnify")}/api/v1/endpoint`, { headers: { authorization: `Bearer ${token}` } });
  return response.status === 200;
}

test("token: stdout is exactly the token; a second run uses the cache (one login)", async () => {
  const home = freshHome(cli.work);
  const args = ["token", "emnify", "--base-url", root("emnify")];
  const first = await vendorAuth(home, args, EMNIFY_APP());
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stderr, "");
  assert.match(first.stdout, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/, "the token and one newline, nothing else");
  const token = first.stdout.slice(0, -1);
  assert.ok(await emnifyAccepts(token), "the printed token is emnify's");
  const second = await vendorAuth(home, args, EMNIFY_APP());
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, first.stdout);
  assert.equal(await emnifyLogins(), 1);
});

test("20 concurrent `vendor-auth token emnify` processes on a cold cache make one login", async () => {
  const home = freshHome(cli.work);
  const runs = await Promise.all(
    Array.from({ length: 20 }, () => vendorAuth(home, ["token", "emnify", "--base-url", root("emnify")], EMNIFY_APP())),
  );
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  assert.equal(new Set(runs.map((r) => r.stdout)).size, 1, "every process printed the same token");
  assert.equal(await emnifyLogins(), 1, "logins at emnify");
});

test("the cache: directory 0700, files 0600; a too open directory is tightened", async () => {
  const home = freshHome(cli.work);
  mkdirSync(home.cache, { recursive: true, mode: 0o755 });
  chmodSync(home.cache, 0o755);
  const r = await vendorAuth(home, ["token", "emnify", "--base-url", root("emnify")], EMNIFY_APP());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(home.cache).mode & 0o777, 0o700);
  const files = cacheFiles(home.cache);
  assert.ok(files.length >= 1, "the token is in the cache directory");
  for (const f of files) assert.equal(statSync(join(home.cache, f)).mode & 0o777, 0o600, f);
  // The token is kept where XDG says, in one envelope per key.
  const text = files.map((f) => readFileSync(join(home.cache, f), "utf8")).join("\n");
  assert.ok(text.includes(r.stdout.trim()));
});

test("a corrupt cache file is ignored and replaced", async () => {
  const home = freshHome(cli.work);
  const args = ["token", "emnify", "--base-url", root("emnify")];
  const first = await vendorAuth(home, args, EMNIFY_APP());
  assert.equal(first.code, 0, first.stderr);
  const [file] = cacheFiles(home.cache).filter((f) => f.includes("emnify"));
  const path = join(home.cache, file);
  for (const junk of ['{"v":1,"value":"{\\"broken', "\u0000\u0001garbage", ""]) {
    writeFileSync(path, junk);
    const before = await emnifyLogins();
    const r = await vendorAuth(home, args, EMNIFY_APP());
    assert.equal(r.code, 0, r.stderr);
    assert.ok(await emnifyAccepts(r.stdout.trim()));
    assert.equal(await emnifyLogins(), before + 1, "a new login replaced the unreadable entry");
    const replaced = JSON.parse(readFileSync(path, "utf8"));
    assert.ok(replaced.value.includes(r.stdout.trim()), "the file holds the new token again");
    assert.equal(statSync(path).mode & 0o777, 0o600);
  }
});

test("fetch attaches VoIPBIN's access key as ?accesskey= and prints the body", async () => {
  const home = freshHome(cli.work);
  const env = { VOIPBIN_ACCESS_KEY: CREDENTIALS.voipbin.accessKey };
  const r = await vendorAuth(home, ["fetch", "voipbin", "/v1.0/accesskeys?page_size=5", "--base-url", root("voipbin")], env);
  assert.equal(r.code, 0, r.stderr);
  const body = JSON.parse(r.stdout);
  assert.ok(Array.isArray(body.result), "the API's JSON body on stdout");
  const [sent] = (await requests(sim, "voipbin")).filter((q) => q.path === "/v1.0/accesskeys");
  assert.equal(new URLSearchParams(sent.query).get("accesskey"), CREDENTIALS.voipbin.accessKey);
  assert.equal(new URLSearchParams(sent.query).get("page_size"), "5");
  assert.equal(sent.headers.authorization, undefined);
});

test("fetch: Bearer header, -X/-H/-d, -i; --fail exits 22 on an HTTP error", async () => {
  const home = freshHome(cli.work);
  const base = ["--base-url", root("emnify")];
  const r = await vendorAuth(home, ["fetch", "emnify", "/api/v1/application_token", "-X", "POST", "-H", "Content-Type: application/json", "-d", '{"description":"cli"}', "-i", ...base], EMNIFY_APP());
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^HTTP\/1\.1 200[^\r]*\r\n(.+\r\n)*\r\n\{"application_token":/);
  const sent = (await requests(sim, "emnify")).find((q) => q.method === "POST" && q.path === "/api/v1/application_token");
  assert.match(sent.headers.authorization, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  assert.equal(sent.headers["content-type"], "application/json");
  assert.equal(sent.body, '{"description":"cli"}');
  const missing = await vendorAuth(home, ["fetch", "emnify", "/api/v1/nothing-here", ...base], EMNIFY_APP());
  assert.equal(missing.code, 0, "without --fail an HTTP error is output, as with curl");
  const failed = await vendorAuth(home, ["fetch", "emnify", "/api/v1/nothing-here", "--fail", ...base], EMNIFY_APP());
  assert.equal(failed.code, 22);
  assert.equal(failed.stdout, "");
  assert.match(failed.stderr, /HTTP 404/);
});

test("fetch refuses a foreign URL before anything is sent (exit 7)", async () => {
  const home = freshHome(cli.work);
  const env = { VOIPBIN_ACCESS_KEY: CREDENTIALS.voipbin.accessKey };
  const r = await vendorAuth(home, ["fetch", "voipbin", `http://127.0.0.1:9/steal`, "--base-url", root("voipbin")], env);
  assert.equal(r.code, 7, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /origin/i);
  assert.ok(!r.stderr.includes(CREDENTIALS.voipbin.accessKey));
  const json = await vendorAuth(home, ["fetch", "voipbin", "https://example.com/x", "--json", "--base-url", root("voipbin")], env);
  assert.equal(json.code, 7);
  const line = JSON.parse(json.stderr);
  assert.equal(line.error.code, "FOREIGN_ORIGIN");
  assert.equal(line.error.exitCode, 7);
  assert.equal(json.stderr.trim().split("\n").length, 1, "one JSON line");
  const emnify = await vendorAuth(home, ["fetch", "emnify", `http://127.0.0.1:9/steal`, "--base-url", root("emnify")], EMNIFY_APP());
  assert.equal(emnify.code, 7, emnify.stderr);
  assert.equal(await emnifyLogins(), 0, "not even a login was sent");
});

/** A loopback port nothing listens on. */
async function closedPort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

test("exit codes: one per kind of AuthError, the message on stderr, --json as one line", async () => {
  const home = freshHome(cli.work);
  const emnify = ["--base-url", root("emnify")];
  const cases = [
    ["2 unknown vendor", 2, ["token", "acme"], {}],
    ["2 no credentials", 2, ["token", "emnify", ...emnify], {}],
    ["2 unknown option", 2, ["token", "emnify", "--frobnicate", ...emnify], EMNIFY_APP()],
    ["2 bad base URL", 2, ["token", "emnify", "--base-url", "ftp://x"], EMNIFY_APP()],
    ["3 wrong credentials", 3, ["token", "emnify", ...emnify], { EMNIFY_APPLICATION_TOKEN: "not-the-token" }],
    ["4 nothing cached", 4, ["token", "emnify", "--only-if-cached", ...emnify], EMNIFY_APP()],
    ["4 MFA", 4, ["token", "emnify", ...emnify], { EMNIFY_USERNAME: CREDENTIALS.emnify.mfaUsername, EMNIFY_PASSWORD: CREDENTIALS.emnify.mfaPassword }],
    ["6 network", 6, ["token", "emnify", "--base-url", `http://127.0.0.1:${await closedPort()}/emnify`], EMNIFY_APP()],
    ["8 unsupported", 8, ["mfa", "voipbin", "123456", "--base-url", root("voipbin")], { VOIPBIN_ACCESS_KEY: CREDENTIALS.voipbin.accessKey }],
  ];
  for (const [name, code, args, env] of cases) {
    const r = await vendorAuth(home, args, env);
    assert.equal(r.code, code, `${name}: ${r.stderr}`);
    assert.equal(r.stdout, "", name);
    assert.match(r.stderr, /^vendor-auth: error: \S.*\n$/, name);
    for (const value of Object.values(env)) assert.ok(!r.stderr.includes(value), `${name}: no credential in the message`);
    const json = await vendorAuth(home, [...args, "--json"], env);
    assert.equal(json.code, code, name);
    const { error } = JSON.parse(json.stderr);
    assert.equal(error.exitCode, code, name);
    assert.equal(typeof error.code, "string", name);
  }
  // 5: Zūm Rails' 429 with a long Retry-After is not waited out.
  await fault(sim, { vendor: "zumrails", path: "/api/authorize", status: 429, headers: { "retry-after": "300" }, body: "{}" });
  const zum = { ZUMRAILS_USERNAME: CREDENTIALS.zumrails.username, ZUMRAILS_PASSWORD: CREDENTIALS.zumrails.password };
  const limited = await vendorAuth(home, ["token", "zumrails", "--json", "--base-url", root("zumrails")], zum);
  assert.equal(limited.code, 5, limited.stderr);
  assert.equal(JSON.parse(limited.stderr).error.code, "RATE_LIMITED");
  // 6 also for an answer the library cannot read.
  await fault(sim, { vendor: "emnify", path: "/api/v1/authenticate", status: 200, body: "<html>maintenance</html>" });
  const odd = await vendorAuth(freshHome(cli.work), ["token", "emnify", "--json", ...emnify], EMNIFY_APP());
  assert.equal(odd.code, 6, odd.stderr);
  assert.equal(JSON.parse(odd.stderr).error.code, "BAD_RESPONSE");
  // 9: a cache that cannot be made private.
  const blocked = freshHome(cli.work);
  writeFileSync(join(blocked.home, "not-a-dir"), "");
  const storage = await vendorAuth(blocked, ["token", "emnify", ...emnify], { ...EMNIFY_APP(), XDG_CACHE_HOME: join(blocked.home, "not-a-dir") });
  assert.equal(storage.code, 9, storage.stderr);
  assert.match(storage.stderr, /cache directory/);
});

test("MFA: token exits 4 and says how to go on; `mfa emnify <code>` completes and caches", async () => {
  const home = freshHome(cli.work);
  const env = { EMNIFY_USERNAME: CREDENTIALS.emnify.mfaUsername, EMNIFY_PASSWORD: CREDENTIALS.emnify.mfaPassword };
  const base = ["--base-url", root("emnify")];
  const asked = await vendorAuth(home, ["token", "emnify", ...base], env);
  assert.equal(asked.code, 4);
  assert.match(asked.stderr, /vendor-auth mfa emnify <code>/);
  const done = await vendorAuth(home, ["mfa", "emnify", "-", ...base], env, `${CREDENTIALS.emnify.mfaCode}\n`);
  assert.equal(done.code, 0, done.stderr);
  const cached = await vendorAuth(home, ["token", "emnify", "--only-if-cached", ...base], env);
  assert.equal(cached.code, 0, cached.stderr);
  assert.ok(await emnifyAccepts(cached.stdout.trim()));
});

test("secrets in arguments are refused with a message, never echoed", async () => {
  const home = freshHome(cli.work);
  const secret = "s3cret-value-in-argv";
  const attempts = [
    ["token", "emnify", "--password", secret],
    ["token", "emnify", `--application-token=${secret}`],
    ["token", "emnify", secret],
    ["fetch", "emnify", "/api/v1/endpoint", "-H", `Authorization: Bearer ${secret}`],
    ["fetch", "voipbin", `/v1.0/accesskeys?accesskey=${secret}`],
  ];
  for (const args of attempts) {
    const r = await vendorAuth(home, [...args, "--base-url", root(args[1])], EMNIFY_APP());
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /never (taken|read) from arguments|shows in ps/, args.join(" "));
    assert.ok(!r.stderr.includes(secret), `${args.join(" ")} does not echo the secret`);
  }
  assert.equal(await emnifyLogins(), 0, "nothing was sent");
});

test("a profile file is used when private and refused when others can read it", async () => {
  const home = freshHome(cli.work);
  const dir = join(home.env.XDG_CONFIG_HOME, "vendor-auth");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "profiles.json");
  const profile = { work: { vendor: "zumrails", baseUrl: root("zumrails"), credentials: { username: CREDENTIALS.zumrails.username, password: CREDENTIALS.zumrails.password } } };
  writeFileSync(path, JSON.stringify(profile), { mode: 0o644 });
  chmodSync(path, 0o644);
  const open = await vendorAuth(home, ["token", "zumrails", "--profile", "work"]);
  assert.equal(open.code, 2);
  assert.match(open.stderr, /readable by others.*chmod 600/);
  chmodSync(path, 0o600);
  const ok = await vendorAuth(home, ["token", "zumrails", "--profile", "work"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(await sim.count("zumrails", "POST /api/authorize"), 1);
  writeFileSync(path, `{"work": {"credentials": {"password": "${CREDENTIALS.zumrails.password}"`);
  const broken = await vendorAuth(home, ["token", "zumrails", "--profile", "work"]);
  assert.equal(broken.code, 2);
  assert.ok(!broken.stderr.includes(CREDENTIALS.zumrails.password), "a JSON error does not quote the file");
});

test("info (never the token unless --show-token), revoke and clear", async () => {
  const home = freshHome(cli.work);
  const zum = { ZUMRAILS_USERNAME: CREDENTIALS.zumrails.username, ZUMRAILS_PASSWORD: CREDENTIALS.zumrails.password };
  const base = ["--base-url", root("zumrails")];
  const token = (await vendorAuth(home, ["token", "zumrails", ...base], zum)).stdout.trim();
  const text = await vendorAuth(home, ["info", "zumrails", ...base], zum);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^vendor +zumrails$/m);
  assert.match(text.stdout, /^expires +\d{4}-\d\d-\d\dT.*\(in /m);
  assert.match(text.stdout, /^from cache +yes$/m);
  assert.ok(!text.stdout.includes(token));
  const json = JSON.parse((await vendorAuth(home, ["info", "zumrails", "--json", ...base], zum)).stdout);
  assert.equal(json.vendor, "zumrails");
  assert.equal(typeof json.expiresAt, "number");
  assert.equal(json.token, undefined);
  const shown = JSON.parse((await vendorAuth(home, ["info", "zumrails", "--json", "--show-token", ...base], zum)).stdout);
  assert.equal(shown.token, token);
  const revoked = await vendorAuth(home, ["revoke", "zumrails", "--json", ...base], zum);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.deepEqual(JSON.parse(revoked.stdout), { revoked: "vendor" });
  assert.equal(await sim.count("zumrails", "PATCH /api/authorize/canceltoken"), 1);
  const after = await vendorAuth(home, ["token", "zumrails", "--only-if-cached", ...base], zum);
  assert.equal(after.code, 4, "revoke forgot it");
  await vendorAuth(home, ["token", "zumrails", ...base], zum);
  const cleared = await vendorAuth(home, ["clear", "zumrails", ...base], zum);
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.equal((await vendorAuth(home, ["token", "zumrails", "--only-if-cached", ...base], zum)).code, 4, "clear forgot it");
  assert.equal(await sim.count("zumrails", "POST /api/authorize"), 2);
});

test("--help per command, --version, no colour off a terminal", async () => {
  const home = freshHome(cli.work);
  const version = JSON.parse(readFileSync(join(cli.packageDir, "package.json"), "utf8")).version;
  const v = await vendorAuth(home, ["--version"]);
  assert.deepEqual([v.code, v.stdout], [0, `${version}\n`]);
  for (const command of ["token", "info", "fetch", "revoke", "clear", "mfa"]) {
    const h = await vendorAuth(home, [command, "--help"]);
    assert.equal(h.code, 0);
    assert.match(h.stdout, new RegExp(`^Usage: vendor-auth ${command} `));
  }
  const main = await vendorAuth(home, ["--help"]);
  assert.match(main.stdout, /EMNIFY_APPLICATION_TOKEN/);
  const err = await vendorAuth(home, ["token", "acme"]);
  assert.ok(!err.stderr.includes("\x1b["), "no escape codes when stderr is not a terminal");
});

test("colour only on a terminal, and never with NO_COLOR", async () => {
  // The installed package's own module, with streams that say they are TTYs.
  const { main } = await import(pathToFileURL(join(cli.packageDir, "cli", "main.js")).href);
  const capture = () => {
    const chunks = [];
    return { isTTY: true, chunks, write: (text, done) => (chunks.push(String(text)), done?.(), true) };
  };
  const withTty = capture();
  assert.equal(await main(["token", "acme"], { stdout: capture(), stderr: withTty, env: {} }), 2);
  assert.match(withTty.chunks.join(""), /\x1b\[31m/);
  const noColor = capture();
  assert.equal(await main(["token", "acme"], { stdout: capture(), stderr: noColor, env: { NO_COLOR: "1" } }), 2);
  assert.ok(!noColor.chunks.join("").includes("\x1b["));
});
