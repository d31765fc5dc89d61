// The types of "vendor-auth/inline": the same API as "vendor-auth".
export * from "./index.js";
