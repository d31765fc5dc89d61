// The page of the Vite worker test: starts worker.js and publishes its answer.
const worker = new Worker(new URL("./worker.js", import.meta.url));
worker.onmessage = ({ data }) => {
  if (data.error !== undefined) window.__error = data.error;
  else window.__result = data.result;
};
worker.onerror = (e) => (window.__error = `worker error: ${e.message}`);
worker.postMessage({ sim: new URLSearchParams(location.search).get("sim") });
