// The one-vendor entries, "vendor-auth/<vendor>", imported by name through
// the package's exports map (the "node" condition): each is its own wasm,
// built with that vendor's cargo feature only. Each logs in to the
// simulator the way the main entry does, refuses the other four vendors with
// an options error that says where they are, keeps the package's one
// AuthError class, and is smaller than the main entry (the other vendors'
// flows are not in it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { AuthError } from "vendor-auth";
import { simulator, CREDENTIALS } from "./helpers.mjs";
import { VENDORS } from "../../scripts/vendors.mjs";


let sim;
before(async () => {
  sim = await simulator();
});
after(() => sim.close());

/** Credentials of each vendor that make a real login at the simulator. */
const credentials = {
  runbuggy: async () => ({ sessionJwt: (await sim.control("runbuggy/session-jwt?ttlSeconds=3600")).sessionJwt, tokenName: "entries" }),
  personr: async () => ({ email: CREDENTIALS.personr.email, password: CREDENTIALS.personr.password }),
  emnify: async () => ({ applicationToken: CREDENTIALS.emnify.applicationToken }),
  zumrails: async () => ({ username: CREDENTIALS.zumrails.username, password: CREDENTIALS.zumrails.password }),
  voipbin: async () => ({ username: CREDENTIALS.voipbin.username, password: CREDENTIALS.voipbin.password }),
};

const gzipped = (url) => gzipSync(readFileSync(fileURLToPath(url)), { level: 9 }).length;

for (const vendor of VENDORS) {
  test(`vendor-auth/${vendor}: logs in to ${vendor}, refuses the other vendors, shares AuthError, and is smaller than the main entry`, async () => {
    const resolved = import.meta.resolve(`vendor-auth/${vendor}`);
    assert.match(resolved, new RegExp(`/dist/${vendor}/node\\.js$`), "the node condition");
    const entry = await import(`vendor-auth/${vendor}`);
    assert.equal(entry.AuthError, AuthError, "one AuthError class for every entry");

    const client = new entry.AuthClient({ vendor, baseUrl: `${sim.url}/${vendor}`, credentials: await credentials[vendor]() });
    const info = await client.getTokenInfo();
    assert.equal(typeof info.token, "string");
    assert.ok(info.token.length > 0);
    assert.equal(info.vendor, vendor);
    assert.equal(info.fromCache, false);
    assert.equal(await client.getToken(), info.token, "then from the cache");
    // An account method of another vendor: UNSUPPORTED, as in the main entry.
    const other = vendor === "emnify" ? "listAccessKeys" : "listApplicationTokens";
    await assert.rejects(client[other](), (e) => e instanceof AuthError && e.code === "UNSUPPORTED");
    client.free();

    for (const absent of VENDORS.filter((v) => v !== vendor)) {
      assert.throws(
        () => new entry.AuthClient({ vendor: absent, credentials: {} }),
        (e) =>
          e instanceof AuthError &&
          e.code === "INVALID_OPTIONS" &&
          e.message.includes(`has only ${vendor}`) &&
          e.message.includes(`"vendor-auth/${absent}"`),
      );
    }

    const own = new URL(`../../pkg/dist/${vendor}/vendor_auth_bg.wasm`, import.meta.url);
    const main = new URL("../../pkg/dist/vendor_auth_bg.wasm", import.meta.url);
    assert.ok(statSync(own).size < statSync(main).size, "the other vendors' code is left out");
    assert.ok(gzipped(own) < gzipped(main));
  });
}
