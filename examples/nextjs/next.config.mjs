// vendor-auth needs no configuration. The root is pinned only because this
// example lives inside the vendor-auth repository, which has a lockfile too.
const root = import.meta.dirname;
export default { turbopack: { root }, outputFileTracingRoot: root };
