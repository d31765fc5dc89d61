// Shared by the package tests: the vendor simulator and a few readers of it.
import { startSimulator } from "../simulator/server.mjs";
export { CREDENTIALS } from "../simulator/credentials.mjs";

/** Starts the simulator on a free loopback port. */
export async function simulator() {
  const sim = await startSimulator({ port: 0 });
  const url = sim.url.replace(/\/$/, "");
  const control = async (path, body) => {
    const response = await fetch(`${url}/__sim/${path}`, body === undefined ? {} : {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return response.json();
  };
  return {
    url,
    close: () => sim.close(),
    reset: () => control("reset", {}),
    /** Calls that reached `vendor`'s `METHOD /path`. */
    count: async (vendor, route) => (await control(`counts?vendor=${vendor}`))[route] ?? 0,
    control,
  };
}

/** The claims of a JWT, read the way the library reads them. */
export function claims(jwt) {
  const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(Buffer.from(payload, "base64").toString("utf8"));
}
