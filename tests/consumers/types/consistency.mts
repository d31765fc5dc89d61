// The error codes are written twice: the runtime object in pkg/auth-error.js
// (typed by pkg/auth-error.d.ts, which the package exports) and the union the
// Rust side declares in its typescript_custom_section. They must stay equal.
import type { AuthErrorCode as Exported } from "vendor-auth";
import type { AuthErrorCode as Generated } from "../../../pkg/dist/vendor_auth.js";

type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const codesMatch: Equal<Exported, Generated> = true;
void codesMatch;
