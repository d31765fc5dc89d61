// What each Next.js runtime reports: a token from the vendor simulator
// (VENDOR_AUTH_SIM_URL, set by the test) and an AuthError for bad options.
export async function checkVendorAuth(AuthClient, AuthError, where) {
  const out = { where };
  try {
    new AuthClient({ vendor: "nope" });
  } catch (e) {
    out.badOptions = { isAuthError: e instanceof AuthError, code: e.code };
  }
  try {
    const client = new AuthClient({
      vendor: "emnify",
      baseUrl: process.env.VENDOR_AUTH_SIM_URL + "/emnify",
      credentials: { applicationToken: process.env.VENDOR_AUTH_EMNIFY_TOKEN },
    });
    const info = await client.getTokenInfo();
    out.tokenLength = info.token.length;
    out.fromCache = info.fromCache;
  } catch (e) {
    out.error = `${e?.name}: ${e?.code} ${e?.message}`;
  }
  return out;
}
