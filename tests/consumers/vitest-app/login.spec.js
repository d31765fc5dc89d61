// Run by tests/consumers/vitest.test.mjs under Vitest's jsdom and happy-dom
// environments (the DOM-emulating test set-ups of dashboards), against the
// vendor simulator: a real login through the global fetch, whose body chunks
// come from another realm than the DOM environment's Uint8Array.
import { expect, test } from "vitest";
import { AuthClient, AuthError } from "vendor-auth";

const sim = process.env.VENDOR_AUTH_SIM_URL;

test("the test runs in a DOM environment", () => {
  expect(typeof window).toBe("object");
  expect(typeof document.createElement).toBe("function");
  expect(navigator.userAgent).toMatch(new RegExp(process.env.EXPECT_ENVIRONMENT, "i"));
});

test("emnify: an application-token login succeeds", async () => {
  const client = new AuthClient({
    vendor: "emnify",
    baseUrl: `${sim}/emnify`,
    credentials: { applicationToken: "emnify-sim-app-token-0001-k3Xq9vT2mB7wLp4sR8nZ1cY6hF0jD5gA" },
  });
  const info = await client.getTokenInfo();
  expect(info.token.split(".")).toHaveLength(3);
  expect(info.fromCache).toBe(false);
});

test("zumrails: a username/password login succeeds, and bad credentials are an AuthError", async () => {
  const client = new AuthClient({
    vendor: "zumrails",
    baseUrl: `${sim}/zumrails`,
    credentials: { username: "zum-sim-user", password: "zum-sim-password" },
  });
  expect((await client.getToken()).length).toBeGreaterThan(0);
  const wrong = new AuthClient({
    vendor: "zumrails",
    baseUrl: `${sim}/zumrails`,
    credentials: { username: "zum-sim-someone-else", password: "wrong" },
  });
  const error = await wrong.getToken().catch((e) => e);
  expect(error).toBeInstanceOf(AuthError);
  expect(error.code).toBe("INVALID_CREDENTIALS");
});
