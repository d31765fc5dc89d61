// Hands what check.js reported to the Node test (window.__result/__error),
// from the page or from a Web Worker (posted to the page).
export function publish(promise) {
  const inWorker = typeof window === "undefined";
  promise.then(
    (result) => (inWorker ? self.postMessage({ result }) : (window.__result = result)),
    (e) => (inWorker ? self.postMessage({ error: String(e?.stack ?? e) }) : (window.__error = String(e?.stack ?? e))),
  );
}
export const sim = () => new URLSearchParams(self.location.search).get("sim");
