// The control API under /__sim/: lets tests reset the simulator, read call
// counts and the request log, move the simulated clock, inject faults, tune
// rate limits and mint RunBuggy session JWTs. JSON in, JSON out; any origin
// may call it and read every header (CORS_POLICIES.control).

import { applyConfig, compileRoutes, isPlainObject, json, matchRoute, parseJsonObject } from "./lib.mjs";

const badRequest = (error) => json(400, { error });

/** Parses the JSON object body of a control request; empty body = {}. */
function bodyOf(ctx) {
  if (ctx.text.trim() === "") return {};
  return parseJsonObject(ctx.text);
}

/** Resolves ?vendor= (optional) to a vendor name, or returns an error response. */
function vendorFilter(sim, ctx) {
  const vendor = ctx.query.get("vendor");
  if (vendor === null) return { names: [...sim.vendors.keys()] };
  if (!sim.vendors.has(vendor)) return { response: badRequest(`unknown vendor "${vendor}"; known: ${[...sim.vendors.keys()].join(", ")}`) };
  return { name: vendor };
}

/** GET: one vendor's view when ?vendor= is given, else { vendor: view } for all. */
function perVendor(sim, ctx, view) {
  const { name, names, response } = vendorFilter(sim, ctx);
  if (response) return response;
  if (name) return json(200, view(name));
  return json(200, Object.fromEntries(names.map((n) => [n, view(n)])));
}

const clockView = (sim) => json(200, { nowMs: sim.clock.nowMs(), offsetSeconds: sim.clock.offsetSeconds });

const ROUTES = {
  "GET /health": () => json(200, { ok: true }),

  "POST /reset"(sim) {
    sim.reset();
    return json(200, { ok: true });
  },

  "GET /counts": (sim, ctx) => perVendor(sim, ctx, (name) => sim.counts.get(name)),

  "GET /requests": (sim, ctx) => perVendor(sim, ctx, (name) => sim.log.get(name)),

  "GET /clock": (sim) => clockView(sim),

  "POST /clock"(sim, ctx) {
    const body = bodyOf(ctx);
    const { advanceSeconds, offsetSeconds } = body || {};
    const valid = (v) => v === undefined || Number.isFinite(v);
    if (!body || !valid(advanceSeconds) || !valid(offsetSeconds) || (advanceSeconds === undefined) === (offsetSeconds === undefined)) {
      return badRequest('send exactly one of {"advanceSeconds": N} or {"offsetSeconds": N}');
    }
    if (offsetSeconds !== undefined) sim.clock.setOffset(offsetSeconds);
    else sim.clock.advance(advanceSeconds);
    return clockView(sim);
  },

  "GET /fault": (sim) => json(200, sim.faults.list()),

  "POST /fault"(sim, ctx) {
    const { fault, error } = sim.faults.add(bodyOf(ctx));
    return error ? badRequest(error) : json(200, { ok: true, id: fault.id });
  },

  "DELETE /fault"(sim) {
    sim.faults.clear();
    return json(200, { ok: true });
  },

  "GET /config": (sim, ctx) => perVendor(sim, ctx, (name) => sim.vendors.get(name).config),

  "POST /config"(sim, ctx) {
    const body = bodyOf(ctx);
    if (!isPlainObject(body)) return badRequest("body must be a JSON object");
    const { vendor: name, ...patch } = body;
    const vendor = sim.vendors.get(name);
    if (!vendor) return badRequest(`"vendor" must be one of ${[...sim.vendors.keys()].join(", ")}`);
    const { config, error } = applyConfig(vendor.def.config, vendor.config, patch);
    if (error) return badRequest(error);
    vendor.config = config;
    return json(200, { vendor: name, config });
  },
};

const compiled = compileRoutes(ROUTES);

/**
 * Answers a control request. `path` is relative to /__sim. Vendor-specific
 * control routes (a vendor module's `control` table) live under /__sim/<vendor>/.
 */
export function handleControl(sim, ctx) {
  const match = matchRoute(compiled, ctx.method, ctx.path);
  if (match?.route) return match.route.handle(sim, ctx);
  const [, vendorName, ...rest] = ctx.path.split("/");
  const vendor = sim.vendors.get(vendorName);
  const vendorMatch = vendor && matchRoute(vendor.control, ctx.method, `/${rest.join("/")}`);
  if (vendorMatch?.route) {
    const vendorCtx = { ...ctx, state: vendor.state, config: vendor.config, params: vendorMatch.params };
    return vendorMatch.route.handle(vendorCtx);
  }
  if (match?.methodNotAllowed || vendorMatch?.methodNotAllowed) return json(405, { error: "method not allowed" });
  return json(404, { error: `no control route ${ctx.method} /__sim${ctx.path}` });
}
