// Sign in to VoIPBIN (whose API allows browsers, CORS), then list the
// account's access keys through client.fetch. The password is used for the
// login only and never stored; the token is cached in sessionStorage.
import { useMemo, useState } from "react";
import { AuthClient } from "vendor-auth";
import { useToken } from "./useToken.js";

// VITE_VOIPBIN_BASE_URL points the example at another root (the simulator).
const baseUrl = import.meta.env.VITE_VOIPBIN_BASE_URL || undefined;

export function App() {
  const [credentials, setCredentials] = useState(null);
  const client = useMemo(
    () => credentials && new AuthClient({ vendor: "voipbin", baseUrl, credentials, store: "sessionStorage" }),
    [credentials],
  );
  const token = useToken(client);
  const [keys, setKeys] = useState(null);

  if (!client) {
    const submit = (event) => {
      event.preventDefault();
      const form = new FormData(event.currentTarget);
      setCredentials({ username: String(form.get("username")), password: String(form.get("password")) });
    };
    return (
      <form onSubmit={submit}>
        <h1>VoIPBIN</h1>
        <input name="username" placeholder="username" autoComplete="username" required />
        <input name="password" type="password" placeholder="password" autoComplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
    );
  }

  const listKeys = async () => {
    const response = await client.fetch("/v1.0/accesskeys");
    const body = await response.json();
    setKeys(body.result ?? []);
  };

  return (
    <main>
      <h1>VoIPBIN</h1>
      <p data-testid="status">
        {token.status === "ready" && `signed in until ${token.expiresAt ? new Date(token.expiresAt).toISOString() : "forever"}`}
        {token.status === "loading" && "signing in…"}
        {token.status === "error" && `${token.error.code}: ${token.error.message}`}
      </p>
      {token.status === "ready" && (
        <button type="button" onClick={listKeys}>
          List access keys
        </button>
      )}
      {keys && <p data-testid="keys">{keys.length} access key(s)</p>}
    </main>
  );
}
