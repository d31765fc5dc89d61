// A route handler in the Node.js runtime.
import { tokenState } from "../../../lib/emnify.js";

export const dynamic = "force-dynamic";

export async function GET() {
  const state = await tokenState();
  return Response.json(state, { status: state.ok ? 200 : 502 });
}
