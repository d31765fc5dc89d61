// The vendor simulator's control API (/__sim/…, see tests/simulator/README.md).

export class Simulator {
  constructor(url) {
    this.url = url.replace(/\/$/, "");
  }

  async #call(method, path, body) {
    const res = await fetch(`${this.url}/__sim${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(json.error ?? `HTTP ${res.status}`);
    return json;
  }

  async healthy() {
    try {
      return (await this.#call("GET", "/health")).ok === true;
    } catch {
      return false;
    }
  }

  counts(vendor) {
    return this.#call("GET", `/counts?vendor=${encodeURIComponent(vendor)}`);
  }
  clock() {
    return this.#call("GET", "/clock");
  }
  advance(seconds) {
    return this.#call("POST", "/clock", { advanceSeconds: Math.round(seconds) });
  }
  reset() {
    return this.#call("POST", "/reset");
  }
  faults() {
    return this.#call("GET", "/fault");
  }
  addFault(spec) {
    return this.#call("POST", "/fault", spec);
  }
  clearFaults() {
    return this.#call("DELETE", "/fault");
  }
  /** A RunBuggy session JWT, as the password-less web login would give. */
  async runbuggySessionJwt(ttlSeconds = 3600) {
    return (await this.#call("GET", `/runbuggy/session-jwt?ttlSeconds=${ttlSeconds}`)).sessionJwt;
  }
}

/** The faults the page offers: what the next matching request gets. */
export const FAULTS = {
  "500": { label: "HTTP 500 server error", spec: { status: 500, body: "" } },
  "503": { label: "HTTP 503 unavailable", spec: { status: 503, body: "" } },
  "429": {
    label: "HTTP 429 rate limited (Retry-After 30 s)",
    spec: { status: 429, body: "", headers: { "retry-after": "30" } },
  },
  "401": { label: "HTTP 401 token rejected", spec: { status: 401, body: "" } },
  drop: { label: "Connection dropped", spec: { drop: true } },
  slow: { label: "Slow answer (+3 s)", spec: { delayMs: 3000 } },
};
