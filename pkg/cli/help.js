// The --help texts, one per command.
import { VENDORS, variableNames, profilePath } from "./credentials.js";

const COMMON = `
  --env E           the vendor's environment (runbuggy: production|staging, zumrails: production|sandbox)
  --base-url U      the vendor root instead of the environment's host (a self-hosted VoIPBIN, a simulator)
  --profile P       credentials from profile P of ${profilePath()} (must be chmod 600)
  --json            results and errors as JSON (errors: one line on stderr)
  -h, --help        this text`;

const CREDENTIALS = `
Credentials come from the environment (never from arguments: those show in ps):
${VENDORS.map((v) => `  ${v.padEnd(9)} ${variableNames(v).join(", ")}`).join("\n")}
or from a profile (--profile, or VENDOR_AUTH_PROFILE). Tokens are cached in
$XDG_CACHE_HOME/vendor-auth (default ~/.cache/vendor-auth).`;

const EXIT_CODES = `
Exit codes: 0 ok, 2 invalid options, 3 invalid credentials, 4 sign-in or MFA
code needed, 5 rate limited, 6 network/time-out/vendor error, 7 foreign
origin, 8 unsupported, 9 cache unusable, 22 HTTP error with fetch --fail,
1 a bug in vendor-auth.`;

export const HELP = {
  main: `vendor-auth: a cached vendor API token for shell scripts, cron jobs and CI

Usage: vendor-auth <command> <vendor> [options]

Commands:
  token  <vendor>                 print the token (cached; renewed only when needed)
  info   <vendor>                 expiry, environment and vendor facts (not the token)
  fetch  <vendor> <path-or-url>   an API request with the credential attached
  revoke <vendor>                 revoke the token at the vendor where possible, and forget it
  clear  <vendor>                 forget the cached token
  mfa    <vendor> <code>          complete an emnify login that asked for an MFA code

Vendors: ${VENDORS.join(", ")}

  vendor-auth <command> --help    options of one command
  vendor-auth --version
${CREDENTIALS}
${EXIT_CODES}

Example:
  curl -H "Authorization: Bearer $(vendor-auth token emnify)" https://cdn.emnify.net/api/v1/endpoint
`,
  token: `Usage: vendor-auth token <vendor> [options]

Prints the token alone on stdout, newline-terminated. One login is made
however many vendor-auth processes ask at once; later calls use the cache.

  --reload          renew now, even if the cached token is fresh
  --only-if-cached  never log in: exit 4 when nothing usable is cached${COMMON}
${CREDENTIALS}
${EXIT_CODES}
`,
  info: `Usage: vendor-auth info <vendor> [options]

Prints the token's vendor, environment, expiry and the vendor's facts about
it (meta), obtaining a token first if none is cached. Never the token unless
--show-token.

  --show-token      include the token
  --reload          renew now
  --only-if-cached  never log in: exit 4 when nothing usable is cached${COMMON}
${CREDENTIALS}
`,
  fetch: `Usage: vendor-auth fetch <vendor> <path-or-url> [options]

Sends an API request with the vendor's credential attached (the vendor's way:
a Bearer header, or VoIPBIN's ?accesskey=) and writes the response body to
stdout. A path is resolved against the vendor root; a URL of any other
origin is refused (exit 7) before anything is sent. A rejected token is
renewed and the request sent once more.

  -X, --request M        the method (default GET, or POST with a body)
  -H, --header 'N: v'    a request header (repeatable); not Authorization
  -d, --data D           a body; @file reads a file without its line breaks, @- stdin
      --data-binary D    a body as is; @file reads a file, @- stdin
  -i, --include          print the status line and response headers first
  -f, --fail             exit 22 without output when the API answers 400 or more${COMMON}
${CREDENTIALS}
`,
  revoke: `Usage: vendor-auth revoke <vendor> [options]

Revokes the cached token at the vendor where the vendor has a way to (Zūm
Rails), then forgets it. Elsewhere it is only forgotten here and stays valid
at the vendor until it expires; the output says which.${COMMON}
`,
  clear: `Usage: vendor-auth clear <vendor> [options]

Forgets the cached token; the next call logs in again.${COMMON}
`,
  mfa: `Usage: vendor-auth mfa <vendor> <code> [options]

emnify users with multi-factor authentication: when token or fetch exit 4
saying an MFA code is needed, run this with the authenticator app's code
("-" reads it from stdin). It logs in again, answers the challenge with the
code and caches the token.${COMMON}
`,
};
