// Node and browser entries: TokenCoordinator is not exported at run time, so
// it is not in their types either.
// @ts-expect-error TokenCoordinator is Workers-only
import { TokenCoordinator } from "vendor-auth";
void TokenCoordinator;
import { ready } from "vendor-auth/lazy";
export const loaded: Promise<void> = ready();
