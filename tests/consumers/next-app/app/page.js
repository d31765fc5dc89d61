// A server-rendered page: the package runs in Next's Node runtime at request
// time (dynamic), so the test sees a real login against the simulator.
import { AuthClient, AuthError } from "vendor-auth";
import { checkVendorAuth } from "../check.js";

export const dynamic = "force-dynamic";

export default async function Page() {
  const result = await checkVendorAuth(AuthClient, AuthError, "page");
  return <pre id="result">{JSON.stringify(result)}</pre>;
}
