import { defineConfig } from "vite";

export default defineConfig({
  // JSX through Vite's built-in esbuild transform (no React plugin needed
  // for a production build; add @vitejs/plugin-react for Fast Refresh).
  esbuild: { jsx: "automatic" },
  // The dev server must not pre-bundle the package, or the .wasm beside it
  // is not found (`vite build` needs nothing).
  optimizeDeps: { exclude: ["vendor-auth"] },
});
