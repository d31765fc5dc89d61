// Shared by the package tests: the vendor simulator and a few readers of it.
import { createServer } from "node:http";
import { startSimulator } from "../simulator/server.mjs";
export { CREDENTIALS } from "../simulator/credentials.mjs";
import { CREDENTIALS as CREDENTIALS_FOR_SCAN } from "../simulator/credentials.mjs";

/** Starts the simulator on a free loopback port. */
export async function simulator() {
  const sim = await startSimulator({ port: 0 });
  const url = sim.url.replace(/\/$/, "");
  const control = async (path, body) => {
    const response = await fetch(`${url}/__sim/${path}`, body === undefined ? {} : {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return response.json();
  };
  return {
    url,
    close: () => sim.close(),
    reset: () => control("reset", {}),
    /** Calls that reached `vendor`'s `METHOD /path`. */
    count: async (vendor, route) => (await control(`counts?vendor=${vendor}`))[route] ?? 0,
    control,
  };
}

/** The claims of a JWT, read the way the library reads them. */
export function claims(jwt) {
  const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(Buffer.from(payload, "base64").toString("utf8"));
}

/** Injects a fault at the simulator (see tests/simulator/README.md). */
export async function fault(sim, spec) {
  const response = await fetch(`${sim.url}/__sim/fault`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  if (!response.ok) throw new Error(`fault refused: ${await response.text()}`);
}

/** The simulator's request log for one vendor. */
export async function requests(sim, vendor) {
  return (await fetch(`${sim.url}/__sim/requests?vendor=${vendor}`)).json();
}

// --- Reliability and secret-hygiene helpers (faults, hygiene, badinput tests) ---
// Import declarations are hoisted, so these work from down here.
import { createHash } from "node:crypto";
import { inspect, format } from "node:util";

export const sha1Hex = (text) => createHash("sha1").update(text, "utf8").digest("hex");

/** Clears every pending fault of the simulator. */
export async function clearFaults(sim) {
  await fetch(`${sim.url}/__sim/fault`, { method: "DELETE" });
}

/**
 * A KV-shaped store (the `{ get, put, delete }` option) that keeps every
 * write it was ever given, so a test can read all entries, current and past.
 */
export function kvStore() {
  const map = new Map();
  const writes = []; // { key, value } of every put, in order
  return {
    map,
    writes,
    get: async (key) => (map.has(key) ? map.get(key) : null),
    put: async (key, value) => {
      writes.push({ key, value });
      map.set(key, value);
    },
    delete: async (key) => {
      map.delete(key);
    },
    /** The principal entries (not leases or rate-limit holds), parsed. */
    entries() {
      return [...map].filter(([key]) => !/:(lease|hold)$/.test(key)).map(([key, value]) => [key, JSON.parse(value)]);
    },
  };
}

/** An unsigned JWT with these claims (the library reads claims, only the vendor verifies). */
export function fakeJwt(claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}.${Buffer.from(`sig-${Math.random()}`).toString("base64url")}`;
}

/** A server of the test's own on a free loopback port; `close()` drops the connections it still holds. */
export async function serve(handler) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const sockets = new Set();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A request handler for an emnify-shaped vendor that redirects: logins
 * answer a token, `/api/v1/moved` redirects (302) to `/api/v1/here` on its
 * own origin, `/api/v1/away` redirects (`status`) to `elsewhere`, and every
 * other path says whether it was sent a token.
 */
export function redirectingVendor(elsewhere, status = 307) {
  return (req, res) => {
    if (req.url === "/api/v1/authenticate") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ auth_token: fakeJwt({ exp: Math.floor(Date.now() / 1000) + 3600, sub: "x" }) }));
    } else if (req.url === "/api/v1/moved") {
      res.writeHead(302, { location: "/api/v1/here" });
      res.end();
    } else if (req.url === "/api/v1/away") {
      res.writeHead(status, { location: elsewhere });
      res.end();
    } else {
      res.end(`here ${req.headers.authorization ? "with" : "without"} a token`);
    }
  };
}

// Everything printed through console.* while the test file runs (installed
// once, on first use; the output still goes through).
const consoleLines = [];
let consoleWrapped = false;
export function captureConsole() {
  if (!consoleWrapped) {
    consoleWrapped = true;
    for (const level of ["log", "warn", "error", "info", "debug", "trace"]) {
      const original = console[level].bind(console);
      console[level] = (...args) => {
        consoleLines.push(`${level}: ${format(...args)}`);
        original(...args);
      };
    }
  }
  return consoleLines;
}

// Unhandled promise rejections of the process (installed once, on first use).
const unhandled = [];
let unhandledWatched = false;
export function watchUnhandledRejections() {
  if (!unhandledWatched) {
    unhandledWatched = true;
    process.on("unhandledRejection", (reason) => unhandled.push(reason));
  }
  return unhandled;
}

/** Every way an error can show itself: message, stack, JSON, inspect. */
export function errorText(error) {
  if (error === null || typeof error !== "object") return String(error);
  return [String(error.message), String(error.stack), safeJson(error), inspect(error, { depth: 6, showHidden: true })].join("\n");
}
function safeJson(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return "";
  }
}

/**
 * What a set of clients showed the world, and the secrets it must not show:
 * - `secret(...)`: passwords, their SHA-1, session JWTs, application tokens,
 *   access keys, Basic headers: never anywhere (messages, events, console,
 *   any store key or value).
 * - `token(...)`: tokens a vendor issued: only inside their own store entry
 *   (as its `token` or `refreshToken`, under one principal key) and as
 *   getToken's result.
 * Tokens are also harvested from every store entry and every result.
 */
export function ledger(label = "") {
  const consoleAt = captureConsole().length;
  const unhandledAt = watchUnhandledRejections().length;
  const l = {
    label,
    secrets: new Set(),
    tokens: new Set(),
    refused: new Set(), // tokens the library had to refuse: never stored, never shown
    messages: [],
    events: [],
    results: [],
    stores: [],
    secret(...values) {
      for (const v of values) if (typeof v === "string" && v.length >= 4) l.secrets.add(v);
      return l;
    },
    token(...values) {
      for (const v of values) if (typeof v === "string" && v.length >= 8) l.tokens.add(v);
      return l;
    },
    refuse(...values) {
      for (const v of values) if (typeof v === "string" && v.length >= 4) l.refused.add(v);
      return l;
    },
    store(store) {
      l.stores.push(store);
      return store;
    },
    /** Records every event of `client`. */
    watch(client) {
      for (const name of ["token", "error", "storage-fallback"]) {
        client.on(name, (payload) => l.events.push(`${name}: ${name === "error" ? errorText(payload) : `${safeJson(payload)} ${inspect(payload, { depth: 6 })}`}`));
      }
      return client;
    },
    /** A getToken / getTokenInfo result (where a token may appear). */
    result(value) {
      l.results.push(value);
      if (typeof value === "string") l.token(value);
      else if (value && typeof value.token === "string") l.token(value.token);
      return value;
    },
    /** Awaits a promise expected to reject; records and returns the error. */
    async failure(promise) {
      try {
        const value = await promise;
        return { resolved: value };
      } catch (error) {
        l.messages.push(errorText(error));
        return error;
      }
    },
    /** Records an error caught elsewhere. */
    error(error) {
      l.messages.push(errorText(error));
      return error;
    },
    /** Console lines printed since this ledger was made. */
    consoleLines: () => captureConsole().slice(consoleAt),
    /** Unhandled rejections since this ledger was made. */
    unhandled: () => watchUnhandledRejections().slice(unhandledAt),
    /**
     * Every leak found, as readable lines ([] when clean). `ownKeys`, if
     * given, maps a token to the only store key it may be written under.
     */
    leaks({ ownKeys = new Map() } = {}) {
      const problems = [];
      const writes = l.stores.flatMap((s) => s.writes);
      // Harvest the tokens the stores were given.
      for (const { key, value } of writes) {
        if (/:(lease|hold)$/.test(key)) continue;
        try {
          const entry = JSON.parse(value);
          l.token(entry.token, entry.refreshToken);
        } catch {
          problems.push(`store entry ${key} is not JSON`);
        }
      }
      const shown = [
        ...l.messages.map((text) => ["an error", text]),
        ...l.events.map((text) => ["an event", text]),
        ...l.consoleLines().map((text) => ["the console", text]),
      ];
      const short = (s) => (s.length > 24 ? `${s.slice(0, 12)}…${s.slice(-6)}` : s);
      const tail = (s) => s.slice(-12);
      for (const secret of [...l.secrets, ...l.refused]) {
        for (const [where, text] of shown) if (text.includes(secret)) problems.push(`secret ${short(secret)} in ${where}: ${text.slice(0, 300)}`);
        for (const { key, value } of writes) {
          if (key.includes(secret) || value.includes(secret)) problems.push(`secret ${short(secret)} in the store under ${key}`);
        }
      }
      for (const token of l.tokens) {
        for (const [where, text] of shown) {
          if (text.includes(token) || (token.length >= 24 && text.includes(tail(token)))) problems.push(`token ${short(token)} in ${where}: ${text.slice(0, 300)}`);
        }
        const keys = new Set();
        for (const { key, value } of writes) {
          if (key.includes(token)) problems.push(`token ${short(token)} in the store key ${key}`);
          if (!value.includes(token)) continue;
          keys.add(key);
          let entry = {};
          try {
            entry = JSON.parse(value);
          } catch {}
          const own = entry.token === token || entry.refreshToken === token;
          if (!own || value.split(token).length !== 2) problems.push(`token ${short(token)} written under ${key} outside its own field`);
        }
        if (keys.size > 1) problems.push(`token ${short(token)} written under several keys: ${[...keys].join(", ")}`);
        const expected = ownKeys.get(token);
        if (expected && keys.size === 1 && !keys.has(expected)) problems.push(`token ${short(token)} written under ${[...keys][0]}, not its principal's ${expected}`);
      }
      return problems;
    },
  };
  return l;
}

/** Every secret of the simulator's accounts: none may appear in an error, an event, the console or a foreign entry. */
export const ALL_SECRETS = [
  CREDENTIALS_FOR_SCAN.runbuggy.apiToken,
  CREDENTIALS_FOR_SCAN.personr.password,
  Buffer.from(`${CREDENTIALS_FOR_SCAN.personr.email}:${CREDENTIALS_FOR_SCAN.personr.password}`).toString("base64"),
  CREDENTIALS_FOR_SCAN.emnify.applicationToken,
  CREDENTIALS_FOR_SCAN.emnify.password,
  sha1Hex(CREDENTIALS_FOR_SCAN.emnify.password),
  sha1Hex(CREDENTIALS_FOR_SCAN.emnify.password).toUpperCase(),
  CREDENTIALS_FOR_SCAN.emnify.mfaPassword,
  CREDENTIALS_FOR_SCAN.zumrails.password,
  CREDENTIALS_FOR_SCAN.voipbin.password,
  CREDENTIALS_FOR_SCAN.voipbin.accessKey,
];
