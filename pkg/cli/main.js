// `vendor-auth` on the command line: the library's AuthClient over a file
// store shared by every process of the user, for shell scripts, cron jobs
// and CI. Arguments are read with Node's own util.parseArgs: the command
// line adds no dependency to the package.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { AuthError } from "../auth-error.js";
import { VENDORS, clientOptions, variableNames } from "./credentials.js";
import { EXIT, exitCode, storageError, usageError } from "./errors.js";
import { StoreSetupError, fileStore, privateDirectory } from "./file-store.js";
import { HELP } from "./help.js";

const COMMON_OPTIONS = {
  env: { type: "string" },
  "base-url": { type: "string" },
  profile: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};
const CACHE_OPTIONS = { reload: { type: "boolean" }, "only-if-cached": { type: "boolean" } };

/** Per command: its options and the names of its positional arguments. */
const COMMANDS = {
  token: { options: CACHE_OPTIONS, args: ["vendor"] },
  info: { options: { ...CACHE_OPTIONS, "show-token": { type: "boolean" } }, args: ["vendor"] },
  fetch: {
    options: {
      request: { type: "string", short: "X" },
      header: { type: "string", short: "H", multiple: true },
      data: { type: "string", short: "d" },
      "data-binary": { type: "string" },
      include: { type: "boolean", short: "i" },
      fail: { type: "boolean", short: "f" },
    },
    args: ["vendor", "path-or-url"],
  },
  revoke: { options: {}, args: ["vendor"] },
  clear: { options: {}, args: ["vendor"] },
  mfa: { options: {}, args: ["vendor", "code"] },
};

/**
 * Options and arguments that would carry a secret. They are refused before
 * anything else, and the message says why: an argument is visible to every
 * user of the machine in `ps` and stays in the shell's history.
 */
const SECRET_OPTION =
  /^--?(pass(word|wd)?|secret|token|api-?token|app(lication)?-?token|access-?key|session-?jwt|jwt|credentials?|auth(orization)?|bearer|cookie|key)(=|$)/i;
const SECRET_HEADER = /^\s*(authorization|cookie|x-api-key)\s*:/i;
const SECRET_QUERY = /[?&](accesskey|token|access_token|api_key)=/i;

function refuseSecretsInArgv(command, vendor, argv) {
  const where = vendor && VENDORS.includes(vendor) ? variableNames(vendor).join(", ") : "the vendor's environment variables";
  const refuse = (what) =>
    usageError(
      `${what}: secrets are never taken from arguments, which other users see in ps and the shell keeps in its history; use ${where} or --profile`,
    );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") break;
    const match = SECRET_OPTION.exec(arg);
    if (match) throw refuse(`${arg.split("=")[0]} looks like a secret`);
    if (command === "fetch" && (arg === "-H" || arg === "--header") && SECRET_HEADER.test(argv[i + 1] ?? "")) {
      throw refuse(`the ${argv[i + 1].split(":")[0].trim()} header is attached by vendor-auth itself`);
    }
    if (command === "fetch" && /^(-H.|--header=)/.test(arg) && SECRET_HEADER.test(arg.replace(/^(-H|--header=)/, ""))) {
      throw refuse("that header is attached by vendor-auth itself");
    }
  }
}

/** Colour for one stream: only on a terminal, and never with NO_COLOR. */
function painter(stream, env) {
  const on = stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
  return (code, text) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
}

/** `$XDG_CACHE_HOME/vendor-auth`; XDG says a relative value is ignored. */
export function cacheDirectory(env = process.env) {
  const base = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), ".cache");
  return join(base, "vendor-auth");
}

function version() {
  return JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;
}

/** Writes and waits until the stream took it (pipes may be asynchronous). */
const write = (stream, text) => new Promise((resolve) => (text === "" ? resolve() : stream.write(text, () => resolve())));

/** A `-d` / `--data-binary` value: literal, `@file` or `@-` (stdin). */
async function bodyOf(value, binary) {
  if (!value.startsWith("@")) return value;
  const source = value.slice(1);
  let bytes;
  try {
    bytes = source === "-" ? Buffer.concat(await process.stdin.toArray()) : await readFile(source);
  } catch (error) {
    throw usageError(`cannot read the body from ${source} (${error.code ?? error.message})`);
  }
  // curl -d @file drops the file's line breaks; --data-binary keeps them.
  return binary ? bytes : bytes.toString("utf8").replace(/[\r\n]/g, "");
}

function requestInit(values) {
  if (values.data !== undefined && values["data-binary"] !== undefined) {
    throw usageError("give one of -d / --data and --data-binary");
  }
  const headers = new Headers();
  for (const line of values.header ?? []) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw usageError(`-H needs "Name: value", like -H 'Accept: application/json'`);
    try {
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    } catch {
      throw usageError(`-H: "${line.slice(0, colon).trim()}" is not a valid header`);
    }
  }
  const init = { method: values.request, headers };
  return init;
}

async function withBody(init, values) {
  const raw = values["data-binary"] ?? values.data;
  if (raw === undefined) return { ...init, method: init.method ?? "GET" };
  const body = await bodyOf(raw, values["data-binary"] !== undefined);
  if (!init.headers.has("content-type")) init.headers.set("content-type", "application/x-www-form-urlencoded");
  return { ...init, method: init.method ?? "POST", body };
}

const statusLine = (response) =>
  `HTTP/1.1 ${response.status}${response.statusText ? ` ${response.statusText}` : ""}\r\n` +
  [...response.headers].map(([name, value]) => `${name}: ${value}\r\n`).join("") +
  "\r\n";

function describeExpiry(expiresAt) {
  if (expiresAt === null) return "never";
  const left = Math.round((expiresAt - Date.now()) / 1000);
  const h = Math.floor(Math.abs(left) / 3600);
  const m = Math.floor((Math.abs(left) % 3600) / 60);
  const span = h > 0 ? `${h}h ${m}m` : `${m}m ${Math.abs(left) % 60}s`;
  return `${new Date(expiresAt).toISOString()} (${left >= 0 ? `in ${span}` : `${span} ago`})`;
}

function infoText(info, showToken) {
  const rows = [
    ["vendor", info.vendor],
    ["environment", info.environment],
    ["expires", describeExpiry(info.expiresAt)],
    ["from cache", info.fromCache ? "yes" : "no"],
    ...Object.entries(info.meta ?? {}).map(([k, v]) => [`meta.${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
  ];
  if (showToken) rows.push(["token", info.token]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join("");
}

/** Parses argv into `{ command, values, args }`, or the text to print. */
function parse(argv) {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    const topic = command === "help" ? rest[0] : undefined;
    return { print: HELP[topic in COMMANDS ? topic : "main"] };
  }
  if (command === "--version" || command === "-V") return { print: `${version()}\n` };
  const spec = COMMANDS[command];
  if (spec === undefined) throw usageError(`unknown command "${command}"; the commands are ${Object.keys(COMMANDS).join(", ")} (vendor-auth --help)`);
  refuseSecretsInArgv(command, rest.find((a) => !a.startsWith("-")), rest);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...COMMON_OPTIONS, ...spec.options }, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs names the option; its message does not repeat values.
    throw usageError(`${error.message.split("\n")[0]} (vendor-auth ${command} --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { print: HELP[command] };
  if (positionals.length < spec.args.length) {
    throw usageError(`${command} needs ${spec.args.map((a) => `<${a}>`).join(" ")} (vendor-auth ${command} --help)`);
  }
  if (positionals.length > spec.args.length) {
    // Never echoed: a surplus argument is most often a pasted secret.
    throw usageError(
      `${command} takes ${spec.args.map((a) => `<${a}>`).join(" ")} and no other argument; credentials are never read from arguments (vendor-auth ${command} --help)`,
    );
  }
  const vendor = positionals[0];
  if (!VENDORS.includes(vendor)) throw usageError(`unknown vendor "${vendor}"; use one of ${VENDORS.join(", ")}`);
  if (command === "fetch" && SECRET_QUERY.test(positionals[1])) {
    throw usageError(
      `the URL carries a credential in its query: vendor-auth attaches ${vendor}'s itself, and secrets are never taken from arguments, which other users see in ps; use ${variableNames(vendor).join(", ")} or --profile`,
    );
  }
  if (values.reload && values["only-if-cached"]) throw usageError("give one of --reload and --only-if-cached");
  return { command, values, args: positionals };
}

/** The client for `vendor` over the user's file cache. */
async function openClient(vendor, values, env, warn) {
  const { AuthClient } = await import("../dist/node.js");
  const options = await clientOptions(vendor, values, env);
  const dir = cacheDirectory(env);
  try {
    await privateDirectory(dir);
  } catch (error) {
    if (error instanceof StoreSetupError) throw storageError(error.message);
    throw storageError(`cannot use the cache directory ${dir} (${error.code ?? error.message})`);
  }
  // The library finds add / deleteIf on the store and locks each login
  // with them: one login across every process of the user.
  const client = new AuthClient({ ...options, store: fileStore(dir) });
  client.on("storage-fallback", (event) => warn(`the token cache failed (${event.reason}); this run keeps its token in memory only`));
  return client;
}

const cacheMode = (values) => (values.reload ? "reload" : values["only-if-cached"] ? "only-if-cached" : "default");

async function run(command, values, args, io) {
  const { stdout, env } = io;
  const [vendor] = args;
  const client = await openClient(vendor, values, env, io.warn);
  const json = (value) => write(stdout, `${JSON.stringify(value)}\n`);
  switch (command) {
    case "token": {
      const token = await io.progress(`getting a ${vendor} token`, client.getToken({ cache: cacheMode(values) }));
      await write(stdout, values.json ? `${JSON.stringify({ token })}\n` : `${token}\n`);
      return EXIT.OK;
    }
    case "info": {
      const info = await io.progress(`getting a ${vendor} token`, client.getTokenInfo({ cache: cacheMode(values) }));
      if (!values["show-token"]) delete info.token;
      await (values.json ? json(info) : write(stdout, infoText(info, values["show-token"])));
      return EXIT.OK;
    }
    case "fetch": {
      const target = args[1];
      const init = await withBody(requestInit(values), values);
      const response = await io.progress(`calling ${vendor}`, client.fetch(target, init));
      if (values.fail && response.status >= 400) {
        await response.body?.cancel();
        io.error(usageError(`the API answered HTTP ${response.status}`), EXIT.HTTP_ERROR, `HTTP ${response.status}`);
        return EXIT.HTTP_ERROR;
      }
      if (values.include) await write(stdout, statusLine(response));
      if (response.body) await pipeline(Readable.fromWeb(response.body), stdout, { end: false });
      return EXIT.OK;
    }
    case "revoke": {
      const where = await client.revoke();
      if (values.json) await json({ revoked: where });
      else if (where === "vendor") await write(stdout, `revoked at ${vendor}\n`);
      else await write(stdout, `forgotten here; ${vendor} has no way to revoke it, so it stays valid there until it expires\n`);
      return EXIT.OK;
    }
    case "clear":
      await client.clear();
      return EXIT.OK;
    case "mfa":
      return completeMfa(client, vendor, args[1], io);
  }
  return EXIT.INTERNAL;
}

/**
 * The login that asked for the code ran in another process, whose pending
 * challenge died with it: log in again here and answer the new challenge
 * with the code (emnify keeps a code valid for its 30-second step).
 */
async function completeMfa(client, vendor, code, io) {
  if (code === "-") code = Buffer.concat(await process.stdin.toArray()).toString("utf8").trim();
  // A vendor without MFA says UNSUPPORTED before anything is sent; emnify
  // answers that no login waits for a code, so start one.
  try {
    await client.completeMfa(code);
    return EXIT.OK;
  } catch (error) {
    if (!(error instanceof AuthError) || error.code !== "INVALID_OPTIONS") throw error;
  }
  try {
    await io.progress(`logging in to ${vendor}`, client.getToken());
    io.note(`${vendor}: a token is cached already; no MFA code was needed`);
    return EXIT.OK;
  } catch (error) {
    if (!(error instanceof AuthError) || error.code !== "MFA_REQUIRED") throw error;
  }
  const info = await io.progress(`sending the MFA code to ${vendor}`, client.completeMfa(code));
  io.note(`${vendor}: MFA complete; the token is cached until ${new Date(info.expiresAt ?? 0).toISOString()}`);
  return EXIT.OK;
}

/** What to add to an error's message so a script's user knows what to do. */
function hint(error, command, vendor) {
  switch (error.code) {
    case "MFA_REQUIRED":
      return `complete the login with: vendor-auth mfa ${vendor} <code>`;
    case "RATE_LIMITED":
      return error.retryAfterSeconds ? `retry in ${error.retryAfterSeconds} s` : "";
    default:
      return "";
  }
}

/**
 * Runs the command line `argv` (without node and the script) and resolves to
 * the exit code. `io` = { stdout, stderr, env }.
 */
export async function main(argv, { stdout = process.stdout, stderr = process.stderr, env = process.env } = {}) {
  const paint = painter(stderr, env);
  const tty = stderr.isTTY === true;
  let jsonErrors = argv.includes("--json");
  let command;
  let vendor;
  const io = {
    stdout,
    env,
    warn: (text) => stderr.write(`${paint("33", "vendor-auth: warning:")} ${text}\n`),
    note: (text) => tty && stderr.write(`${paint("2", "vendor-auth:")} ${text}\n`),
    error(error, code, extra = "") {
      const more = [hint(error, command, vendor), extra].filter(Boolean).join("; ");
      if (jsonErrors) {
        const { message, code: errorCode = "INTERNAL", status = null, retryAfterSeconds = null } = error;
        stderr.write(`${JSON.stringify({ error: { code: errorCode, message, vendor: error.vendor ?? vendor ?? null, status, retryAfterSeconds, exitCode: code } })}\n`);
      } else {
        stderr.write(`${paint("31", "vendor-auth: error:")} ${error.message}${more && error.code !== undefined ? ` (${more})` : ""}\n`);
      }
    },
    /** On a terminal, says what is being waited for once it takes a moment. */
    async progress(text, promise) {
      if (!tty) return promise;
      let shown = false;
      const timer = setTimeout(() => {
        shown = true;
        stderr.write(paint("2", `${text}…`));
      }, 300);
      try {
        return await promise;
      } finally {
        clearTimeout(timer);
        if (shown) stderr.write("\r\x1b[K");
      }
    },
  };
  try {
    const parsed = parse(argv);
    if (parsed.print !== undefined) {
      await write(stdout, parsed.print);
      return EXIT.OK;
    }
    ({ command } = parsed);
    [vendor] = parsed.args;
    jsonErrors = parsed.values.json === true;
    return await run(parsed.command, parsed.values, parsed.args, io);
  } catch (error) {
    // The reader of stdout went away (`| head -1`): nothing left to say.
    if (error?.code === "EPIPE") return EXIT.OK;
    const code = exitCode(error);
    if (code === EXIT.INTERNAL) {
      // Not one of ours: say so without dumping internals (or values).
      io.error({ message: `unexpected failure: ${error?.name ?? "Error"}: ${error?.message ?? error}; please report it` }, code);
    } else {
      io.error(error, code);
    }
    return code;
  }
}
