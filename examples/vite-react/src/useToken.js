// useToken(client): the state of a vendor-auth client's token for a React
// component — { status: "loading" | "ready" | "error", expiresAt, error }.
// The token itself stays inside the client (client.fetch attaches it); the
// hook re-reads the cache whenever the client reports a new one ("token"
// event), so a renewal anywhere (another component, another tab sharing
// localStorage) re-renders the component.
import { useEffect, useState } from "react";

export function useToken(client) {
  const [state, setState] = useState({ status: client ? "loading" : "idle", expiresAt: null, error: null });

  useEffect(() => {
    if (!client) return undefined;
    let live = true;
    const read = (options) =>
      client.getTokenInfo(options).then(
        (info) => live && setState({ status: "ready", expiresAt: info.expiresAt, error: null }),
        (error) => live && setState({ status: "error", expiresAt: null, error }),
      );
    setState({ status: "loading", expiresAt: null, error: null });
    read();
    const off = client.on("token", () => read({ cache: "only-if-cached" }));
    return () => {
      live = false;
      off();
    };
  }, [client]);

  return state;
}
