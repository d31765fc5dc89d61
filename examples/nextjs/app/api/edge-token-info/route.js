// The same in the Edge runtime: the package's `edge-light` condition.
import { tokenState } from "../../../lib/emnify.js";

export const runtime = "edge";
export const dynamic = "force-dynamic";

export async function GET() {
  const state = await tokenState();
  return Response.json(state, { status: state.ok ? 200 : 502 });
}
