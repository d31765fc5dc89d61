// Small pure helpers: masking, fingerprints, JWT decoding, durations, a DOM
// builder. The demo's worker (token-worker.js) imports it too: nothing here
// touches the DOM until called.

/** Shows enough of a token to recognise it, never the whole secret. */
export function mask(token) {
  if (typeof token !== "string") return "";
  if (token.length <= 12) return "•".repeat(token.length);
  return `${token.slice(0, 6)}…${token.slice(-4)}`;
}

/**
 * A short digest of a token (the first 8 hex digits of its SHA-256), so two
 * contexts can tell whether they hold the same token without showing it.
 */
export async function fingerprint(token) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest, 0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function base64UrlDecode(part) {
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The header and claims of a JWT, or null when the token is not one. */
export function decodeJwt(token) {
  const parts = typeof token === "string" ? token.split(".") : [];
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return null;
  try {
    const header = JSON.parse(base64UrlDecode(parts[0]));
    const claims = JSON.parse(base64UrlDecode(parts[1]));
    if (typeof claims !== "object" || claims === null) return null;
    return { header, claims };
  } catch {
    return null;
  }
}

/** "3 h 59 min", "42 s", "8 d 2 h". */
export function duration(ms) {
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min`;
  if (m > 0) return `${m} min ${String(sec).padStart(2, "0")} s`;
  return `${sec} s`;
}

/** A countdown with seconds, for the token panel: "3:59:58", "12 d 04:10:00". */
export function countdown(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const hh = String(Math.floor((s % 86400) / 3600)).padStart(2, "0");
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return d > 0 ? `${d} d ${hh}:${mm}:${ss}` : `${hh}:${mm}:${ss}`;
}

export const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

export function dateTime(ms) {
  const d = new Date(ms);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? time(ms) : d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

/**
 * Builds an element: h("button", { class: "x", onclick }, "text", child).
 * Strings become text nodes (never HTML). `null`/`false` children are skipped.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Pretty JSON when `text` is JSON, else the text; cut at `max` characters. */
export function prettyBody(text, max = 6000) {
  let out = text;
  try {
    out = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: as is
  }
  return out.length > max ? `${out.slice(0, max)}\n… (${out.length - max} more characters)` : out;
}
