// A server component: renders the emnify token's state at request time.
import { tokenState } from "../lib/emnify.js";

export const dynamic = "force-dynamic";

export default async function Page() {
  const state = await tokenState();
  return (
    <main>
      <h1>emnify</h1>
      <p id="status">
        {state.ok ? `signed in until ${new Date(state.expiresAt).toISOString()}` : `${state.code}: ${state.message}`}
      </p>
      <pre id="state">{JSON.stringify(state)}</pre>
    </main>
  );
}
