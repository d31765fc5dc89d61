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

/** Injects a fault at the simulator (see tests/simulator/README.md). */
export async function fault(sim, spec) {
  const response = await fetch(`${sim.url}/__sim/fault`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  if (!response.ok) throw new Error(`fault refused: ${await response.text()}`);
}

/** The simulator's request log for one vendor. */
export async function requests(sim, vendor) {
  return (await fetch(`${sim.url}/__sim/requests?vendor=${vendor}`)).json();
}
