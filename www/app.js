// The vendor-auth demo: every vendor flow a person can try, against the local
// vendor simulator (or the vendors' real hosts). Plain DOM, no framework.
//
// Secrets: tokens are shown masked unless the person presses Reveal; the
// event log carries what the client's events carry (never a token) and the
// library's error messages (scrubbed of credentials by the library).
import { AuthClient, AuthError } from "vendor-auth";
import { VENDORS, VENDOR_IDS, STORES, WORKER_STORES, isLogin } from "./vendors.js";
import { Simulator, FAULTS } from "./sim.js";
import { mask, fingerprint, decodeJwt, duration, countdown, dateTime, time, h, prettyBody } from "./format.js";

const $ = (id) => document.getElementById(id);

// --- state ----------------------------------------------------------------------------

const state = {
  simulatorUrl: "http://127.0.0.1:8790",
  testCredentials: {},
  sim: null,
  simOnline: false,
  simOffsetSeconds: 0,
  vendor: "emnify",
  env: "simulator",
  kinds: {}, // vendor -> kind id
  values: {}, // `${vendor}/${kind}` -> { field: value }
  client: null,
  clientKey: "",
  clientGen: 0,
  unsubscribe: [],
  token: null, // { info, source, shownAt, lifetimeMs, revealed }
  tokenEvents: [], // the client's "token" events: { n, fromCache, expiresAt }
  tokenSeq: 0,
  busy: false,
  counts: {},
  baseline: {},
  seq: 0,
  loggedErrors: new Set(),
  created: null, // { kind: "emnify"|"voipbin", value, id? }: shown masked in the vendor panel
  worker: null, // { instance, ready, pending: Map(id -> { resolve, reject }), seq }
};

// --- the event log ----------------------------------------------------------------------

const LOG_LIMIT = 200;

/** Adds a line to the event log. `text` must never contain a secret. */
function log(type, text, code) {
  const entry = h(
    "li",
    { class: `log-${type}`, dataset: { type, code: code ?? "" } },
    h("time", {}, time(Date.now())),
    h("span", { class: "log-type" }, type),
    h("span", { class: "log-text" }, code ? h("code", { class: "log-code" }, code) : null, code ? " " : null, text),
  );
  const list = $("log");
  list.prepend(entry);
  while (list.children.length > LOG_LIMIT) list.lastElementChild.remove();
}

function errorText(e) {
  if (e instanceof AuthError || (e && typeof e.code === "string")) {
    const status = e.status ? ` (HTTP ${e.status})` : "";
    const retry = e.retryAfterSeconds ? ` Retry after ${e.retryAfterSeconds} s.` : "";
    return { code: e.code, text: `${e.message}${status}${retry}` };
  }
  return { code: "", text: String(e?.message ?? e) };
}

// --- the outcome line -------------------------------------------------------------------

/** kind: busy | ok | info | error. Ends an action when kind is not busy. */
function outcome(kind, text, code = "") {
  const box = $("outcome");
  box.dataset.state = kind;
  box.dataset.code = code;
  $("outcome-code").textContent = code;
  $("outcome-text").textContent = text;
  if (kind !== "busy") box.dataset.seq = String(++state.seq);
}

// --- setup: vendor, environment, credentials, store -----------------------------------------

const vendor = () => VENDORS[state.vendor];
const kindOf = (v = state.vendor) => VENDORS[v].kinds.find((k) => k.id === state.kinds[v]) ?? VENDORS[v].kinds[0];
const onSimulator = () => state.env === "simulator";
const simRoot = (v = state.vendor) => `${state.simulatorUrl}/${v}`;

function fieldValues(v = state.vendor, kind = kindOf(v)) {
  const key = `${v}/${kind.id}`;
  if (!state.values[key]) {
    state.values[key] = Object.fromEntries(kind.fields.map((f) => [f.name, f.value(state.testCredentials)]));
  }
  return state.values[key];
}

function renderVendorPicker() {
  const grid = $("vendor-grid");
  grid.replaceChildren(
    ...VENDOR_IDS.map((id) =>
      h(
        "label",
        { class: "vendor-tile", dataset: { vendor: id } },
        h("input", {
          type: "radio",
          name: "vendor",
          value: id,
          checked: id === state.vendor,
          onchange: () => selectVendor(id),
        }),
        h("span", { class: "vendor-name" }, VENDORS[id].label),
        h("span", { class: "vendor-blurb" }, VENDORS[id].blurb),
      ),
    ),
  );
}

function renderEnvironment() {
  const select = $("environment");
  const envs = vendor().environments;
  if (state.env !== "simulator" && !(state.env in envs)) state.env = "simulator";
  select.replaceChildren(
    h("option", { value: "simulator" }, "Simulator (local, no account needed)"),
    ...Object.entries(envs).map(([env, host]) => h("option", { value: env }, `${env} · ${host} (real host)`)),
  );
  select.value = state.env;
  $("vendor-root").textContent = onSimulator() ? simRoot() : `https://${envs[state.env]}`;
  $("cors-note").hidden = onSimulator();
}

function renderCredentials() {
  const v = vendor();
  const kind = kindOf();
  const kinds = $("kinds");
  kinds.hidden = v.kinds.length < 2;
  kinds.replaceChildren(
    ...v.kinds.map((k) =>
      h(
        "label",
        { class: "kind" },
        h("input", {
          type: "radio",
          name: "kind",
          value: k.id,
          checked: k.id === kind.id,
          onchange: () => selectKind(k.id),
        }),
        h("span", {}, k.label),
      ),
    ),
  );
  $("kind-hint").textContent = kind.hint ?? "";
  $("kind-hint").hidden = !kind.hint;
  const values = fieldValues();
  $("fields").replaceChildren(
    ...kind.fields.map((f) => {
      const input = h("input", {
        name: f.name,
        id: `cred-${f.name}`,
        type: f.secret ? "password" : f.type ?? "text",
        value: values[f.name] ?? "",
        placeholder: f.placeholder,
        spellcheck: "false",
        autocomplete: "off",
        autocapitalize: "off",
        oninput: (e) => {
          values[f.name] = e.target.value;
          if (f.secret) state.secretEdited = true;
          renderCode();
        },
      });
      return h(
        "label",
        { class: "field" },
        h("span", {}, f.label, f.optional ? h("em", { class: "optional" }, " optional") : null),
        input,
      );
    }),
  );
}

function renderStore() {
  const store = $("store").value;
  $("store-hint").textContent = STORES[store];
  $("second-tab").hidden = store !== "localStorage" && store !== "indexedDB";
  $("worker-hint").textContent = WORKER_STORES[store].hint;
  $("second-tab-link").href = location.href;
}

function renderOptionsVisibility() {
  const wanted = new Set(vendor().options ?? []);
  for (const el of document.querySelectorAll("[data-option]")) el.hidden = !wanted.has(el.dataset.option);
}

function renderSetup() {
  renderEnvironment();
  renderCredentials();
  renderStore();
  renderOptionsVisibility();
  renderCode();
  $("api-path").value = vendor().apiPath;
  syncUrl();
}

function syncUrl() {
  const params = new URLSearchParams({
    vendor: state.vendor,
    env: state.env,
    kind: kindOf().id,
    store: $("store").value,
  });
  history.replaceState(null, "", `${location.pathname}?${params}`);
  $("second-tab-link").href = location.href;
}

function selectVendor(id) {
  if (id === state.vendor) return;
  state.vendor = id;
  state.created = null;
  state.secretEdited = false;
  renderSetup();
  renderVendorPanel();
  resetPanels();
  refreshSim();
  log("action", `Vendor: ${vendor().label}.`);
}

function selectKind(id) {
  state.kinds[state.vendor] = id;
  state.secretEdited = false;
  renderCredentials();
  renderCode();
  resetPanels();
  syncUrl();
}

/** Forget what the panels show (the setup changed: another principal). */
function resetPanels() {
  showToken(null);
  showWorkerAnswer(null);
  $("response-body").hidden = true;
  $("response-empty").hidden = false;
  $("mfa").hidden = true;
}

// --- the client -------------------------------------------------------------------------

function numberOption(id, fallback) {
  const n = Number($(id).value);
  return Number.isFinite(n) && $(id).value !== "" ? n : fallback;
}

/** The options of `new AuthClient(…)` for the current setup. */
function clientOptions() {
  const options = { vendor: state.vendor };
  if (onSimulator()) options.baseUrl = simRoot();
  else options.environment = state.env;
  const kind = kindOf();
  const values = fieldValues();
  const credentials = {};
  for (const f of kind.fields) {
    const value = values[f.name] ?? "";
    if (f.optional && value.trim() === "") continue;
    credentials[f.name] = value;
  }
  options.credentials = credentials;
  options.store = $("store").value;
  const margin = numberOption("refreshMarginSeconds", 60);
  if (margin !== 60) options.refreshMarginSeconds = margin;
  const timeout = numberOption("timeoutMs", 15000);
  if (timeout !== 15000) options.timeoutMs = timeout;
  const wanted = vendor().options ?? [];
  if (wanted.includes("tokenIn") && $("tokenIn").value !== "header") options.tokenIn = $("tokenIn").value;
  if (wanted.includes("loginMethod") && $("loginMethod").value !== "form") options.loginMethod = $("loginMethod").value;
  if (wanted.includes("regenerateOnRejection") && $("regenerateOnRejection").checked) options.regenerateOnRejection = true;
  return options;
}

/** The same call as code, with every credential value hidden. */
function renderCode() {
  const options = clientOptions();
  const secretNames = new Set(kindOf().fields.filter((f) => f.secret).map((f) => f.name));
  const lines = ["import { AuthClient } from \"vendor-auth\";", "", "const client = new AuthClient({"];
  for (const [key, value] of Object.entries(options)) {
    if (key === "credentials") {
      const parts = Object.entries(value).map(([k, v]) => `${k}: ${secretNames.has(k) ? '"…"' : JSON.stringify(v)}`);
      lines.push(`  credentials: { ${parts.join(", ")} },`);
    } else {
      lines.push(`  ${key}: ${JSON.stringify(value)},`);
    }
  }
  lines.push("});", "", "const token = await client.getToken();", `const res = await client.fetch(${JSON.stringify(vendor().apiPath)});`);
  $("code").textContent = lines.join("\n");
}

/** The client for the current setup: reused while the setup is unchanged. */
function client() {
  const options = clientOptions();
  const key = JSON.stringify(options);
  if (state.client && key === state.clientKey) return state.client;
  for (const off of state.unsubscribe) off();
  state.unsubscribe = [];
  // Another setup (vendor, root, credentials, store…): what the panels show
  // belonged to the previous client. It goes now, not when collected: one
  // principal keeps to one origin-wide store per realm, so a localStorage
  // client still alive would refuse its IndexedDB successor.
  if (state.client) {
    resetPanels();
    state.client.free();
    state.client = null;
    state.clientKey = "";
  }
  const created = new AuthClient(options); // throws INVALID_OPTIONS
  const gen = ++state.clientGen;
  const mine = (fn) => (payload) => gen === state.clientGen && fn(payload);
  state.unsubscribe.push(
    created.on(
      "token",
      mine((e) => {
        state.tokenEvents.push({ n: ++state.tokenSeq, fromCache: e.fromCache, expiresAt: e.expiresAt });
        if (state.tokenEvents.length > 100) state.tokenEvents.splice(0, 50);
        const when = e.expiresAt == null ? "never expires" : `expires ${dateTime(e.expiresAt)} (in ${duration(e.expiresAt - Date.now())})`;
        log("token", e.fromCache ? `Token found in the shared store; ${when}.` : `New token from ${VENDORS[e.vendor].label}; ${when}.`);
      }),
    ),
    created.on(
      "error",
      mine((e) => {
        const { code, text } = errorText(e);
        state.loggedErrors.add(`${code}\n${e.message}`);
        log("error", text, code);
      }),
    ),
    created.on(
      "storage-fallback",
      mine((e) => log("storage", `The store failed; tokens are kept in memory. ${e.reason}`)),
    ),
  );
  state.client = created;
  state.clientKey = key;
  return created;
}

// --- actions ----------------------------------------------------------------------------

/** Runs one action: busy state, errors shown, counts refreshed. */
async function act(label, fn) {
  if (state.busy) return;
  state.busy = true;
  document.body.classList.add("busy");
  $("actions").setAttribute("aria-busy", "true");
  state.baseline = { ...state.counts };
  state.loggedErrors.clear();
  outcome("busy", `${label}…`);
  try {
    await fn();
  } catch (e) {
    const { code, text } = errorText(e);
    if (code === "MFA_REQUIRED") {
      askForMfa();
    } else {
      outcome("error", text, code || "ERROR");
      // Errors of the client were logged by its "error" event; the others
      // (INVALID_OPTIONS from the constructor, the simulator) are logged here.
      if (!state.loggedErrors.has(`${code}\n${e?.message}`)) log("error", text, code);
    }
  } finally {
    state.busy = false;
    document.body.classList.remove("busy");
    // The action is over once the simulator's view (counts, clock, faults)
    // is refreshed too: the page and its tests read them right after.
    try {
      await refreshSim();
    } finally {
      $("actions").removeAttribute("aria-busy");
    }
  }
}

function askForMfa() {
  const form = $("mfa");
  form.hidden = false;
  $("mfa-sim-hint").hidden = !onSimulator();
  const input = $("mfa-code");
  if (!input.value && onSimulator()) input.value = state.testCredentials?.emnify?.mfaCode ?? "";
  outcome("info", "emnify asks for a one-time code: enter it below.", "MFA_REQUIRED");
  input.focus();
  input.select();
}

async function getToken() {
  log("action", `Get token: ${vendor().label}, ${kindOf().label.toLowerCase()}, ${$("store").value}.`);
  await act("Getting the token", async () => {
    const info = await client().getTokenInfo();
    showToken(info, info.fromCache ? "cache" : "network");
    $("mfa").hidden = true;
    // Tokens are cached per account (username, email, token), not per
    // password: an edited password is checked at the next login only.
    const edited = info.fromCache && state.secretEdited;
    outcome(
      "ok",
      kindOf().asIs
        ? `The ${kindOf().label.toLowerCase()} is the token: used as is, no login.`
        : info.fromCache
          ? `Served from the cache: no request to the vendor.${edited ? " Tokens are cached per account, so the edited password is only checked at the next login: Clear cache to log in now." : ""}`
          : `New token from ${vendor().label}.`,
    );
    if (!info.fromCache) state.secretEdited = false;
  });
}

async function renew() {
  log("action", "Renew: getTokenInfo({ cache: \"reload\" }).");
  await act("Renewing", async () => {
    const info = await client().getTokenInfo({ cache: "reload" });
    showToken(info, info.fromCache ? "cache" : "network");
    if (kindOf().asIs) outcome("ok", `The ${kindOf().label.toLowerCase()} is used as is: nothing to renew.`);
    else outcome("ok", info.fromCache ? "Nothing to renew: the same token." : `Renewed: a new token from ${vendor().label}.`);
  });
}

async function revoke() {
  log("action", "Revoke.");
  await act("Revoking", async () => {
    const result = await client().revoke();
    showToken(null);
    const text =
      result === "vendor"
        ? `Revoked at the vendor: ${vendor().revoke}`
        : `Forgotten here only. ${vendor().revoke}`;
    outcome("ok", text, result === "vendor" ? "vendor" : "local");
    log("action", `revoke() → "${result}".`);
  });
}

async function clearCache() {
  log("action", "Clear cache: client.clear().");
  await act("Clearing the cache", async () => {
    await client().clear();
    showToken(null);
    outcome("ok", "Cache cleared: the next Get token logs in again.");
  });
}

async function completeMfa(event) {
  event.preventDefault();
  const code = $("mfa-code").value.trim();
  log("action", "Verify the MFA code (completeMfa).");
  await act("Verifying the code", async () => {
    const info = await client().completeMfa(code);
    $("mfa").hidden = true;
    $("mfa-code").value = "";
    showToken(info, "network");
    outcome("ok", "Code accepted: new token from emnify.");
  });
}

async function callApi(event) {
  event?.preventDefault();
  const path = $("api-path").value.trim() || vendor().apiPath;
  log("action", `Call API: GET ${path}`);
  await act(`GET ${path}`, async () => {
    const startedAt = Date.now();
    const shown = state.token?.info ?? null;
    const eventsBefore = state.tokenSeq;
    const started = performance.now();
    const res = await client().fetch(path, {});
    const text = await res.text();
    const ms = Math.round(performance.now() - started);
    showResponse(res, text, ms, path);

    // Token events during the call: a token from the network while a token
    // that was still fresh (by this page's clock) was there means the vendor
    // rejected that one and the library renewed it.
    const during = state.tokenEvents.filter((e) => e.n > eventsBefore);
    const fromNetwork = during.some((e) => !e.fromCache);
    const prior = shown ?? during.find((e) => e.fromCache) ?? null;
    const margin = numberOption("refreshMarginSeconds", 60) * 1000;
    const rejected =
      fromNetwork && prior !== null && (prior.expiresAt == null || prior.expiresAt - margin > startedAt);
    if (during.length > 0 || !state.token) {
      // client.fetch obtained (or renewed) the token: show the one in use.
      const info = await client().getTokenInfo();
      showToken(info, fromNetwork ? "network" : info.fromCache ? "cache" : "network");
    }
    const summary = `GET ${path} → ${res.status} ${res.statusText || ""}`.trim();
    log("api", `${summary} (${ms} ms)`);
    if (rejected) {
      log("info", "The vendor rejected the cached token: the library renewed it once and sent the call again.");
    }
    if (res.ok) {
      const text = rejected
        ? "The vendor rejected the cached token; the library renewed it once and retried: success."
        : `The vendor answered ${`${res.status} ${res.statusText}`.trim()}.`;
      outcome("ok", text, String(res.status));
    } else {
      outcome("error", `The API answered ${res.status}; client.fetch returns API answers untouched.`, `HTTP ${res.status}`);
    }
  });
}

/** Many calls at once: one login serves them all. */
async function callApiMany() {
  const n = 5;
  const path = $("api-path").value.trim() || vendor().apiPath;
  log("action", `Call API ×${n} at once: GET ${path}`);
  await act(`${n} calls at once`, async () => {
    const c = client();
    const before = loginCount(state.counts);
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: n }, () => c.fetch(path, {})));
    const ms = Math.round(performance.now() - started);
    const statuses = results.map((r) => (r.status === "fulfilled" ? r.value.status : r.reason?.code ?? "error"));
    const last = results.find((r) => r.status === "fulfilled");
    if (last) showResponse(last.value, await last.value.text(), ms, path);
    for (const r of results) if (r.status === "fulfilled" && !r.value.bodyUsed) r.value.body?.cancel();
    if (!state.token && last) {
      const info = await c.getTokenInfo();
      showToken(info, "network");
    }
    await refreshSim();
    const logins = loginCount(state.counts) - before;
    log("api", `${n} × GET ${path} → ${statuses.join(", ")} (${ms} ms)`);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    const loginsText = onSimulator() ? ` · ${logins} login${logins === 1 ? "" : "s"} for all of them` : "";
    outcome("ok", `${n} calls: ${statuses.join(", ")}${loginsText}.`, String(statuses[0]));
  });
}

// --- the token panel ----------------------------------------------------------------------

function showToken(info, source) {
  if (!info) {
    state.token = null;
    $("token-body").hidden = true;
    $("token-empty").hidden = false;
    renderExpireHint();
    return;
  }
  const previous = state.token;
  const jwt = decodeJwt(info.token);
  const claims = jwt?.claims ?? {};
  let lifetimeMs = null;
  if (typeof claims.exp === "number" && typeof claims.iat === "number") lifetimeMs = (claims.exp - claims.iat) * 1000;
  else if (info.expiresAt != null) lifetimeMs = previous?.info.token === info.token ? previous.lifetimeMs : info.expiresAt - Date.now();
  const same = previous?.info.token === info.token;
  state.token = {
    info,
    source,
    lifetimeMs,
    revealed: same ? previous.revealed : false,
    // The simulator's clock offset when this token arrived: its expiry by
    // the vendor's clock, where the token does not say (see vendorExpiryMs).
    offsetAtObtain: same ? previous.offsetAtObtain : state.simOffsetSeconds,
    fingerprint: same ? previous.fingerprint : null,
  };
  $("token-empty").hidden = true;
  $("token-body").hidden = false;

  const src = $("token-source");
  if (kindOf().asIs) source = "given";
  src.textContent = { cache: "from cache", network: "from network", given: "as given: no login" }[source];
  src.dataset.source = source;
  $("token-kind").textContent = jwt ? `JWT · ${jwt.header?.alg ?? "?"}` : "opaque token";
  $("token-length").textContent = `${info.token.length} chars`;
  if (!same) {
    $("token-fingerprint").textContent = "";
    fingerprint(info.token).then((fp) => {
      if (state.token?.info.token !== info.token) return;
      state.token.fingerprint = fp;
      $("token-fingerprint").textContent = `sha-256 ${fp}`;
    });
  }
  renderTokenValue();

  const meta = { vendor: info.vendor, environment: info.environment };
  meta["vendor root"] = onSimulator() ? `${simRoot()} (simulator)` : `https://${vendor().environments[state.env]}`;
  for (const [k, v] of Object.entries(info.meta ?? {})) meta[k] = typeof v === "string" ? v : JSON.stringify(v);
  const where = storedWhere(info);
  if (where) meta.cached = where;
  $("token-meta").replaceChildren(...Object.entries(meta).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));

  $("claims-box").hidden = !jwt;
  $("not-jwt").hidden = !!jwt;
  if (jwt) {
    $("claims").tBodies[0].replaceChildren(
      ...Object.entries(claims).map(([k, v]) => {
        let shown = typeof v === "string" ? v : JSON.stringify(v);
        if (["exp", "iat", "nbf"].includes(k) && typeof v === "number") shown = `${v} · ${new Date(v * 1000).toLocaleString()}`;
        if (typeof v === "string" && /^[{[]/.test(v)) {
          try {
            shown = JSON.stringify(JSON.parse(v));
          } catch {
            // as is
          }
        }
        return h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, h("code", {}, shown)));
      }),
    );
  }
  tick();
  renderExpireHint();
}

function renderTokenValue() {
  const t = state.token;
  if (!t) return;
  const el = $("token-value");
  el.textContent = t.revealed ? t.info.token : mask(t.info.token);
  el.classList.toggle("revealed", t.revealed);
  const btn = $("btn-reveal");
  btn.setAttribute("aria-pressed", String(t.revealed));
  btn.textContent = t.revealed ? "Hide" : "Reveal";
}

/** Where the token is cached: the store's key, never its value. */
function storedWhere() {
  const store = $("store").value;
  if (store === "memory") return "in this page's memory";
  if (store === "indexedDB") return "indexedDB · database vendor-auth, object store entries";
  try {
    const storage = window[store];
    const prefix = `vendor-auth:v1:${state.vendor}:`;
    const keys = [];
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key?.startsWith(prefix)) keys.push(key);
    }
    const scope = onSimulator() ? simRoot() : state.env;
    const key = keys.find((k) => k.includes(scope)) ?? keys[0];
    return key ? `${store} · ${key}` : store;
  } catch {
    return store;
  }
}

/**
 * The token's expiry by the vendor's (the simulator's) clock, in ms: the
 * library's `expiresAt` is in this page's clock. From the JWT where it says
 * (`exp`, VoIPBIN's `expire`), else from the clock offset when it arrived.
 */
function vendorExpiryMs(t) {
  const claims = decodeJwt(t.info.token)?.claims;
  if (typeof claims?.exp === "number") return claims.exp * 1000;
  if (typeof claims?.expire === "string" && !Number.isNaN(Date.parse(claims.expire))) return Date.parse(claims.expire);
  if (t.info.expiresAt == null) return null;
  return t.info.expiresAt + (t.offsetAtObtain ?? 0) * 1000;
}

/** The live countdown, every second. */
function tick() {
  const t = state.token;
  if (!t || $("token-body").hidden) return;
  const exp = t.info.expiresAt;
  const bar = $("token-bar");
  if (exp == null) {
    $("token-countdown").textContent = "never";
    $("token-expiry").textContent = "This token never expires: nothing to renew.";
    bar.style.width = "100%";
    bar.dataset.level = "ok";
    return;
  }
  const left = exp - Date.now();
  const margin = numberOption("refreshMarginSeconds", 60);
  $("token-countdown").textContent = left > 0 ? `in ${countdown(left)}` : "expired";
  const renewAt = exp - margin * 1000;
  let text = `At ${dateTime(exp)}. The library renews it from ${dateTime(renewAt)} (${margin} s before).`;
  const vendorExp = vendorExpiryMs(t);
  if (onSimulator() && state.simOffsetSeconds > 0 && vendorExp != null && vendorExp < Date.now() + state.simOffsetSeconds * 1000) {
    text += " By the simulator's clock it has already expired: the vendor will reject it, and the next API call renews it.";
  }
  $("token-expiry").textContent = text;
  const fraction = t.lifetimeMs ? Math.max(0, Math.min(1, left / t.lifetimeMs)) : 1;
  bar.style.width = `${(fraction * 100).toFixed(2)}%`;
  bar.dataset.level = fraction > 0.25 ? "ok" : fraction > 0.05 ? "warn" : "low";
}

// --- the worker panel ---------------------------------------------------------------------

const WORKER_START_MS = 30_000;

/** The demo's dedicated worker, started on first use: resolves once its package is loaded. */
function startWorker() {
  if (state.worker) return state.worker.ready;
  const instance = new Worker(new URL("./token-worker.js", import.meta.url), { type: "module", name: "vendor-auth demo" });
  const worker = { instance, pending: new Map(), seq: 0 };
  const fail = (e) => {
    for (const { reject } of worker.pending.values()) reject(e);
    worker.pending.clear();
    if (state.worker === worker) stopWorker();
  };
  worker.ready = new Promise((resolve, reject) => {
    const abort = (error) => {
      clearTimeout(timer);
      reject(error);
      fail(error);
    };
    const timer = setTimeout(() => abort(new Error(`The worker did not start within ${WORKER_START_MS / 1000} s.`)), WORKER_START_MS);
    instance.addEventListener("message", ({ data }) => {
      if (data?.type === "ready") {
        clearTimeout(timer);
        resolve(worker);
      } else if (data?.type === "event") {
        if (data.event === "token") {
          const when = data.expiresAt == null ? "never expires" : `expires ${dateTime(data.expiresAt)}`;
          log("worker", data.fromCache ? `The worker's token came from the store; ${when}.` : `The worker logged in itself: a new token from ${vendor().label}; ${when}.`);
        } else if (data.event === "storage-fallback") {
          log("storage", `The worker's store failed; it keeps tokens in memory. ${data.reason}`);
        }
      } else if (worker.pending.has(data?.id)) {
        const { resolve: answer, reject: refuse } = worker.pending.get(data.id);
        worker.pending.delete(data.id);
        if (data.ok) answer(data);
        else refuse(Object.assign(new Error(data.error.message), data.error));
      }
    });
    instance.addEventListener("error", (e) => {
      e.preventDefault();
      abort(new Error(`The worker failed: ${e.message || "its script did not load"}.`));
    });
  });
  worker.ready.catch(() => {});
  state.worker = worker;
  $("btn-worker-stop").hidden = false;
  return worker.ready;
}

function stopWorker() {
  if (!state.worker) return;
  state.worker.instance.terminate();
  for (const { reject } of state.worker.pending.values()) reject(new Error("The worker was stopped."));
  state.worker = null;
  $("btn-worker-stop").hidden = true;
}

/** The worker's client options: the page's setup with a store the worker has. */
function workerOptions() {
  return { ...clientOptions(), store: WORKER_STORES[$("store").value].store };
}

async function askWorker() {
  const options = workerOptions();
  const started = !state.worker;
  log("action", `Ask a worker for the token (its store: ${options.store}).`);
  await act("Asking the worker", async () => {
    const worker = await startWorker();
    if (started) log("worker", "Dedicated worker started (token-worker.js, a module worker).");
    const id = ++worker.seq;
    let answer;
    try {
      answer = await new Promise((resolve, reject) => {
        worker.pending.set(id, { resolve, reject });
        worker.instance.postMessage({ id, options });
      });
    } catch (e) {
      if (e.code !== "MFA_REQUIRED") throw e;
      // The page's MFA form would complete the page's login, not the worker's.
      outcome("info", "The worker's login asks for a one-time code, and a worker has no one to ask. Get the token in this page with IndexedDB first: the worker then reads it from the store.", e.code);
      return;
    }
    await showWorkerAnswer(answer);
    const logins = answer.fromCache ? "no login" : "it logged in itself";
    outcome("ok", `The worker answered a token ${answer.fromCache ? "from the cache" : "from the network"} (${logins}; store ${answer.store}).`);
  });
}

/** What the worker answered: masked token, its source, and whether it is the page's token. */
async function showWorkerAnswer(answer) {
  $("worker-body").hidden = !answer;
  $("worker-empty").hidden = !!answer;
  const same = $("worker-same");
  if (!answer) {
    same.dataset.same = "";
    return;
  }
  $("worker-token").textContent = answer.masked;
  const source = answer.fromCache ? "cache" : "network";
  $("worker-source").textContent = `from ${source}`;
  $("worker-source").dataset.source = source;
  $("worker-store").textContent = `worker store: ${answer.store}`;
  $("worker-fingerprint").textContent = `sha-256 ${answer.fingerprint}`;
  const pageToken = state.token?.info.token;
  if (!pageToken) {
    same.dataset.same = "";
    same.textContent = "This page has no token to compare with yet: Get token here too.";
    return;
  }
  const mine = state.token.fingerprint ?? (await fingerprint(pageToken));
  const equal = mine === answer.fingerprint;
  same.dataset.same = String(equal);
  same.textContent = equal
    ? "The same token as this page's (same fingerprint)."
    : "Another token than this page's: the worker has a login of its own.";
}

// --- the response panel -------------------------------------------------------------------

function showResponse(res, text, ms, path) {
  $("response-empty").hidden = true;
  $("response-body").hidden = false;
  const status = $("response-status");
  status.textContent = `${res.status} ${res.statusText}`.trim();
  status.dataset.ok = String(res.ok);
  $("response-url").textContent = `GET ${path}`;
  $("response-time").textContent = `${ms} ms · ${res.headers.get("content-type") ?? "no content type"}`;
  $("response-text").textContent = text === "" ? "(empty body)" : prettyBody(text);
}

// --- vendor panels ------------------------------------------------------------------------

function createdBox(label, value, onUse) {
  let revealed = false;
  const code = h("code", { class: "token" }, mask(value));
  const reveal = h("button", {
    type: "button",
    class: "small",
    "aria-pressed": "false",
    onclick: () => {
      revealed = !revealed;
      code.textContent = revealed ? value : mask(value);
      code.classList.toggle("revealed", revealed);
      reveal.setAttribute("aria-pressed", String(revealed));
      reveal.textContent = revealed ? "Hide" : "Reveal";
    },
  }, "Reveal");
  return h(
    "div",
    { class: "created", role: "group", "aria-label": label },
    h("p", {}, h("strong", {}, label), " — shown only this once by the vendor."),
    h("div", { class: "token-line" }, code, reveal, h("button", { type: "button", class: "small", onclick: onUse }, "Use as credentials")),
  );
}

/**
 * What the emnify and VoIPBIN panels share around a credential they create:
 * the slot showing a new one (masked, once, with "Use as credentials") and
 * the list button. `field` is both the credential kind and its form field.
 */
function credentialShelf({ vendor, title, field, noun, listId, refresh }) {
  const slot = h("div", { id: "created-slot" });
  const show = (value) => slot.replaceChildren(createdBox(title, value, () => useCredential(field, field, value)));
  if (state.created?.vendor === vendor) show(state.created.value);
  const created = (value) => {
    state.created = { vendor, value };
    show(value);
  };
  const listRow = h(
    "div",
    { class: "action-row" },
    h("button", {
      type: "button",
      class: "ghost",
      id: listId,
      onclick: () =>
        act(`Listing ${noun}s`, async () => {
          const n = await refresh();
          outcome("ok", `${n} ${noun}${n === 1 ? "" : "s"}.`);
        }),
    }, `List ${noun}s`),
  );
  return { slot, created, listRow };
}

function useCredential(kindId, field, value) {
  state.kinds[state.vendor] = kindId;
  fieldValues()[field] = value;
  renderCredentials();
  renderCode();
  resetPanels();
  syncUrl();
  log("action", "The new credential is now in the Credentials form (masked). Get token to log in with it.");
  $(`cred-${field}`)?.focus();
}

/** A vendor's ISO timestamp as a short local date and time. */
function isoDate(text) {
  if (!text) return null;
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(ms) ? text : new Date(ms).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

function table(headers, rows, empty) {
  if (rows.length === 0) return h("p", { class: "hint" }, empty);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table" },
      h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, rows),
    ),
  );
}

function renderVendorPanel() {
  const v = state.vendor;
  $("vendor-h").textContent = {
    runbuggy: "RunBuggy · session JWT exchange",
    personr: "Personr · one token per account",
    emnify: "emnify · application tokens & MFA",
    zumrails: "Zūm Rails · cancel & rate limits",
    voipbin: "VoIPBIN · access keys",
  }[v];
  const content = $("vendor-content");
  content.replaceChildren(...(PANELS[v]?.() ?? []));
}

const PANELS = {
  runbuggy() {
    const mint = (ttl) =>
      act("Minting a session JWT", async () => {
        const jwt = await state.sim.runbuggySessionJwt(ttl);
        state.kinds.runbuggy = "session";
        fieldValues().sessionJwt = jwt;
        renderCredentials();
        renderCode();
        resetPanels();
        syncUrl();
        const what = ttl > 0 ? "valid 1 h" : "already expired";
        log("sim", `Minted a simulator session JWT (${what}) into the Session JWT field.`);
        outcome("ok", `Session JWT minted (${what}). Get token exchanges it for an API token.`);
      });
    return [
      h(
        "p",
        {},
        "RunBuggy has no password API: a person signs in on the web (a password-less email link) and copies the short-lived ",
        h("em", {}, "session JWT"),
        "; the library exchanges it once (",
        h("code", {}, "POST /accounts/api-token/tokens"),
        ") for a long-lasting API token and caches that. It cannot renew by itself: once the session JWT has expired and nothing is cached, calls fail with ",
        h("code", {}, "REAUTH_REQUIRED"),
        ".",
      ),
      onSimulator()
        ? h(
            "div",
            { class: "action-row" },
            h("button", { type: "button", id: "btn-mint", onclick: () => mint(3600) }, "Mint a session JWT"),
            h("button", { type: "button", class: "ghost", id: "btn-mint-expired", onclick: () => mint(-60) }, "Mint an expired one"),
          )
        : null,
      h("p", { class: "hint" }, onSimulator() ? "The simulator stands in for the web login; the JWT goes into the Session JWT field, masked." : "Paste a session JWT from RunBuggy's web app into the Session JWT field."),
    ];
  },

  personr() {
    const another = async () =>
      act("Another holder generates a token", async () => {
        const creds = fieldValues("personr", kindOf("personr"));
        const body = new FormData();
        body.set("email", creds.email ?? "");
        body.set("password", creds.password ?? "");
        const res = await fetch(`${simRoot("personr")}/api/1.1/wf/api-token-generate`, { method: "POST", body });
        if (!res.ok) throw new Error(`Personr answered ${res.status}`);
        log("sim", "Another holder of this account generated a token: the one cached here is now invalid at Personr.");
        outcome("ok", "Done: the cached token is invalid now. Call API to see what the library does.");
      });
    return [
      h(
        "p",
        {},
        "Generating a Personr token invalidates the previous one for every holder of the account, so the library generates only when nothing usable is cached. A rejected token fails with ",
        h("code", {}, "REAUTH_REQUIRED"),
        " unless ",
        h("code", {}, "regenerateOnRejection"),
        " is on (More options).",
      ),
      onSimulator()
        ? h("div", { class: "action-row" }, h("button", { type: "button", id: "btn-personr-other", onclick: another }, "Another holder logs in"))
        : null,
    ];
  },

  emnify() {
    const list = h("div", { id: "app-tokens" });
    const description = h("input", { id: "app-token-description", value: "vendor-auth demo", spellcheck: "false" });
    const refresh = async () => {
      const tokens = await client().listApplicationTokens();
      list.replaceChildren(
        table(
          ["ID", "Description", "Status", "Created", "Expires", ""],
          tokens.map((t) =>
            h(
              "tr",
              { dataset: { id: t.id } },
              h("td", {}, String(t.id)),
              h("td", {}, t.description ?? "—"),
              h("td", {}, h("span", { class: "badge", dataset: { status: t.status ?? "" } }, t.status ?? "—")),
              h("td", {}, isoDate(t.created) ?? "—"),
              h("td", {}, isoDate(t.expiryDate) ?? "never"),
              h(
                "td",
                {},
                t.status === "revoked"
                  ? null
                  : h("button", {
                      type: "button",
                      class: "small danger",
                      "aria-label": `Revoke application token ${t.id}`,
                      onclick: () =>
                        act(`Revoking application token ${t.id}`, async () => {
                          await client().revokeApplicationToken(t.id);
                          log("action", `Application token ${t.id} revoked: it can no longer log in.`);
                          await refresh();
                          outcome("ok", `Application token ${t.id} revoked. Auth tokens it issued stay valid until they expire.`);
                        }),
                    }, "Revoke"),
              ),
            ),
          ),
          "No application tokens.",
        ),
      );
      return tokens.length;
    };
    const shelf = credentialShelf({
      vendor: "emnify",
      title: "New application token",
      field: "applicationToken",
      noun: "application token",
      listId: "btn-app-list",
      refresh,
    });
    return [
      h("p", {}, "Application tokens are emnify's long-lived credential for machines. With any login, the library creates, lists and revokes them; emnify shows a token's value only once."),
      h(
        "form",
        {
          class: "inline",
          onsubmit: (e) => {
            e.preventDefault();
            act("Creating an application token", async () => {
              const value = await client().createApplicationToken({ description: description.value || undefined });
              shelf.created(value);
              log("action", "Application token created (its value is shown masked in the emnify panel).");
              await refresh();
              outcome("ok", "Application token created. Reveal it, or use it as the credential.");
            });
          },
        },
        h("label", { class: "field grow" }, h("span", {}, "Description"), description),
        h("button", { type: "submit", id: "btn-app-create" }, "Create"),
      ),
      shelf.slot,
      shelf.listRow,
      list,
      h("p", { class: "hint" }, "MFA: pick “MFA user” under Credentials, then Get token: the page asks for the code."),
    ];
  },

  zumrails() {
    return [
      h(
        "p",
        {},
        "Tokens last about an hour. Revoke cancels the token at Zūm Rails (",
        h("code", {}, "PATCH /api/authorize/canceltoken"),
        "). A 429 blocks the caller's IP for 5 minutes: every client sharing the store then fails fast with ",
        h("code", {}, "RATE_LIMITED"),
        " instead of hammering the vendor.",
      ),
      onSimulator() ? h("p", { class: "hint" }, "Try it: inject an HTTP 429 on the login, then Renew twice.") : null,
    ];
  },

  voipbin() {
    const list = h("div", { id: "access-keys" });
    const name = h("input", { id: "access-key-name", value: "vendor-auth demo", spellcheck: "false" });
    const lifetime = h(
      "select",
      { id: "access-key-lifetime" },
      h("option", { value: "86400" }, "1 day"),
      h("option", { value: "604800" }, "7 days"),
      h("option", { value: "2592000", selected: true }, "30 days"),
      h("option", { value: "31536000" }, "1 year"),
    );
    const refresh = async () => {
      const keys = await client().listAccessKeys();
      list.replaceChildren(
        table(
          ["Name", "Prefix", "Expires", ""],
          keys.map((k) =>
            h(
              "tr",
              { dataset: { id: k.id } },
              h("td", {}, k.name ?? "—"),
              h("td", {}, h("code", {}, k.tokenPrefix ? `${k.tokenPrefix}…` : "—")),
              h("td", {}, isoDate(k.expiresAt) ?? "—"),
              h(
                "td",
                {},
                k.deletedAt
                  ? h("span", { class: "badge" }, "deleted")
                  : h("button", {
                      type: "button",
                      class: "small danger",
                      "aria-label": `Delete access key ${k.name ?? k.id}`,
                      onclick: () =>
                        act("Deleting the access key", async () => {
                          await client().deleteAccessKey(k.id);
                          log("action", `Access key “${k.name ?? k.id}” deleted: it stops working.`);
                          try {
                            await refresh();
                            outcome("ok", "Access key deleted.");
                          } catch (e) {
                            // Deleting the key in use leaves nothing to list with.
                            k.deletedAt = new Date().toISOString();
                            list.querySelector(`tr[data-id="${CSS.escape(k.id)}"] td:last-child`)?.replaceChildren(h("span", { class: "badge" }, "deleted"));
                            outcome("ok", `Access key deleted. Listing again failed (${e.code ?? "error"}): it was the credential in use.`);
                          }
                        }),
                    }, "Delete"),
              ),
            ),
          ),
          "No access keys.",
        ),
      );
      return keys.length;
    };
    const shelf = credentialShelf({
      vendor: "voipbin",
      title: "New access key",
      field: "accessKey",
      noun: "access key",
      listId: "btn-key-list",
      refresh,
    });
    return [
      h("p", {}, "Access keys (", h("code", {}, "vb_…"), ") are VoIPBIN's long-lived credential, sent only as ", h("code", {}, "?accesskey="), ". Create, list and delete them with either credential."),
      h(
        "form",
        {
          class: "inline",
          onsubmit: (e) => {
            e.preventDefault();
            act("Creating an access key", async () => {
              const key = await client().createAccessKey({ name: name.value || undefined, expireSeconds: Number(lifetime.value) });
              shelf.created(key.token);
              log("action", `Access key “${key.name ?? key.id}” created (shown masked in the VoIPBIN panel).`);
              await refresh();
              outcome("ok", "Access key created. Reveal it, or use it as the credential.");
            });
          },
        },
        h("label", { class: "field grow" }, h("span", {}, "Name"), name),
        h("label", { class: "field" }, h("span", {}, "Lifetime"), lifetime),
        h("button", { type: "submit", id: "btn-key-create" }, "Create"),
      ),
      shelf.slot,
      shelf.listRow,
      list,
    ];
  },
};

// --- the simulator panel ------------------------------------------------------------------

const loginCount = (counts) => Object.entries(counts).reduce((n, [ep, c]) => n + (isLogin(state.vendor, ep) ? c : 0), 0);
const otherCount = (counts) =>
  Object.entries(counts).reduce((n, [ep, c]) => n + (!isLogin(state.vendor, ep) && ep !== "OPTIONS *" ? c : 0), 0);

async function refreshSim() {
  const on = onSimulator() && state.simOnline;
  $("sim-on").hidden = !on;
  $("sim-off").hidden = on;
  $("sim-off").querySelector("p").textContent = onSimulator()
    ? "The simulator is not reachable: start the demo with `make demo`."
    : "Simulator controls are available when the environment is the simulator.";
  if (!on) return;
  try {
    const vendorNow = state.vendor;
    const [counts, clock, faults] = await Promise.all([state.sim.counts(vendorNow), state.sim.clock(), state.sim.faults()]);
    if (vendorNow !== state.vendor) return;
    if (state.countsVendor !== vendorNow) state.baseline = { ...counts };
    state.countsVendor = vendorNow;
    state.counts = counts;
    state.simOffsetSeconds = clock.offsetSeconds;
    renderCounts();
    renderClock();
    renderFaults(faults);
    tick();
  } catch (e) {
    $("fault-list").textContent = `The simulator did not answer: ${e.message}`;
  }
}

function renderCounts() {
  const counts = state.counts;
  const logins = loginCount(counts);
  const others = otherCount(counts);
  for (const [id, n] of [["count-logins", logins], ["count-api", others]]) {
    $(id).textContent = String(n);
    $(id).dataset.count = String(n);
  }
  const rows = Object.entries(counts).sort(([a], [b]) => {
    const rank = (ep) => (isLogin(state.vendor, ep) ? 0 : ep === "OPTIONS *" ? 2 : 1);
    return rank(a) - rank(b) || a.localeCompare(b);
  });
  const body = $("counts").tBodies[0];
  if (rows.length === 0) {
    body.replaceChildren(h("tr", {}, h("td", { colspan: "2", class: "hint" }, "No requests yet.")));
    return;
  }
  body.replaceChildren(
    ...rows.map(([ep, n]) => {
      const delta = n - (state.baseline[ep] ?? 0);
      const login = isLogin(state.vendor, ep);
      const label = ep === "OPTIONS *" ? "OPTIONS (CORS preflights)" : ep;
      return h(
        "tr",
        { dataset: { endpoint: ep }, class: delta > 0 ? "changed" : "" },
        h("td", {}, h("code", {}, label), login ? h("span", { class: "tag" }, "login") : null),
        h("td", { class: "num" }, delta > 0 ? h("span", { class: "delta", title: "since the last action started" }, `+${delta}`) : null, String(n)),
      );
    }),
  );
}

function renderClock() {
  const off = state.simOffsetSeconds;
  $("clock-text").textContent =
    off === 0
      ? "The simulator's clock is in step with this page's."
      : `The simulator's clock is ${duration(off * 1000)} ${off > 0 ? "ahead of" : "behind"} this page's. This page's clock has not moved, so a cached token still looks fresh here until the vendor rejects it.`;
}

function renderFaults(faults) {
  $("fault-list").textContent =
    faults.length === 0
      ? "No fault pending."
      : `Pending: ${faults.map((f) => `${f.method ?? "any"} ${f.path ?? "*"} ×${f.remaining}`).join("; ")} (${faults[0].vendor}).`;
}

function renderExpireHint() {
  const t = state.token;
  const btn = $("btn-expire");
  let hint = "";
  if (!t) hint = "Get a token first: this moves the simulator's clock past its expiry.";
  else if (t.info.expiresAt == null) hint = "This token never expires.";
  btn.disabled = !t || t.info.expiresAt == null;
  $("expire-hint").textContent = hint;
  $("expire-hint").hidden = !hint;
}

async function advance(seconds, why) {
  await act("Moving the simulator's clock", async () => {
    await state.sim.advance(seconds);
    log("sim", `Simulator clock advanced by ${duration(seconds * 1000)}${why ? `: ${why}` : ""}.`);
    outcome("ok", why ? `Clock advanced by ${duration(seconds * 1000)}. Now Call API: the vendor rejects the cached token, and the library renews it once.` : `Clock advanced by ${duration(seconds * 1000)}.`);
  });
}

function advancePastExpiry() {
  const exp = state.token && vendorExpiryMs(state.token);
  if (exp == null) return;
  // A minute past the expiry by the simulator's clock (ahead by its offset).
  const seconds = Math.ceil((exp - (Date.now() + state.simOffsetSeconds * 1000)) / 1000) + 60;
  return advance(Math.max(seconds, 60), "past the token's expiry");
}

async function injectFault(event) {
  event.preventDefault();
  const where = $("fault-where").value;
  const what = FAULTS[$("fault-what").value];
  const count = Math.min(10, Math.max(1, Number($("fault-count").value) || 1));
  const spec = { vendor: state.vendor, count, ...what.spec };
  if (where === "login") {
    const kind = kindOf();
    if (state.vendor === "runbuggy" && kind.id === "apiToken") {
      outcome("info", "A RunBuggy API token is used as is: there is no login to fault. Pick the session JWT exchange.");
      return;
    }
    const basic = state.vendor === "personr" && $("loginMethod").value === "basic";
    const login = vendor().logins[basic ? 1 : 0];
    Object.assign(spec, { method: login.method, path: login.path });
  } else if (where === "api") {
    const path = ($("api-path").value.trim() || vendor().apiPath).split("?")[0];
    Object.assign(spec, { method: "GET", path });
  }
  await act("Injecting a fault", async () => {
    await state.sim.addFault(spec);
    const target = spec.path ? `${spec.method} ${spec.path}` : "request";
    const text = `The next ${count === 1 ? "" : `${count} `}${target}${count === 1 ? "" : "s"} of ${vendor().label} get${count === 1 ? "s" : ""}: ${what.label}.`;
    log("sim", `Fault queued. ${text}`);
    outcome("ok", text);
  });
}

async function resetSimulator() {
  await act("Resetting the simulator", async () => {
    await state.sim.reset();
    state.baseline = {};
    log("sim", "Simulator reset: counts, clock and faults are back to zero; tokens it issued before no longer verify.");
    outcome("ok", "Simulator reset. Cached tokens it issued before are now rejected: the next API call renews.");
  });
}

// --- wiring -----------------------------------------------------------------------------

async function loadConfig() {
  try {
    const res = await fetch("/config.json", { cache: "no-store" });
    if (res.ok) {
      const config = await res.json();
      if (config.simulatorUrl) state.simulatorUrl = config.simulatorUrl.replace(/\/$/, "");
      state.testCredentials = config.credentials ?? {};
    }
  } catch {
    // served by something other than scripts/serve.mjs: defaults
  }
}

function readUrl() {
  const params = new URLSearchParams(location.search);
  const v = params.get("vendor");
  if (v && VENDORS[v]) state.vendor = v;
  const env = params.get("env");
  if (env) state.env = env;
  const kind = params.get("kind");
  if (kind && VENDORS[state.vendor].kinds.some((k) => k.id === kind)) state.kinds[state.vendor] = kind;
  const store = params.get("store");
  if (store && store in STORES) $("store").value = store;
}

function wire() {
  $("environment").addEventListener("change", (e) => {
    state.env = e.target.value;
    renderSetup();
    renderVendorPanel();
    resetPanels();
    refreshSim();
    log("action", `Environment: ${onSimulator() ? "the simulator" : `${state.env} (real host)`}.`);
  });
  $("store").addEventListener("change", () => {
    renderStore();
    renderCode();
    syncUrl();
    resetPanels();
  });
  for (const id of ["refreshMarginSeconds", "timeoutMs", "tokenIn", "loginMethod", "regenerateOnRejection"]) {
    $(id).addEventListener("change", renderCode);
  }
  $("setup-form").addEventListener("submit", (e) => {
    e.preventDefault();
    getToken();
  });
  $("btn-token").addEventListener("click", getToken);
  $("btn-renew").addEventListener("click", renew);
  $("btn-revoke").addEventListener("click", revoke);
  $("btn-clear").addEventListener("click", clearCache);
  $("api-form").addEventListener("submit", callApi);
  $("btn-api-many").addEventListener("click", callApiMany);
  $("btn-worker").addEventListener("click", askWorker);
  $("btn-worker-stop").addEventListener("click", () => {
    stopWorker();
    showWorkerAnswer(null);
    log("action", "Worker stopped: its memory went with it; the next ask starts a new one.");
  });
  $("mfa").addEventListener("submit", completeMfa);
  $("btn-reveal").addEventListener("click", () => {
    if (!state.token) return;
    state.token.revealed = !state.token.revealed;
    renderTokenValue();
  });
  $("btn-counts").addEventListener("click", () => refreshSim());
  $("btn-expire").addEventListener("click", advancePastExpiry);
  $("btn-hour").addEventListener("click", () => advance(3600));
  $("btn-day").addEventListener("click", () => advance(86400));
  $("fault-form").addEventListener("submit", injectFault);
  $("btn-reset").addEventListener("click", resetSimulator);
  $("btn-log-clear").addEventListener("click", () => $("log").replaceChildren());
  $("fault-what").replaceChildren(...Object.entries(FAULTS).map(([id, f]) => h("option", { value: id }, f.label)));

  setInterval(tick, 1000);
  // Other tabs and clients change the counts too: keep them current.
  setInterval(() => {
    if (!document.hidden && !state.busy) refreshSim();
  }, 4000);
  window.addEventListener("focus", () => !state.busy && refreshSim());
}

async function main() {
  readUrl();
  await loadConfig();
  state.sim = new Simulator(state.simulatorUrl);
  wire();
  renderVendorPicker();
  renderSetup();
  renderVendorPanel();
  renderExpireHint();

  const pkgPill = $("pkg-pill");
  pkgPill.dataset.state = "ok";
  pkgPill.textContent = "Package loaded";
  pkgPill.title = "vendor-auth (WebAssembly) loaded through the import map";

  const simPill = $("sim-pill");
  simPill.hidden = false;
  state.simOnline = await state.sim.healthy();
  simPill.dataset.state = state.simOnline ? "ok" : "error";
  simPill.textContent = state.simOnline ? `Simulator ${new URL(state.simulatorUrl).host}` : "Simulator offline";
  await refreshSim();

  log("info", `Ready. ${state.simOnline ? `Vendor simulator at ${state.simulatorUrl}.` : "The vendor simulator is not reachable."}`);
  outcome("idle", "Ready. Pick a vendor, then Get token.");
  document.documentElement.dataset.ready = "true";
}

main().catch((e) => {
  const pill = $("pkg-pill");
  pill.dataset.state = "error";
  pill.textContent = "Failed to start";
  outcome("error", `The page failed to start: ${e?.message ?? e}`, e?.code ?? "ERROR");
  console.error(e);
});
