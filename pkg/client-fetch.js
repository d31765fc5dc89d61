// `client.fetch(input, init)`, performed by the host: `fetch` with the
// vendor's credentials attached, only to the vendor's origin, renewed once
// on rejection. The core decides (`__fetchPlan`: where the token goes, who
// may receive it, which answers it must see; every error's text); this
// module only sends. A cached token costs no call into the wasm: the token
// comes from the memoised `getToken()`, and an answer the plan does not
// list goes back to the caller untouched.
import { cancel, concat, isA, isRedirect, isResponse, omitCookies } from "./dist/host.js";

/** The fields of a `Request` input carried over (the caller's `init` wins). */
const REQUEST_FIELDS = ["method", "mode", "credentials", "cache", "redirect", "referrer", "referrerPolicy", "integrity", "keepalive"];

const plans = new WeakMap();

/** The client's plan, asked of the core once. */
function planOf(client) {
  let plan = plans.get(client);
  if (plan === undefined) {
    plan = client.__fetchPlan();
    plan.reported = new Set(plan.reported);
    plan.judged = new Set(plan.judged);
    // A path is resolved against the root: its origin needs no check when
    // the root's may receive the token (it always may; checked once).
    try {
      plan.rootTrusted = plan.origins.includes(new URL(plan.root).origin.toLowerCase());
    } catch {
      plan.rootTrusted = false;
    }
    plans.set(client, plan);
  }
  return plan;
}

/** A shallow copy of a caller's object, or the core's INVALID_OPTIONS. */
function copy(client, value, what) {
  try {
    return Object.assign({}, value);
  } catch (thrown) {
    throw client.__fetchFailure("unreadable", thrown, what);
  }
}

const invalid = (client, message) => client.__fetchFailure("invalid", message);

/**
 * What to send: the absolute URL and a plain `init` without credentials.
 * `absolute`: the URL did not come from a path (its origin must be checked).
 * A promise only for a `Request` with a body (buffered once, so a retry can
 * send it again).
 */
function prepare(client, plan, input, init) {
  let callerInit;
  if (init === undefined || init === null) callerInit = {};
  else if (typeof init === "object") callerInit = copy(client, init, "client.fetch: init");
  else throw invalid(client, "client.fetch: init must be an object, as for fetch");
  const merged = {};
  let url;
  let absolute = true;
  if (typeof input === "string") {
    if (input.startsWith("/") && !input.startsWith("//")) {
      url = plan.root + input;
      absolute = !plan.rootTrusted;
    } else if (input.includes("://")) url = input;
    else throw invalid(client, "client.fetch: give a path starting with / (resolved against the vendor root) or an absolute URL");
  } else if (isA(input, globalThis.Request)) {
    for (const field of REQUEST_FIELDS) merged[field] = input[field];
    merged.headers = input.headers;
    merged.signal = input.signal;
    if (input.body) {
      // A used body (clone() throws) or one that fails to read cannot be
      // sent: the caller's mistake, said as an AuthError like every other.
      return (async () => input.clone().arrayBuffer())().then(
        (body) => finish(client, plan, input.url, true, { ...merged, body }, callerInit),
        (thrown) => {
          throw client.__fetchFailure("unreadable", thrown, "client.fetch: the Request's body");
        },
      );
    }
    url = input.url;
  } else {
    let href;
    try {
      href = Reflect.get(input, "href");
    } catch {}
    if (typeof href !== "string") throw invalid(client, "client.fetch: input must be a path, a URL string, a URL or a Request");
    url = href;
  }
  return finish(client, plan, url, absolute, merged, callerInit);
}

function finish(client, plan, url, absolute, merged, callerInit) {
  const sent = Object.assign(copy(client, merged, "client.fetch: init"), callerInit);
  if (!plan.cookies && callerInit.credentials === undefined) omitCookies(sent);
  // The token must not follow a redirect to another origin: where the plan
  // says so, the host follows redirects itself (see `send`).
  const follow = plan.follow && callerInit.redirect === undefined;
  if (follow) sent.redirect = "manual";
  let headers;
  try {
    headers = new Headers(sent.headers ?? undefined);
  } catch {
    throw invalid(client, "client.fetch: init.headers is not valid HeadersInit");
  }
  const signal = isA(sent.signal, globalThis.AbortSignal) ? sent.signal : undefined;
  return { url, absolute, init: sent, headers, signal, replayable: replayable(sent.body), follow };
}

/**
 * Whether a body can be sent twice (a retry, a followed redirect): text and
 * bytes can; a stream, an async iterable or a Node `Readable` (which Node's
 * fetch also takes) is read once, so its retry would go empty or fail.
 */
function replayable(body) {
  return (
    body === undefined ||
    body === null ||
    typeof body === "string" ||
    isA(body, globalThis.ArrayBuffer) ||
    ArrayBuffer.isView(body) ||
    isA(body, globalThis.Blob) ||
    isA(body, globalThis.FormData) ||
    isA(body, globalThis.URLSearchParams)
  );
}

/** Rejects as soon as `signal` aborts, with its reason (as `fetch` does). */
function abortable(signal, work) {
  if (signal === undefined) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort;
  const aborted = new Promise((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort);
  });
  // A long-lived signal shared by many calls must not collect a listener
  // per call: removed once the call settles.
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}

/** Whether the header value could carry the token (printable ASCII). */
const headerSafe = (token) => token.length > 0 && /^[\x20-\x7e]*$/.test(token);

/**
 * One request to `url`, bounded by `timeoutMs` until the headers, with
 * `token` attached unless `attach` is false (a redirect to another origin).
 */
async function sendTo(client, plan, prepared, url, init, token, attach = true) {
  if (attach && !headerSafe(token)) throw client.__fetchFailure("unsafe");
  // The prepared headers are the host's own copy of the caller's: each
  // request (a retry, a redirect) sets the token of that request on them.
  const headers = prepared.headers;
  if (!attach) {
    headers.delete("Authorization");
  } else if (plan.query === undefined) {
    headers.set("Authorization", `Bearer ${token}`);
  } else {
    const parsed = new URL(url);
    parsed.searchParams.set(plan.query, token);
    url = parsed.href;
  }
  const caller = prepared.signal;
  if (caller?.aborted) throw caller.reason;
  const controller = new AbortController();
  let timedOut = false;
  let expire;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
    expire?.();
  }, plan.timeoutMs);
  // The caller's signal must abort the body read too (as with plain
  // `fetch`): `AbortSignal.any` links them without a listener on the
  // caller's signal; where it is missing, one is kept until the headers.
  let signal = controller.signal;
  let forward;
  if (caller !== undefined) {
    if (typeof AbortSignal.any === "function") {
      signal = AbortSignal.any([caller, controller.signal]);
    } else {
      forward = () => controller.abort(caller.reason);
      caller.addEventListener("abort", forward);
    }
  }
  let response;
  try {
    if (plan.fetch === undefined) {
      response = await fetch(url, { ...init, headers, signal });
    } else {
      // An `options.fetch` may ignore the signal: the timer and the
      // caller's signal then settle the call all the same (the global
      // fetch honours both, and is spared the race).
      const sending = plan.fetch(url, { ...init, headers, signal });
      const expired = new Promise((_, reject) => {
        expire = () => reject(new Error("timed out"));
      });
      Promise.resolve(sending).catch(() => {});
      response = await abortable(caller, Promise.race([sending, expired]));
    }
  } catch (thrown) {
    if (timedOut) throw client.__fetchFailure("timeout");
    if (caller?.aborted) throw caller.reason;
    throw client.__fetchFailure("network", thrown, token);
  } finally {
    clearTimeout(timer);
    if (forward !== undefined) caller.removeEventListener("abort", forward);
  }
  if (!isResponse(response)) throw client.__fetchFailure("network", "fetch resolved to something that is not a Response");
  return response;
}

/**
 * Sends with `token`, following redirects where the host follows them: the
 * token goes to the plan's origins only. A redirect to another origin is
 * followed without it (`plan.followElsewhere`, as `fetch` does), or returned.
 */
async function send(client, plan, prepared, token) {
  let url = prepared.url;
  const init = { ...prepared.init };
  for (let i = 0; i < plan.redirects; i++) {
    const response = await sendTo(client, plan, prepared, url, init, token);
    if (!prepared.follow || !isRedirect(response)) return response;
    let next;
    try {
      const location = response.headers.get("location");
      if (location !== null) next = new URL(location, url);
    } catch {}
    // A browser hides where an opaque redirect goes: the caller's.
    if (next === undefined) return response;
    const ours = plan.origins.includes(next.origin.toLowerCase());
    if (!ours && !plan.followElsewhere) return response;
    cancel(response.body);
    const method = typeof init.method === "string" ? init.method.toUpperCase() : "";
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
      init.method = "GET";
      delete init.body;
    }
    url = next.href;
    // Past the vendor's origins the token stays behind, and the runtime
    // follows whatever comes next, as it would for a plain `fetch`.
    if (!ours) return sendTo(client, plan, prepared, url, { ...init, redirect: "follow" }, token, false);
  }
  return sendTo(client, plan, prepared, url, init, token);
}

/**
 * The start of a judged body: at most `plan.judgedBytes`, from a clone and
 * within `timeoutMs`, so the caller still gets it whole, and a huge or
 * stalled body neither fills memory nor hangs the call.
 */
async function judgedBody(plan, response) {
  let reader;
  try {
    // A body without getReader (node-fetch's Node streams) is not judged.
    reader = response.clone().body?.getReader();
  } catch {
    return "";
  }
  if (!reader) return "";
  const chunks = [];
  let length = 0;
  let timer;
  const giveUp = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), plan.timeoutMs);
  });
  try {
    while (length < plan.judgedBytes) {
      const chunk = await Promise.race([reader.read(), giveUp]);
      if (chunk === null || chunk.done) break;
      // Not bytes: the body is unreadable, so nothing is judged from it.
      if (!ArrayBuffer.isView(chunk.value)) return "";
      const bytes = new Uint8Array(chunk.value.buffer, chunk.value.byteOffset, chunk.value.byteLength);
      chunks.push(bytes.subarray(0, plan.judgedBytes - length));
      length += chunks[chunks.length - 1].length;
    }
  } catch {
    return "";
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(concat(chunks, length));
}

/** Tells the core what an answer means for later logins (a Zūm Rails 429 blocks the IP). */
async function report(client, plan, response) {
  if (plan.reported.has(response.status)) {
    await client.__apiAnswered(response.status, response.headers.get("retry-after") ?? undefined);
  }
}

/** Whether the vendor rejected the token in `response` (the core judges). */
async function rejected(client, plan, response) {
  await report(client, plan, response);
  if (!plan.judged.has(response.status)) return false;
  return client.__isRejection(response.status, await judgedBody(plan, response));
}

/** `client.fetch(input, init)`. */
export async function clientFetch(input, init) {
  const plan = planOf(this);
  let prepared = prepare(this, plan, input, init);
  if (prepared instanceof Promise) prepared = await prepared;
  if (prepared.absolute) {
    let origin;
    try {
      origin = new URL(prepared.url).origin.toLowerCase();
    } catch {
      throw invalid(this, "client.fetch: the URL is not valid");
    }
    if (!plan.origins.includes(origin)) throw this.__fetchFailure("foreign", origin);
  }
  const token = await abortable(prepared.signal, this.getToken());
  const response = prepared.follow
    ? await send(this, plan, prepared, token)
    : await sendTo(this, plan, prepared, prepared.url, prepared.init, token);
  // A body sent once cannot be sent again: the answer is the caller's,
  // though what it means for later logins still counts.
  if (!prepared.replayable) {
    await report(this, plan, response);
    return response;
  }
  if (!(await rejected(this, plan, response))) return response;
  // Damped (the core's rule against endpoints that refuse every token): null.
  const renewed = await abortable(prepared.signal, this.__renewAfterRejection(token));
  if (renewed === null) return response;
  cancel(response.body);
  const second = await send(this, plan, prepared, renewed);
  if (await rejected(this, plan, second)) await this.__rejectedTwice(second.status, renewed);
  return second;
}
