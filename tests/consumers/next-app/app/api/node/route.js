import { AuthClient, AuthError } from "vendor-auth";
import { checkVendorAuth } from "../../../check.js";

export const dynamic = "force-dynamic";

export async function GET() {
  return Response.json(await checkVendorAuth(AuthClient, AuthError, "node"));
}
