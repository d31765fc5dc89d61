// No vendor-auth configuration is needed: this only pins the project root
// (the test app lives inside the repository, which has its own lockfile).
const root = import.meta.dirname;
export default { turbopack: { root }, outputFileTracingRoot: root };
