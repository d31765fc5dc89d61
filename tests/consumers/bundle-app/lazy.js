// "vendor-auth/lazy": no top-level await anywhere (esbuild --target=es2020).
import * as pkg from "vendor-auth/lazy";
import { runChecks } from "./check.js";
import { publish, sim } from "./publish.js";

publish(
  (async () => {
    // Before ready(): an AuthError, not a crash inside the glue.
    let early;
    try {
      new pkg.AuthClient({ vendor: "emnify", credentials: { applicationToken: "x" } });
    } catch (e) {
      early = { isAuthError: e instanceof pkg.AuthError, code: e.code };
    }
    await pkg.ready();
    return { ...(await runChecks(pkg, sim())), early };
  })(),
);
