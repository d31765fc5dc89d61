// The default entry in an iife worker: Vite must refuse it (top-level await).
import * as pkg from "vendor-auth";
self.postMessage(Object.keys(pkg));
