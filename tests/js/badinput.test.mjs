// Bad inputs from JS (issue 9: "No panics anywhere on the public surface").
//
// The exported API is fed junk: undefined, null, numbers (NaN, ±Infinity),
// strings (empty, 10 MB), arrays, functions, classes, Symbols, BigInts, boxed
// primitives, Dates, Maps, typed arrays, promises, objects with a null
// prototype, revoked Proxies, Proxies whose traps throw and getters that
// throw, in every option and credential field of every vendor and as every
// argument of every method. Each call must end in an AuthError:
// INVALID_OPTIONS (or UNSUPPORTED for another vendor's method), thrown
// synchronously by the constructor and `on`, or as a rejected promise by the
// async methods; the message names the field and stays short; no request
// leaves; nothing is thrown past the caller (no uncaught exception, no
// unhandled rejection); the call settles (no promise left pending forever).
//
// Every case runs in a worker thread, which has its own wasm instance; after
// each case a canary checks that the instance still works (constructs
// clients, logs in through a stub fetch, caches, subscribes, refuses bad
// options with an AuthError). A case that breaks the instance is reported as
// such, and the next cases run in a fresh worker. The last test runs all the
// junk in one instance and then logs in against the vendor simulator.
import { isMainThread, workerData, parentPort, Worker } from "node:worker_threads";

const MB10 = 10 * 1024 * 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** `promise`, or `fallback()` after `ms` (the timer is cleared either way). */
async function within(ms, promise, fallback) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
const fakeJwt = (claims) =>
  `${Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;

// --- junk -----------------------------------------------------------------------
let huge; // built once per thread: a 10 MB string
const HUGE = () => (huge ??= "x".repeat(MB10));
const revoked = () => {
  const r = Proxy.revocable({}, {});
  r.revoke();
  return r.proxy;
};
const trap = (name) => new Proxy({ vendor: "emnify" }, { [name]() { throw new Error(`trap ${name} threw`); } });
const throwingGetter = (name) =>
  Object.defineProperty({}, name, { enumerable: true, get() { throw new Error(`getter ${name} threw`); } });

/** [label, factory] pairs: every kind of JS value that is not what a field wants. */
const JUNK = [
  ["undefined", () => undefined],
  ["null", () => null],
  ["0", () => 0],
  ["-1", () => -1],
  ["42", () => 42],
  ["1.5", () => 1.5],
  ["NaN", () => NaN],
  ["Infinity", () => Infinity],
  ["-Infinity", () => -Infinity],
  ["1e300", () => 1e300],
  ["''", () => ""],
  ["'junk'", () => "junk"],
  ["' '", () => " "],
  ["'a\\r\\nb'", () => "a\r\nb"],
  ["10 MB string", () => HUGE()],
  ["true", () => true],
  ["false", () => false],
  ["[]", () => []],
  ["[1, 'a']", () => [1, "a"]],
  ["{}", () => ({})],
  ["{ junk: 1 }", () => ({ junk: 1 })],
  ["a function", () => () => {}],
  ["an async function", () => async () => {}],
  ["a class", () => class {}],
  ["a Symbol", () => Symbol("junk")],
  ["a BigInt", () => 10n],
  ["new String('emnify')", () => new String("emnify")],
  ["new Number(5)", () => new Number(5)],
  ["a Date", () => new Date(0)],
  ["a RegExp", () => /junk/],
  ["a Map", () => new Map([["get", 1]])],
  ["a Uint8Array", () => new Uint8Array(4)],
  ["a Promise", () => Promise.resolve("emnify")],
  ["a null-prototype object", () => Object.create(null)],
  ["a deeply nested object", () => JSON.parse(`${"{\"a\":".repeat(50)}1${"}".repeat(50)}`)],
  ["a cyclic object", () => { const o = { a: 1 }; o.self = o; return o; }],
  ["a revoked Proxy", revoked],
  ["a Proxy whose get throws", () => trap("get")],
  ["a Proxy whose ownKeys throws", () => trap("ownKeys")],
  ["a Proxy whose getOwnPropertyDescriptor throws", () => trap("getOwnPropertyDescriptor")],
  ["a Proxy whose getPrototypeOf throws", () => trap("getPrototypeOf")],
  ["a Proxy whose has throws", () => trap("has")],
  ["an object whose getter throws", () => throwingGetter("vendor")],
];
const junkExcept = (...skip) => JUNK.filter(([label]) => !skip.includes(label));

// --- valid options per vendor (the baseline each case spoils one field of) --------
const BASE_URL = "https://vendor.invalid/root";
const SESSION_JWT = fakeJwt({ sub: "dispatcher@example.com", iat: 1_700_000_000, exp: 4_000_000_000 });
const BASES = {
  "runbuggy (session)": { vendor: "runbuggy", environment: "staging", baseUrl: BASE_URL, credentials: { sessionJwt: SESSION_JWT, tokenName: "junk", description: "d", expireAt: "2030-01-01T00:00:00Z" } },
  "runbuggy (apiToken)": { vendor: "runbuggy", credentials: { apiToken: "e8ujql7desph6bm4ajf6pop96mhevi39" } },
  personr: { vendor: "personr", credentials: { email: "example@personr.co", password: "example123" }, loginMethod: "form", regenerateOnRejection: false },
  "emnify (application token)": { vendor: "emnify", credentials: { applicationToken: "emnify-sim-app-token-0001-k3Xq9vT2mB7wLp4sR8nZ1cY6hF0jD5gA" }, refreshTokens: "memory" },
  "emnify (user)": { vendor: "emnify", credentials: { username: "user@domain.com", password: "emnify-demo-password", passwordIsSha1: false } },
  zumrails: { vendor: "zumrails", environment: "sandbox", credentials: { username: "zum-sim-user", password: "zum-sim-password" } },
  "voipbin (user)": { vendor: "voipbin", credentials: { username: "voipbin-demo", password: "voipbin-demo-password" }, tokenIn: "header" },
  "voipbin (access key)": { vendor: "voipbin", credentials: { accessKey: "vb_simaccesskey00000000000000000000" } },
};
/**
 * Top-level options, with the junk labels that are valid for them. Options
 * every vendor reads the same way are spoilt on one baseline (`on`); the
 * environment on every vendor; vendor options on their vendor.
 */
const GENERIC = ["emnify (application token)"];
const OPTION_FIELDS = {
  vendor: { required: true, vendors: GENERIC },
  environment: {},
  baseUrl: { vendors: GENERIC },
  credentials: { required: true, vendors: GENERIC },
  store: { vendors: GENERIC },
  refreshMarginSeconds: { vendors: GENERIC, valid: ["0", "42", "1.5"] },
  timeoutMs: { vendors: GENERIC, valid: ["42", "1.5"] },
  fetch: { vendors: GENERIC, valid: ["a function", "an async function", "a class"] },
  allowedOrigins: { vendors: GENERIC, valid: ["[]"] },
  refreshTokens: { vendors: GENERIC },
  coordinator: { vendors: GENERIC },
  tokenIn: { vendors: ["voipbin (user)", "voipbin (access key)"] },
  loginMethod: { vendors: ["personr"] },
  regenerateOnRejection: { vendors: ["personr"], valid: ["true", "false"] },
};
/**
 * Credential fields per baseline: required or not, and the kind of value.
 * "text" goes in a request body: any non-empty string up to 16 KiB is fine.
 * "header" ends up in a header or URL: blank and control characters are junk.
 */
const CREDENTIAL_FIELDS = {
  "runbuggy (session)": { sessionJwt: [true, "header"], tokenName: [true, "text"], description: [false, "text"], expireAt: [false, "date"] },
  "runbuggy (apiToken)": { apiToken: [true, "header"] },
  personr: { email: [true, "text"], password: [true, "text"] },
  "emnify (application token)": { applicationToken: [true, "text"] },
  "emnify (user)": { username: [true, "text"], password: [true, "text"], passwordIsSha1: [false, "bool"] },
  zumrails: { username: [true, "text"], password: [true, "text"] },
  "voipbin (user)": { username: [true, "text"], password: [true, "text"] },
  "voipbin (access key)": { accessKey: [true, "header"] },
};
const VALID_FOR_KIND = {
  text: ["'junk'", "' '", "'a\\r\\nb'"],
  header: ["'junk'"],
  date: [],
  bool: ["true", "false"],
};
const clone = (options) => ({ ...options, credentials: { ...options.credentials } });

// --- the cases -------------------------------------------------------------------
// A case: { label, run(ctx), expect: { mode: "sync" | "async", codes, names, ok } }.
// `ok: true` marks inputs that must be accepted (null-prototype objects with valid data).
const INVALID = ["INVALID_OPTIONS"];
const INVALID_OR_UNSUPPORTED = ["INVALID_OPTIONS", "UNSUPPORTED"];

function buildGroups() {
  const groups = [];
  const group = (name, cases) => groups.push({ name, cases });

  // new AuthClient(<not an options object>)
  group(
    "new AuthClient(junk)",
    JUNK.map(([label, make]) => ({
      label,
      run: (ctx) => new ctx.AuthClient(make()),
      expect: { mode: "sync", codes: INVALID, names: /options|vendor/ },
    })).concat([{ label: "no argument", run: (ctx) => new ctx.AuthClient(), expect: { mode: "sync", codes: INVALID, names: /options/ } }]),
  );

  // Every top-level option of every vendor.
  for (const [base, options] of Object.entries(BASES)) {
    const cases = [];
    for (const [field, spec] of Object.entries(OPTION_FIELDS)) {
      if (spec.vendors && !spec.vendors.includes(base)) continue;
      const valid = new Set([...(spec.valid ?? []), ...(spec.required ? [] : ["undefined", "null"])]);
      for (const [label, make] of JUNK) {
        if (valid.has(label)) continue;
        cases.push({
          label: `${field}: ${label}`,
          run: (ctx) => {
            const o = clone(options);
            o[field] = make();
            return new ctx.AuthClient(o);
          },
          expect: { mode: "sync", codes: INVALID, names: new RegExp(field) },
        });
      }
      cases.push({
        label: `${field}: a getter that throws`,
        run: (ctx) => new ctx.AuthClient(Object.defineProperty(clone(options), field, { enumerable: true, get() { throw new Error("getter threw"); } })),
        expect: { mode: "sync", codes: INVALID, names: new RegExp(field) },
      });
    }
    cases.push(
      { label: "an unknown option", run: (ctx) => new ctx.AuthClient({ ...clone(options), refreshMargin: 30 }), expect: { mode: "sync", codes: INVALID, names: /refreshMargin/ } },
      { label: "an unknown option named by a 10 MB string", run: (ctx) => new ctx.AuthClient({ ...clone(options), [HUGE()]: 1 }), expect: { mode: "sync", codes: INVALID, names: /option/ } },
      { label: "an option keyed by a Symbol (ignored: not data)", run: (ctx) => new ctx.AuthClient({ ...clone(options), [Symbol("x")]: 1 }), expect: { ok: true } },
      { label: "a null-prototype options object with valid data", run: (ctx) => new ctx.AuthClient(Object.assign(Object.create(null), clone(options))), expect: { ok: true } },
      { label: "null-prototype credentials with valid data", run: (ctx) => new ctx.AuthClient({ ...options, credentials: Object.assign(Object.create(null), options.credentials) }), expect: { ok: true } },
      { label: "a frozen options object", run: (ctx) => new ctx.AuthClient(Object.freeze(clone(options))), expect: { ok: true } },
    );
    group(`new AuthClient({ ${base} options }) with one option spoilt`, cases);
  }

  // Every credential field of every vendor.
  for (const [base, fields] of Object.entries(CREDENTIAL_FIELDS)) {
    const options = BASES[base];
    const cases = [];
    for (const [field, [required, kind]] of Object.entries(fields)) {
      const valid = new Set([...(required ? [] : ["undefined", "null"]), ...VALID_FOR_KIND[kind]]);
      for (const [label, make] of JUNK) {
        if (valid.has(label)) continue;
        cases.push({
          label: `credentials.${field}: ${label}`,
          run: (ctx) => {
            const o = clone(options);
            o.credentials[field] = make();
            return new ctx.AuthClient(o);
          },
          expect: { mode: "sync", codes: INVALID, names: new RegExp(field) },
        });
      }
      cases.push({
        label: `credentials.${field}: a getter that throws`,
        run: (ctx) => {
          const o = clone(options);
          Object.defineProperty(o.credentials, field, { enumerable: true, get() { throw new Error("getter threw"); } });
          return new ctx.AuthClient(o);
        },
        expect: { mode: "sync", codes: INVALID, names: new RegExp(field) },
      });
      if (required) {
        cases.push({
          label: `credentials.${field} missing`,
          run: (ctx) => {
            const o = clone(options);
            delete o.credentials[field];
            return new ctx.AuthClient(o);
          },
          expect: { mode: "sync", codes: INVALID, names: /credentials/ },
        });
      }
    }
    cases.push({
      label: "a misspelt credential field",
      run: (ctx) => new ctx.AuthClient({ ...options, credentials: { ...options.credentials, pasword: "x" } }),
      expect: { mode: "sync", codes: INVALID, names: /pasword/ },
    });
    group(`new AuthClient({ ${base} }) with one credential spoilt`, cases);
  }

  // Tokens given in credentials end up in a header or a URL: control characters are refused up front.
  group(
    "credentials that would inject into a header",
    [
      ["runbuggy apiToken with CR/LF", { vendor: "runbuggy", credentials: { apiToken: "e8ujql7desph6bm4ajf6pop96mhevi39\r\nX-Injected: 1" } }, /apiToken|token/],
      ["runbuggy apiToken with NUL", { vendor: "runbuggy", credentials: { apiToken: "e8ujql7desph6bm4\u0000ajf6pop96mhevi39" } }, /apiToken|token/],
      ["voipbin accessKey with LF", { vendor: "voipbin", credentials: { accessKey: "vb_simaccesskey0000000000000000\nX-Injected" } }, /accessKey|key|token/],
      ["runbuggy sessionJwt with CR/LF (sent as a Bearer header)", { vendor: "runbuggy", baseUrl: BASE_URL, credentials: { sessionJwt: `${SESSION_JWT}\r\nX-Injected: 1`, tokenName: "junk" } }, /sessionJwt/],
    ].map(([label, options, names]) => ({
      label,
      // Refused by the constructor, or at the latest by getToken with no request sent.
      run: (ctx) => {
        const client = new ctx.AuthClient({ ...options, fetch: ctx.stubFetch });
        return client.getToken();
      },
      expect: { mode: "either", codes: INVALID, names },
    })),
  );

  // getToken / getTokenInfo options.
  const tokenJunk = [
    ...junkExcept("undefined", "null").map(([label, make]) => [label, make]),
    ["{ cache: 'bogus' }", () => ({ cache: "bogus" })],
    ["{ cache: 'RELOAD' }", () => ({ cache: "RELOAD" })],
    ["{ cache: 42 }", () => ({ cache: 42 })],
    ["{ cache: null }", () => ({ cache: null })],
    ["{ cache: true }", () => ({ cache: true })],
    ["{ cache: a Symbol }", () => ({ cache: Symbol("reload") })],
    ["{ cache: a BigInt }", () => ({ cache: 1n })],
    ["{ cache: a 10 MB string }", () => ({ cache: HUGE() })],
    ["{ cache: ['reload'] }", () => ({ cache: ["reload"] })],
    ["{ cache } with a throwing getter", () => throwingGetter("cache")],
    ["a null-prototype { cache: 'bogus' }", () => Object.assign(Object.create(null), { cache: "bogus" })],
  ].filter(([label]) => !["{}", "{ junk: 1 }", "a null-prototype object", "a deeply nested object", "a cyclic object", "a Date", "a RegExp", "a Map", "a Uint8Array", "a Promise", "an object whose getter throws", "a Proxy whose ownKeys throws", "a Proxy whose getOwnPropertyDescriptor throws", "a Proxy whose getPrototypeOf throws", "a Proxy whose has throws", "[]", "[1, 'a']", "new String('emnify')", "new Number(5)", "a function", "an async function", "a class"].includes(label));
  for (const method of ["getToken", "getTokenInfo"]) {
    group(
      `client.${method}(junk)`,
      tokenJunk.map(([label, make]) => ({ label, run: (ctx) => ctx.emnify[method](make()), expect: { mode: "async", codes: INVALID, names: /cache|options/ } })),
    );
  }

  // client.fetch(input, init)
  const fetchJunk = [
    ["undefined", () => [undefined]],
    ["null", () => [null]],
    ["123", () => [123]],
    ["NaN", () => [NaN]],
    ["''", () => [""]],
    ["'relative'", () => ["relative"]],
    ["'api/v1/endpoint' (no leading slash)", () => ["api/v1/endpoint"]],
    ["'//evil.example/x' (protocol-relative)", () => ["//evil.example/x"]],
    ["'javascript:alert(1)'", () => ["javascript:alert(1)"]],
    ["'data:,x'", () => ["data:,x"]],
    ["a Symbol", () => [Symbol("x")]],
    ["a BigInt", () => [10n]],
    ["true", () => [true]],
    ["{}", () => [{}]],
    ["[]", () => [[]]],
    ["a function", () => [() => "/api/v1/endpoint"]],
    ["a revoked Proxy", () => [revoked()]],
    ["an object whose href getter throws", () => [throwingGetter("href")]],
    ["{ href: 42 }", () => [{ href: 42 }]],
    ["init: 42", () => ["/api/v1/endpoint", 42]],
    ["init: 'GET'", () => ["/api/v1/endpoint", "GET"]],
    ["init: a Symbol", () => ["/api/v1/endpoint", Symbol("x")]],
    ["init: a revoked Proxy", () => ["/api/v1/endpoint", revoked()]],
    ["init: a Proxy whose ownKeys throws", () => ["/api/v1/endpoint", trap("ownKeys")]],
    ["init: a Proxy whose get throws", () => ["/api/v1/endpoint", trap("get")]],
    ["init: a headers getter that throws", () => ["/api/v1/endpoint", throwingGetter("headers")]],
    ["init: a body getter that throws", () => ["/api/v1/endpoint", throwingGetter("body")]],
    ["init.headers: 42", () => ["/api/v1/endpoint", { headers: 42 }]],
    ["init.headers: a revoked Proxy", () => ["/api/v1/endpoint", { headers: revoked() }]],
    ["init.headers with a CR/LF value", () => ["/api/v1/endpoint", { headers: { "x-junk": "a\r\nX-Injected: 1" } }]],
    ["init.headers with an invalid name", () => ["/api/v1/endpoint", { headers: { "bad name": "x" } }]],
    ["init.headers: [['only-a-name']]", () => ["/api/v1/endpoint", { headers: [["only-a-name"]] }]],
  ];
  group(
    "client.fetch(junk)",
    fetchJunk.map(([label, make]) => ({ label, run: (ctx) => ctx.emnify.fetch(...make()), expect: { mode: "async", codes: INVALID, names: /client\.fetch|input|init|headers|path|URL/ } })),
  );

  // client.on(event, listener)
  group(
    "client.on(junk)",
    [
      ["no arguments", () => []],
      ["undefined", () => [undefined, () => {}]],
      ["42", () => [42, () => {}]],
      ["'nope'", () => ["nope", () => {}]],
      ["'TOKEN'", () => ["TOKEN", () => {}]],
      ["' token'", () => [" token", () => {}]],
      ["a Symbol", () => [Symbol("token"), () => {}]],
      ["a 10 MB event name", () => [HUGE(), () => {}]],
      ["a revoked Proxy", () => [revoked(), () => {}]],
      ["new String('token')", () => [new String("token"), () => {}]],
      ["'token' without a listener", () => ["token"]],
      ["'token' with 1", () => ["token", 1]],
      ["'token' with 'fn'", () => ["token", "fn"]],
      ["'error' with {}", () => ["error", {}]],
      ["'storage-fallback' with a Symbol", () => ["storage-fallback", Symbol("x")]],
      ["'token' with a revoked Proxy", () => ["token", revoked()]],
      ["'token' with null", () => ["token", null]],
    ].map(([label, make]) => ({ label, run: (ctx) => ctx.emnify.on(...make()), expect: { mode: "sync", codes: INVALID, names: /event|listener/ } })),
  );

  // Vendor methods: junk arguments on their own vendor's client.
  const idJunk = [
    ["undefined", undefined],
    ["null", null],
    ["true", true],
    ["''", ""],
    ["'abc'", "abc"],
    ["[]", []],
    ["[1]", [1]],
    ["{}", {}],
    ["-1", -1],
    ["1.5", 1.5],
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["-Infinity", -Infinity],
    ["2**60", 2 ** 60],
  ];
  group("emnify revokeApplicationToken(junk)", [
    ...idJunk.map(([label, value]) => ({ label, run: (ctx) => ctx.emnify.revokeApplicationToken(value), expect: { mode: "async", codes: INVALID, names: /id/ } })),
    ...[["a Symbol", () => Symbol("1")], ["a BigInt", () => 1n], ["a function", () => () => 1], ["a revoked Proxy", revoked]].map(([label, make]) => ({
      label,
      run: (ctx) => ctx.emnify.revokeApplicationToken(make()),
      expect: { mode: "async", codes: INVALID, names: /id/ },
    })),
  ]);
  group(
    "emnify createApplicationToken(junk)",
    [
      ["42", () => 42],
      ["'x'", () => "x"],
      ["true", () => true],
      ["[]", () => []],
      ["a Symbol", () => Symbol("x")],
      ["a BigInt", () => 1n],
      ["a function", () => () => {}],
      ["a revoked Proxy", revoked],
      ["a Proxy whose ownKeys throws", () => trap("ownKeys")],
      ["{ description: 42 }", () => ({ description: 42 })],
      ["{ description: a 10 MB string }", () => ({ description: HUGE() })],
      ["{ description: '' }", () => ({ description: "" })],
      ["{ expiryDate: 'tomorrow' }", () => ({ expiryDate: "tomorrow" })],
      ["{ expiryDate: 20270131 }", () => ({ expiryDate: 20270131 })],
      ["{ expiryDate: a Date }", () => ({ expiryDate: new Date() })],
      ["{ ip: 42 }", () => ({ ip: 42 })],
      ["{ ip: ['10.0.0.0/8'] }", () => ({ ip: ["10.0.0.0/8"] })],
      ["{ descripton: 'typo' }", () => ({ descripton: "typo" })],
      ["{ description } with a throwing getter", () => throwingGetter("description")],
    ].map(([label, make]) => ({ label, run: (ctx) => ctx.emnify.createApplicationToken(make()), expect: { mode: "async", codes: INVALID, names: /options|description|expiryDate|ip|descripton/ } })),
  );
  group(
    "emnify completeMfa(junk) while a multi-factor login waits",
    [
      ["undefined", () => [undefined]],
      ["null", () => [null]],
      ["42", () => [42]],
      ["123456 (a number)", () => [123456]],
      ["NaN", () => [NaN]],
      ["''", () => [""]],
      ["a 10 MB string", () => [HUGE()]],
      ["a Symbol", () => [Symbol("x")]],
      ["a BigInt", () => [123456n]],
      ["{}", () => [{}]],
      ["[]", () => [[]]],
      ["a function", () => [() => "123456"]],
      ["a revoked Proxy", () => [revoked()]],
      ["trustedDevice: 42", () => ["123456", 42]],
      ["trustedDevice: 'device'", () => ["123456", "device"]],
      ["trustedDevice: []", () => ["123456", []]],
      ["trustedDevice: a Symbol", () => ["123456", Symbol("x")]],
      ["trustedDevice: a function", () => ["123456", () => {}]],
      ["trustedDevice: a revoked Proxy", () => ["123456", revoked()]],
      ["trustedDevice with a throwing getter", () => ["123456", throwingGetter("fingerprint")]],
      ["trustedDevice: { fingerprint: a 10 MB string }", () => ["123456", { fingerprint: HUGE() }]],
    ].map(([label, make]) => ({ label, run: (ctx) => ctx.emnifyMfa.completeMfa(...make()), expect: { mode: "async", codes: INVALID, names: /code|trustedDevice|device|fingerprint/ } })),
  );
  group(
    "voipbin createAccessKey(junk)",
    [
      ["undefined", () => undefined],
      ["null", () => null],
      ["42", () => 42],
      ["'x'", () => "x"],
      ["[]", () => []],
      ["a Symbol", () => Symbol("x")],
      ["a BigInt", () => 1n],
      ["a function", () => () => {}],
      ["a revoked Proxy", revoked],
      ["a Proxy whose ownKeys throws", () => trap("ownKeys")],
      ["{}", () => ({})],
      ["{ expireSeconds: '86400' }", () => ({ expireSeconds: "86400" })],
      ["{ expireSeconds: 100 }", () => ({ expireSeconds: 100 })],
      ["{ expireSeconds: -86400 }", () => ({ expireSeconds: -86400 })],
      ["{ expireSeconds: 86400.5 }", () => ({ expireSeconds: 86400.5 })],
      ["{ expireSeconds: NaN }", () => ({ expireSeconds: NaN })],
      ["{ expireSeconds: Infinity }", () => ({ expireSeconds: Infinity })],
      ["{ expireSeconds: 1e20 }", () => ({ expireSeconds: 1e20 })],
      ["{ expireSeconds: 86400n }", () => ({ expireSeconds: 86400n })],
      ["{ expireSeconds: 86400, name: 42 }", () => ({ expireSeconds: 86400, name: 42 })],
      ["{ expireSeconds: 86400, detail: {} }", () => ({ expireSeconds: 86400, detail: {} })],
      ["{ expireSeconds: 86400, name: a 10 MB string }", () => ({ expireSeconds: 86400, name: HUGE() })],
      ["{ expireSeconds: 86400, expire: 86400 } (a misspelt field)", () => ({ expireSeconds: 86400, expire: 86400 })],
      ["{ expireSeconds } with a throwing getter", () => throwingGetter("expireSeconds")],
    ].map(([label, make]) => ({ label, run: (ctx) => ctx.voipbin.createAccessKey(make()), expect: { mode: "async", codes: INVALID, names: /options|expireSeconds|name|detail|expire/ } })),
  );
  group(
    "voipbin deleteAccessKey(junk)",
    [
      ["undefined", () => undefined],
      ["null", () => null],
      ["42", () => 42],
      ["NaN", () => NaN],
      ["''", () => ""],
      ["a 10 MB string", () => HUGE()],
      ["a Symbol", () => Symbol("x")],
      ["a BigInt", () => 1n],
      ["{}", () => ({})],
      ["[]", () => []],
      ["a function", () => () => "id"],
      ["a revoked Proxy", revoked],
    ].map(([label, make]) => ({ label, run: (ctx) => ctx.voipbin.deleteAccessKey(make()), expect: { mode: "async", codes: INVALID, names: /id/ } })),
  );

  // Another vendor's methods, with and without junk: UNSUPPORTED (or INVALID_OPTIONS for the junk), no request.
  const foreign = [
    ["completeMfa('123456')", (c) => c.completeMfa("123456")],
    ["completeMfa(42)", (c) => c.completeMfa(42)],
    ["completeMfa(null)", (c) => c.completeMfa(null)],
    ["createApplicationToken()", (c) => c.createApplicationToken()],
    ["createApplicationToken(42)", (c) => c.createApplicationToken(42)],
    ["listApplicationTokens()", (c) => c.listApplicationTokens()],
    ["revokeApplicationToken(1)", (c) => c.revokeApplicationToken(1)],
    ["revokeApplicationToken(a Symbol)", (c) => c.revokeApplicationToken(Symbol("x"))],
    ["createAccessKey({ expireSeconds: 86400 })", (c) => c.createAccessKey({ expireSeconds: 86400 })],
    ["createAccessKey(null)", (c) => c.createAccessKey(null)],
    ["listAccessKeys()", (c) => c.listAccessKeys()],
    ["deleteAccessKey('id')", (c) => c.deleteAccessKey("id")],
    ["deleteAccessKey(42)", (c) => c.deleteAccessKey(42)],
    ["deleteAccessKey(null)", (c) => c.deleteAccessKey(null)],
  ];
  group(
    "another vendor's methods",
    foreign.flatMap(([label, call]) => {
      const own = /ApplicationToken|Mfa/.test(label) ? "emnify" : "voipbin";
      return ["zumrails", own === "emnify" ? "voipbin" : "emnify"].map((vendor) => ({
        label: `${vendor}: ${label}`,
        run: (ctx) => call(ctx[vendor === "zumrails" ? "zum" : vendor]),
        expect: { mode: "async", codes: INVALID_OR_UNSUPPORTED, names: /emnify|VoIPBIN|id|code|options/ },
      }));
    }),
  );

  // Methods called on something that is not a live client (a detached method, a freed client):
  // any Error will do, as long as nothing escapes and the instance keeps working.
  group("methods without a live client", [
    { label: "AuthClient.prototype.getToken.call({})", run: (ctx) => ctx.AuthClient.prototype.getToken.call({}), expect: { mode: "either", anyError: true } },
    { label: "AuthClient.prototype.getToken.call(undefined)", run: (ctx) => ctx.AuthClient.prototype.getToken.call(undefined), expect: { mode: "either", anyError: true } },
    {
      label: "a freed client's getToken",
      run: (ctx) => {
        const c = new ctx.AuthClient(BASES["emnify (application token)"]);
        c.free();
        return c.getToken();
      },
      expect: { mode: "either", anyError: true },
    },
  ]);

  // Junk handed back by the caller's own objects at run time: a `fetch` option and a store.
  const personr = { vendor: "personr", baseUrl: BASE_URL, credentials: { email: "junk@example.com", password: "junk-password" } };
  group(
    "a fetch option answering junk",
    [
      ["throws synchronously", () => { throw new Error("sync throw"); }, ["NETWORK"]],
      ["returns undefined", () => undefined, ["NETWORK", "BAD_RESPONSE"]],
      ["returns 42", () => 42, ["NETWORK", "BAD_RESPONSE"]],
      ["returns a plain object", () => ({ status: 200, text: async () => "{}" }), ["NETWORK", "BAD_RESPONSE"]],
      ["rejects with 42", () => Promise.reject(42), ["NETWORK"]],
      ["rejects with undefined", () => Promise.reject(undefined), ["NETWORK"]],
      ["rejects with a revoked Proxy", () => Promise.reject(revoked()), ["NETWORK"]],
      ["resolves to a revoked Proxy", () => Promise.resolve(revoked()), ["NETWORK", "BAD_RESPONSE"]],
      ["returns a thenable whose then throws", () => ({ get then() { throw new Error("then threw"); } }), ["NETWORK"]],
      ["returns a Response whose body errors", () => new Response(new ReadableStream({ start(c) { c.error(new Error("body broke")); } }), { status: 200 }), ["NETWORK", "BAD_RESPONSE"]],
      ["returns a Response with status 599 and a 10 MB body", () => new Response(HUGE(), { status: 599 }), ["VENDOR_ERROR", "BAD_RESPONSE"]],
    ].map(([label, answer, codes]) => ({
      label,
      run: (ctx) => new ctx.AuthClient({ ...personr, store: ctx.kv(), fetch: answer }).getToken(),
      expect: { mode: "async", codes, names: /./, network: true },
    })),
  );
  const goodLogin = async () =>
    new Response(JSON.stringify({ status: "success", response: { token: "bus|1700000000000x1|1700000000000x2", user_id: "u", expires: 31536000 } }), { status: 200, headers: { "content-type": "application/json" } });
  group(
    "a store answering junk (getToken still succeeds)",
    [
      ["get throws", { get() { throw new Error("get threw"); } }],
      ["get rejects with a revoked Proxy", { get: () => Promise.reject(revoked()) }],
      ["get returns 42", { get: () => 42 }],
      ["get returns an object", { get: () => ({ token: "x" }) }],
      ["get returns malformed JSON", { get: () => "{\"v\":1,\"token\":" }],
      ["get returns a 10 MB string", { get: () => HUGE() }],
      ["get returns an entry of another principal", { get: () => JSON.stringify({ v: 1, principal: "0".repeat(32), token: "someone-else", refreshToken: null, expiresAt: null, skewMs: 0, obtainedAt: 0, meta: {}, rejected: false }) }],
      ["get returns a revoked Proxy", { get: () => revoked() }],
      ["get returns a thenable whose then throws", { get: () => ({ get then() { throw new Error("then threw"); } }) }],
      ["put throws", { put() { throw new Error("put threw"); } }],
      ["put rejects", { put: () => Promise.reject(new Error("quota")) }],
      ["delete throws", { delete() { throw new Error("delete threw"); } }],
    ].map(([label, methods]) => ({
      label,
      run: async (ctx) => {
        const store = { ...ctx.kv(), ...methods };
        // timeoutMs bounds the store lease a junk-answering store cannot confirm (2 × timeoutMs).
        const client = new ctx.AuthClient({ ...personr, store, fetch: goodLogin, timeoutMs: 50 });
        await client.clear().catch(() => {});
        const token = await client.getToken();
        if (token !== "bus|1700000000000x1|1700000000000x2") throw new Error(`getToken resolved to ${token}`);
        return token;
      },
      expect: { ok: true, network: true },
    })),
  );
  return groups;
}

// =============================================================================
// In the worker: run cases, check the canary after each.
// =============================================================================
async function runInWorker({ group, start, all, simUrl }) {
  const { AuthClient, AuthError } = await import("vendor-auth");
  const uncaught = [];
  process.on("uncaughtException", (e) => uncaught.push(`uncaught exception: ${e?.stack ?? e}`));
  process.on("unhandledRejection", (e) => uncaught.push(`unhandled rejection: ${e?.stack ?? e}`));
  let calls = 0;
  const stubFetch = () => {
    calls += 1; // counted as a request sent; answered 400 so that no login retries
    return Promise.resolve(new Response("", { status: 400 }));
  };
  const kv = () => {
    const map = new Map();
    return { get: (k) => map.get(k) ?? null, put: (k, v) => void map.set(k, v), delete: (k) => void map.delete(k) };
  };
  const ctx = { AuthClient, AuthError, stubFetch, kv };
  ctx.emnify = new AuthClient({ vendor: "emnify", baseUrl: BASE_URL, credentials: { applicationToken: "emnify-sim-app-token-0001-k3Xq9vT2mB7wLp4sR8nZ1cY6hF0jD5gA" }, fetch: stubFetch, store: kv() });
  ctx.voipbin = new AuthClient({ vendor: "voipbin", baseUrl: BASE_URL, credentials: { username: "voipbin-demo", password: "voipbin-demo-password" }, fetch: stubFetch, store: kv() });
  ctx.zum = new AuthClient({ vendor: "zumrails", baseUrl: BASE_URL, credentials: { username: "zum-sim-user", password: "zum-sim-password" }, fetch: stubFetch, store: kv() });
  // An emnify client whose login waits for its MFA code.
  let mfaAnswered = false;
  ctx.emnifyMfa = new AuthClient({
    vendor: "emnify",
    baseUrl: BASE_URL,
    credentials: { username: "mfa@domain.com", password: "emnify-demo-password" },
    store: kv(),
    fetch: (...args) => {
      if (mfaAnswered) return stubFetch(...args);
      mfaAnswered = true;
      return Promise.resolve(new Response(JSON.stringify({ mfa_token: "mfa-token-of-the-junk-tests" }), { status: 200, headers: { "content-type": "application/json" } }));
    },
  });
  try {
    await ctx.emnifyMfa.getToken();
  } catch (e) {
    if (e?.code !== "MFA_REQUIRED") throw e;
  }

  async function canary() {
    const api = new AuthClient({ vendor: "runbuggy", credentials: { apiToken: "canaryapitoken0123456789abcdefgh" } });
    if ((await api.getToken()) !== "canaryapitoken0123456789abcdefgh") throw new Error("a static token came back wrong");
    const login = () =>
      Promise.resolve(new Response(JSON.stringify({ status: "success", response: { token: "bus|canary|1", user_id: "u", expires: 31536000 } }), { status: 200, headers: { "content-type": "application/json" } }));
    const client = new AuthClient({ vendor: "personr", baseUrl: "https://canary.invalid", credentials: { email: "canary@example.com", password: "canary-password" }, fetch: login });
    const off = client.on("token", () => {});
    off();
    await client.clear();
    if ((await client.getToken()) !== "bus|canary|1") throw new Error("a login came back wrong");
    if ((await client.getTokenInfo({ cache: "only-if-cached" })).token !== "bus|canary|1") throw new Error("the cache came back wrong");
    let refused;
    try {
      new AuthClient({ vendor: "nope" });
    } catch (e) {
      refused = e;
    }
    if (!(refused instanceof AuthError) || refused.code !== "INVALID_OPTIONS") throw new Error(`bad options were not refused with an AuthError: ${refused}`);
  }

  const brief = (value) => {
    if (typeof value === "string") return value.length > 40 ? `a string of ${value.length}` : JSON.stringify(value);
    if (value instanceof AuthClient) return "an AuthClient";
    return typeof value === "function" ? "a function" : Object.prototype.toString.call(value);
  };
  const info = (e) => ({
    isAuthError: e instanceof AuthError,
    isError: e instanceof Error,
    type: e?.constructor?.name ?? typeof e,
    code: e?.code ?? null,
    message: String(e?.message ?? e).slice(0, 300),
    messageLength: String(e?.message ?? "").length,
  });

  const groups = buildGroups();
  const selected = all ? groups : [groups.find((g) => g.name === group)];
  for (const g of selected) {
    for (let i = all ? 0 : start; i < g.cases.length; i++) {
      const c = g.cases[i];
      const before = { calls, uncaught: uncaught.length };
      let out;
      try {
        const value = c.run(ctx);
        if (value && typeof value.then === "function") {
          // Nothing here waits for a real network: a call that has not settled in a second never will.
          out = await within(
            c.expect.network ? 3000 : 1000,
            Promise.resolve(value).then((v) => ({ kind: "resolve", value: brief(v) }), (e) => ({ kind: "reject", ...info(e) })),
            () => ({ kind: "pending" }),
          );
        } else {
          out = { kind: "return", value: brief(value) };
        }
      } catch (e) {
        out = { kind: "throw", ...info(e) };
      }
      await new Promise((resolve) => setImmediate(resolve));
      out.calls = calls - before.calls;
      out.uncaught = uncaught.slice(before.uncaught).map((s) => s.slice(0, 400));
      // (The whole-instance run checks the canary once, at the end.)
      if (!all) try {
        await within(3000, canary(), () => {
          throw new Error("the canary hung");
        });
      } catch (e) {
        out.broken = `${e?.constructor?.name}: ${String(e?.message ?? e).slice(0, 300)}`;
      }
      parentPort.postMessage({ group: g.name, index: i, out });
      if (out.broken && !all) return parentPort.postMessage({ done: true });
    }
  }
  if (all) {
    // After all the junk, the canary, and a normal client logs in against the simulator.
    let final;
    try {
      await canary();
      const client = new AuthClient({ vendor: "emnify", baseUrl: `${simUrl}/emnify`, credentials: { applicationToken: "emnify-sim-app-token-0001-k3Xq9vT2mB7wLp4sR8nZ1cY6hF0jD5gA" } });
      await client.clear();
      const token = await client.getToken();
      const response = await client.fetch("/api/v1/endpoint");
      final = { ok: typeof token === "string" && token.length > 20 && response.status === 200 };
    } catch (e) {
      final = { ok: false, error: `${e?.constructor?.name}: ${e?.message}` };
    }
    parentPort.postMessage({ final });
  }
  parentPort.postMessage({ done: true });
}

// =============================================================================
// In the test runner: spawn workers, assert on what they report.
// =============================================================================
async function defineTests() {
  const { test, describe } = await import("node:test");
  const assert = (await import("node:assert/strict")).default;
  const { simulator } = await import("./helpers.mjs");

  /** Runs one group's cases in workers (a fresh one after a case that broke the instance). */
  async function runGroup(name, total) {
    const results = new Array(total);
    let start = 0;
    while (start < total) {
      const worker = new Worker(new URL(import.meta.url), { workerData: { badinput: true, group: name, start } });
      let last = start - 1;
      await new Promise((resolve) => {
        worker.on("message", (m) => {
          if (m.done) return resolve();
          results[m.index] = m.out;
          last = m.index;
        });
        worker.once("error", (e) => {
          results[last + 1] ??= { kind: "worker died", message: String(e?.stack ?? e), uncaught: [], calls: 0, broken: "the worker died" };
          last += 1;
          resolve();
        });
        worker.once("exit", resolve);
      });
      await worker.terminate();
      if (last < start) {
        results[start] ??= { kind: "worker stopped", message: "the worker ended without reporting this case", uncaught: [], calls: 0, broken: "the worker stopped" };
        last = start;
      }
      start = last + 1;
    }
    return results;
  }

  function problemsOf(c, out) {
    const p = [];
    const e = c.expect;
    if (!out) return ["no result (the worker stopped)"];
    if (out.broken) p.push(`broke the wasm instance: the canary failed with ${out.broken}`);
    if (out.uncaught.length) p.push(...out.uncaught.map((u) => u.split("\n")[0]));
    if (!e.network && out.calls > 0) p.push(`${out.calls} request(s) sent`);
    if (out.kind === "pending") return [...p, "the promise never settled"];
    if (e.ok) {
      if (out.kind === "throw" || out.kind === "reject") p.push(`refused: ${out.type} ${out.code ?? ""} ${out.message}`);
      return p;
    }
    if (e.anyError) {
      if (!(out.kind === "throw" || out.kind === "reject") || !out.isError) p.push(`${out.kind}: ${out.type ?? out.value} (expected an Error)`);
      return p;
    }
    const failed = out.kind === "throw" || out.kind === "reject";
    if (!failed) p.push(`${out.kind === "return" ? "returned" : "resolved"} ${out.value}`);
    else {
      if (e.mode === "sync" && out.kind !== "throw") p.push("rejected a promise instead of throwing");
      if (e.mode === "async" && out.kind !== "reject") p.push(`threw synchronously instead of returning a rejected promise`);
      if (!out.isAuthError) p.push(`${out.type} instead of AuthError: ${out.message}`);
      else {
        if (!e.codes.includes(out.code)) p.push(`code ${out.code} (expected ${e.codes.join(" or ")}): ${out.message}`);
        if (e.names && !e.names.test(out.message)) p.push(`the message does not name the field (${e.names}): ${out.message}`);
        if (out.messageLength > 1000) p.push(`a message of ${out.messageLength} characters`);
      }
    }
    return p;
  }

  const groups = buildGroups();
  const counts = { cases: 0, failing: 0 };
  // Workers run in parallel: the whole-instance run beside the per-group runs.
  describe("bad inputs", { concurrency: 3 }, () => {
  test("after all the junk in one instance, a normal client still logs in and calls the API", { timeout: 300_000 }, async (t) => {
    const sim = await simulator();
    try {
      const worker = new Worker(new URL(import.meta.url), { workerData: { badinput: true, all: true, simUrl: sim.url } });
      let final;
      let broken = 0;
      await new Promise((resolve) => {
        worker.on("message", (m) => {
          if (m.done) resolve();
          else if (m.final) final = m.final;
          else if (m.out.broken) broken += 1;
        });
        worker.once("error", (e) => {
          final = { ok: false, error: `the worker died: ${e?.stack ?? e}` };
          resolve();
        });
        worker.once("exit", resolve);
      });
      await worker.terminate();
      t.diagnostic(`cases after which the canary failed: ${broken}`);
      assert.deepEqual(final, { ok: true });
    } finally {
      await sim.close();
    }
  });
  for (const g of groups) {
    test(g.name, { timeout: 120_000 }, async (t) => {
      const results = await runGroup(g.name, g.cases.length);
      const failing = [];
      g.cases.forEach((c, i) => {
        const problems = problemsOf(c, results[i]);
        counts.cases += 1;
        if (problems.length) failing.push(`${c.label}: ${problems.join("; ")}`);
      });
      counts.failing += failing.length;
      t.diagnostic(`${g.cases.length} cases, ${failing.length} failing`);
      for (const line of failing) t.diagnostic(`FAIL ${line}`);
      assert.deepEqual(failing, [], `${g.name}: ${failing.length} of ${g.cases.length} cases failed`);
    });
  }

  });

  test("summary", (t) => {
    t.diagnostic(`${counts.cases} junk cases, ${counts.failing} failing`);
  });
}

if (!isMainThread && workerData?.badinput) {
  await runInWorker(workerData);
} else if (isMainThread) {
  await defineTests();
}
