// Issue 14, point 4, in headless Chromium: VoIPBIN's login sets an HttpOnly
// `token` cookie that its server reads before `Authorization` (vendors.md,
// real servers). On a page served from the VoIPBIN origin, the library's own
// requests must not take the cookie, and client.fetch must not send one by
// default, or calls would be made as whoever logged in last and stay
// authenticated after revoke()/clear().
//
// The stand-in here is same-origin with the page (which the simulator, on
// another port, cannot be): it serves the package and a VoIPBIN that sets
// and prefers the cookie as the real server does.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { join, normalize } from "node:path";
import { launchChromium, ROOT } from "../consumers/helpers.mjs";

const USERS = { alice: "alice-password", bob: "bob-password" };
const issued = new Map(); // token -> username

function who(req) {
  const cookie = /(?:^|;\s*)token=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  // The real server reads the cookie first.
  return issued.get(cookie ?? bearer);
}

const PAGE = `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "vendor-auth": "/pkg/index.js" } }</script>
<script type="module">
  import { AuthClient } from "vendor-auth";
  window.AuthClient = AuthClient;
  window.ready = true;
</script>`;

let server;
let origin;
let browser;
before(async () => {
  let n = 0;
  server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/page.html") {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end(PAGE);
    }
    if (url.pathname.startsWith("/pkg/")) {
      const file = normalize(join(ROOT, url.pathname));
      if (!file.startsWith(join(ROOT, "pkg"))) return res.writeHead(403).end();
      try {
        const body = await readFile(file);
        const type = file.endsWith(".wasm") ? "application/wasm" : "text/javascript";
        res.writeHead(200, { "content-type": type });
        return res.end(body);
      } catch {
        return res.writeHead(404).end();
      }
    }
    if (url.pathname === "/voipbin/auth/login" && req.method === "POST") {
      let text = "";
      for await (const chunk of req) text += chunk;
      const { username, password } = JSON.parse(text || "{}");
      if (USERS[username] !== password) return res.writeHead(400).end();
      const token = `tok-${username}-${++n}`;
      issued.set(token, username);
      res.writeHead(200, {
        "content-type": "application/json",
        "set-cookie": `token=${token}; Path=/; HttpOnly; SameSite=Lax`,
      });
      return res.end(JSON.stringify({ username, token }));
    }
    if (url.pathname === "/voipbin/v1.0/me") {
      const user = who(req);
      res.writeHead(user ? 200 : 401, { "content-type": "application/json" });
      return res.end(JSON.stringify(user ? { user } : { error: { status: "UNAUTHENTICATED" } }));
    }
    res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

test("4. on the VoIPBIN origin, logins take no cookie and client.fetch sends none: each client acts as its own user", async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/page.html`);
    await page.waitForFunction(() => window.ready === true);
    const result = await page.evaluate(async ({ users }) => {
      const make = (username) =>
        new window.AuthClient({ vendor: "voipbin", baseUrl: `${location.origin}/voipbin`, credentials: { username, password: users[username] } });
      const alice = make("alice");
      const bob = make("bob");
      await alice.getToken();
      await bob.getToken(); // logged in last
      const me = async (client) => (await (await client.fetch("/v1.0/me")).json()).user;
      const out = { alice: await me(alice), bob: await me(bob) };
      // After the library's logins, the page itself is not logged in.
      out.plainAfterLogins = (await fetch("/voipbin/v1.0/me")).status;
      // A cookie the page has anyway (another login of the page's own) does
      // not override the client's token either.
      await fetch("/voipbin/auth/login", { method: "POST", body: JSON.stringify({ username: "bob", password: users.bob }) });
      out.aliceWithBobsCookie = await me(alice);
      // The caller may still ask for cookies explicitly.
      out.explicitInclude = (await (await alice.fetch("/v1.0/me", { credentials: "include" })).json()).user;
      await alice.revoke();
      return out;
    }, { users: USERS });
    assert.equal(result.alice, "alice");
    assert.equal(result.bob, "bob");
    assert.equal(result.plainAfterLogins, 401, "the library's login set no cookie");
    assert.equal(result.aliceWithBobsCookie, "alice");
    assert.equal(result.explicitInclude, "bob", "init.credentials overrides the default, as documented");
  } finally {
    await context.close();
  }
});
