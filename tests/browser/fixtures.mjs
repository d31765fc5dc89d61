// The set-up the browser suites over tests/js/fixtures share: the vendor
// simulator and a static server for the fixtures and pkg/, started before
// the suite and closed after it, the simulator reset before each test, and
// a VoIPBIN principal (the vendor whose CORS lets a page log in directly).
import { before, after, beforeEach } from "node:test";
import { join } from "node:path";
import { simulator, CREDENTIALS } from "../js/helpers.mjs";
import { serveStatic, ROOT } from "../consumers/helpers.mjs";

/**
 * Registers the suite's hooks. `url(page, extra)` is a fixture page's URL
 * with the simulator and the credentials in its query; `logins()` counts
 * VoIPBIN logins at the simulator; `sim` is there once the suite started.
 */
export function fixtureSite() {
  const site = { sim: undefined, server: undefined };
  before(async () => {
    site.sim = await simulator();
    site.server = await serveStatic({ "/": join(ROOT, "tests/js/fixtures"), "/pkg/": join(ROOT, "pkg") });
  });
  after(async () => {
    await site.server?.close();
    await site.sim?.close();
  });
  beforeEach(() => site.sim.reset());
  site.url = (page, extra = "") =>
    `${site.server.url.replace(/\/$/, "")}/${page}?sim=${encodeURIComponent(site.sim.url)}` +
    `&user=${CREDENTIALS.voipbin.username}&password=${CREDENTIALS.voipbin.password}${extra}`;
  site.logins = () => site.sim.count("voipbin", "POST /auth/login");
  return site;
}
