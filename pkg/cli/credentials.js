// Where the command line takes credentials from: environment variables with
// documented names per vendor, or a profile file that only its owner can
// read. Never from arguments: those show in `ps` and in shell history.
import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { usageError } from "./errors.js";

/**
 * Per vendor, the credential sets it accepts, each as
 * `{ credentialField: ENV_VAR }`; the first set whose variables are all set
 * wins. `optional` fields join whichever set is used when present.
 */
export const ENVIRONMENT = {
  runbuggy: {
    sets: [{ apiToken: "RUNBUGGY_API_TOKEN" }, { sessionJwt: "RUNBUGGY_SESSION_JWT", tokenName: "RUNBUGGY_TOKEN_NAME" }],
    optional: { description: "RUNBUGGY_TOKEN_DESCRIPTION" },
  },
  personr: { sets: [{ email: "PERSONR_EMAIL", password: "PERSONR_PASSWORD" }] },
  emnify: {
    sets: [
      { applicationToken: "EMNIFY_APPLICATION_TOKEN" },
      { username: "EMNIFY_USERNAME", password: "EMNIFY_PASSWORD" },
      { username: "EMNIFY_USERNAME", passwordSha1: "EMNIFY_PASSWORD_SHA1" },
    ],
  },
  zumrails: { sets: [{ username: "ZUMRAILS_USERNAME", password: "ZUMRAILS_PASSWORD" }] },
  voipbin: {
    sets: [{ accessKey: "VOIPBIN_ACCESS_KEY" }, { username: "VOIPBIN_USERNAME", password: "VOIPBIN_PASSWORD" }],
  },
};

export const VENDORS = Object.keys(ENVIRONMENT);

/** `EMNIFY_BASE_URL`-style variables for the options that are not secret. */
export const optionVariable = (vendor, name) => `${vendor.toUpperCase()}_${name}`;

/** Every variable name a vendor reads, for help texts and error messages. */
export function variableNames(vendor) {
  const { sets, optional = {} } = ENVIRONMENT[vendor];
  const names = sets.flatMap((set) => Object.values(set)).concat(Object.values(optional));
  return [...new Set(names)];
}

/** How to give credentials, as a sentence for messages. */
export function credentialHint(vendor) {
  const sets = ENVIRONMENT[vendor].sets.map((set) => Object.values(set).join(" + ")).join(", or ");
  return `set ${sets} in the environment, or use --profile NAME (${profilePath()})`;
}

function fromEnvironment(vendor, env) {
  const { sets, optional = {} } = ENVIRONMENT[vendor];
  const set = sets.find((s) => Object.values(s).every((name) => (env[name] ?? "") !== ""));
  if (set === undefined) return null;
  const credentials = {};
  for (const [field, name] of Object.entries({ ...set, ...optional })) {
    if ((env[name] ?? "") !== "") credentials[field] = env[name];
  }
  // emnify takes a password's SHA-1 hex as `password` + `passwordIsSha1`.
  if ("passwordSha1" in credentials) {
    credentials.password = credentials.passwordSha1;
    credentials.passwordIsSha1 = true;
    delete credentials.passwordSha1;
  }
  return credentials;
}

/** `$XDG_CONFIG_HOME/vendor-auth/profiles.json`, default `~/.config/…`. */
export function profilePath(env = process.env) {
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "vendor-auth", "profiles.json");
}

/**
 * Reads one profile: `{ "<name>": { "vendor", "credentials", "environment"?,
 * "baseUrl"? } }`. Refused, like ssh refuses a private key, when the file is
 * readable or writable by anyone but its owner.
 */
async function fromProfile(name, vendor, env) {
  const path = profilePath(env);
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw usageError(`profile file ${path} cannot be read (${error.code ?? "error"})`);
  }
  if (process.platform !== "win32") {
    if ((info.mode & 0o077) !== 0) {
      const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
      throw usageError(`profile file ${path} is readable by others (mode ${mode}): it holds secrets; run chmod 600 ${path}`);
    }
    if (typeof process.getuid === "function" && info.uid !== process.getuid()) {
      throw usageError(`profile file ${path} belongs to another user`);
    }
  }
  let profiles;
  try {
    profiles = JSON.parse(await readFile(path, "utf8"));
  } catch {
    // JSON.parse's message quotes the text around the mistake: a secret.
    throw usageError(`profile file ${path} is not valid JSON`);
  }
  const profile = profiles?.[name];
  if (profile === null || typeof profile !== "object" || Array.isArray(profile)) {
    const known = profiles && typeof profiles === "object" ? Object.keys(profiles).join(", ") : "";
    throw usageError(`profile "${name}" is not in ${path}${known ? `; it has ${known}` : ""}`);
  }
  if (profile.vendor !== undefined && profile.vendor !== vendor) {
    throw usageError(`profile "${name}" is for ${String(profile.vendor)}, not ${vendor}`);
  }
  return { credentials: profile.credentials, environment: profile.environment, baseUrl: profile.baseUrl };
}

/**
 * The client options for `vendor` (credentials, environment, baseUrl) from
 * the flags, the profile and the environment; flags win over the profile,
 * the profile over `<VENDOR>_ENVIRONMENT` / `<VENDOR>_BASE_URL`.
 */
export async function clientOptions(vendor, flags, env = process.env) {
  const profileName = flags.profile ?? (env.VENDOR_AUTH_PROFILE || undefined);
  const profile = profileName === undefined ? {} : await fromProfile(profileName, vendor, env);
  const credentials = profile.credentials ?? fromEnvironment(vendor, env);
  if (credentials === null || credentials === undefined) {
    throw usageError(`no credentials for ${vendor}: ${credentialHint(vendor)}`);
  }
  const options = { vendor, credentials };
  const environment = flags.env ?? profile.environment ?? (env[optionVariable(vendor, "ENVIRONMENT")] || undefined);
  const baseUrl = flags["base-url"] ?? profile.baseUrl ?? (env[optionVariable(vendor, "BASE_URL")] || undefined);
  if (environment !== undefined) options.environment = environment;
  if (baseUrl !== undefined) options.baseUrl = baseUrl;
  return options;
}
