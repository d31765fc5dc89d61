#!/usr/bin/env node
// The demo's servers, in one process so Ctrl-C stops both:
//   - the vendor simulator (tests/simulator/server.mjs) on SIM_PORT (8790)
//   - a static file server on DEMO_PORT (8080): www/ at "/", the npm
//     package (pkg/, with its built dist/) at "/pkg/", and /config.json
//     telling the page where the simulator is and which test credentials
//     it accepts (tests/simulator/credentials.mjs: fake, simulator-only).
// Node built-ins only. Binds to loopback (DEMO_HOST, default 127.0.0.1).
//
//   node scripts/serve.mjs [--port 8080] [--sim-port 8790] [--no-simulator]
//
// The static server is also used by the consumer tests (serveStatic).
import { createServer } from "node:http";
import { createReadStream, existsSync, statSync } from "node:fs";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

/**
 * A static file server on loopback. `mounts` maps URL prefixes ("/",
 * "/pkg/") to directories; `routes` maps exact paths to handlers
 * (req, res) => void. Paths never escape their directory. Resolves to
 * { server, url, close() }.
 */
export async function serveStatic(mounts, { port = 0, host = "127.0.0.1", routes = {} } = {}) {
  const table = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix, resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (routes[path]) {
      routes[path](req, res);
      return;
    }
    for (const [prefix, dir] of table) {
      if (!path.startsWith(prefix)) continue;
      let file = normalize(join(dir, path.slice(prefix.length)));
      if (file !== dir && !file.startsWith(dir + sep)) break;
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
      if (!existsSync(file) || !statSync(file).isFile()) break;
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "content-length": statSync(file).size,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
      if (req.method === "HEAD") res.end();
      else createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, ok);
  });
  const { port: bound } = server.address();
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
  return {
    server,
    url,
    close: () =>
      new Promise((ok) => {
        server.close(() => ok());
        server.closeAllConnections?.();
      }),
  };
}

/**
 * Starts the demo: the vendor simulator (unless `simulator: false`) and the
 * static server for www/ and pkg/ (plus /config.json: `{ simulatorUrl,
 * credentials }`). Port 0 picks a free port. Resolves to
 * { url, simulatorUrl, close() }.
 */
export async function startDemo({ port = 8080, simPort = 8790, host = "127.0.0.1", simulator = true } = {}) {
  const wasm = join(ROOT, "pkg/dist/vendor_auth_bg.wasm");
  if (!existsSync(wasm)) throw new Error(`${wasm} is missing; run \`make build\` first`);

  let sim = null;
  let simulatorUrl = `http://127.0.0.1:${simPort}`;
  // The simulator's fake test credentials prefill the demo's forms. They
  // unlock nothing but the simulator; absent (a package-only checkout), the
  // page leaves the fields empty.
  let credentials = null;
  const credentialsFile = join(ROOT, "tests/simulator/credentials.mjs");
  if (existsSync(credentialsFile)) {
    ({ CREDENTIALS: credentials } = await import(pathToFileURL(credentialsFile).href));
  }
  if (simulator) {
    const { startSimulator } = await import(pathToFileURL(join(ROOT, "tests/simulator/server.mjs")).href);
    sim = await startSimulator({ port: simPort });
    simulatorUrl = sim.url.replace(/\/$/, "");
  }
  let site;
  try {
    site = await serveStatic(
      { "/": join(ROOT, "www"), "/pkg/": join(ROOT, "pkg") },
      {
        port,
        host,
        routes: {
          "/config.json": (_req, res) => {
            res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
            res.end(JSON.stringify({ simulatorUrl, credentials }));
          },
        },
      },
    );
  } catch (e) {
    await sim?.close();
    throw e;
  }
  return {
    url: site.url,
    simulatorUrl,
    simulatorStarted: sim !== null,
    close: async () => {
      await Promise.allSettled([site.close(), sim?.close()]);
    },
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: process.env.DEMO_PORT ?? "8080" },
      "sim-port": { type: "string", default: process.env.SIM_PORT ?? "8790" },
      host: { type: "string", default: process.env.DEMO_HOST ?? "127.0.0.1" },
      "no-simulator": { type: "boolean", default: false },
    },
  });
  const demo = await startDemo({
    port: Number(values.port),
    simPort: Number(values["sim-port"]),
    host: values.host,
    simulator: !values["no-simulator"],
  });
  const simNote = demo.simulatorStarted ? "" : " (not started here)";
  console.log(`vendor simulator: ${demo.simulatorUrl}${simNote}`);
  console.log(`demo:             ${demo.url}/`);
  console.log("Ctrl-C stops both.");

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await demo.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`serve: ${e?.message ?? e}`);
    process.exit(1);
  });
}
