// The first demo page: one emnify token from the simulator, shown masked.
import { AuthClient, AuthError } from "vendor-auth";

const form = document.getElementById("emnify");
const status = document.getElementById("status");
const button = form.querySelector("button");

/** Shows enough of a token to recognise it, never the whole secret. */
function mask(token) {
  if (token.length <= 12) return "•".repeat(token.length);
  return `${token.slice(0, 6)}…${token.slice(-4)} (${token.length} chars)`;
}

function setStatus(text, kind = "") {
  status.textContent = text;
  status.className = kind;
}

async function simulatorUrl() {
  try {
    const res = await fetch("/config.json");
    if (res.ok) return (await res.json()).simulatorUrl;
  } catch {
    // served by something other than scripts/serve.mjs: use the default
  }
  return "http://127.0.0.1:8790";
}

let client = null;
let clientKey = "";

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const { baseUrl, applicationToken } = Object.fromEntries(new FormData(form));
  button.disabled = true;
  setStatus("Requesting a token…");
  try {
    // One client per (baseUrl, token): a second click is served from its cache.
    const key = `${baseUrl}\n${applicationToken}`;
    if (key !== clientKey) {
      client = new AuthClient({ vendor: "emnify", baseUrl, credentials: { applicationToken } });
      clientKey = key;
    }
    const info = await client.getTokenInfo();
    document.getElementById("token").textContent = mask(info.token);
    document.getElementById("expires").textContent =
      info.expiresAt == null ? "never" : new Date(info.expiresAt).toLocaleString();
    document.getElementById("source").textContent = info.fromCache ? "cache" : "vendor (network)";
    document.getElementById("result").hidden = false;
    setStatus("Token received.", "ok");
  } catch (e) {
    document.getElementById("result").hidden = true;
    const what = e instanceof AuthError ? `${e.code}: ${e.message}` : String(e);
    setStatus(what, "error");
  } finally {
    button.disabled = false;
  }
});

form.elements.baseUrl.value = `${await simulatorUrl()}/emnify`;
button.disabled = false;
setStatus("Ready.");
